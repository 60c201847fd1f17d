/**
 * Llama-family causal language models from Hugging Face folders (safetensors) and GGUF files, with a key/value-cache decoder.
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.models.llama;
