/**
 * Tokenizers: GPT-2-style byte-level BPE (from GGUF metadata or a Hugging Face tokenizer.json) and the byte vocabulary of the tiny Llama.
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.models.tokenizer;
