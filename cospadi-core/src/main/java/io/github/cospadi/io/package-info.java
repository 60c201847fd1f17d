/**
 * File formats: the cospadi compressed format ({@link io.github.cospadi.io.CompressedFormat}, docs/format.md), safetensors and GGUF readers and writers (GGUF v2/v3 with dequantization of the common ggml types).
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.io;
