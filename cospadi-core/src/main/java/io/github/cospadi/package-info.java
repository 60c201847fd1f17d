/**
 * The facade and its vocabulary: {@link io.github.cospadi.Compressor} (builder over EJML matrices) compresses one weight matrix into a dictionary times column-sparse codes ({@link io.github.cospadi.CompressedMatrix}), with its {@link io.github.cospadi.Budget}, {@link io.github.cospadi.CompressionReport}, methods, orientations, progress listener and parallelism. The math: docs/design.md.
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi;
