/**
 * The facade: {@link io.github.cospadi.Compressor} (builder over EJML matrices) compresses one weight matrix into a
 * dictionary times column-sparse codes ({@link io.github.cospadi.CompressedMatrix}), with its {@link
 * io.github.cospadi.Budget}, {@link io.github.cospadi.CompressionReport}, {@link io.github.cospadi.Method} and the
 * storage forms of {@link io.github.cospadi.Quantization}. The shared vocabulary (parallelism, progress, orientation,
 * the compression exception) is in {@code io.github.cospadi.common}. The math: docs/design.md.
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi;
