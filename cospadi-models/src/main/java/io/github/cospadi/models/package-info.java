/**
 * Models whose projections cospadi compresses ({@link io.github.cospadi.models.CompressibleModel}, {@link io.github.cospadi.models.LanguageModel}) and the whole-model pipeline on them: Gram capture, {@link io.github.cospadi.models.ModelCompressor}, loading by file type (docs/design.md §10).
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.models;
