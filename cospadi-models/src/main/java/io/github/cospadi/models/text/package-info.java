/**
 * Text evaluation: token windows of the SOTU addresses and held-out perplexity (docs/design.md §10).
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.models.text;
