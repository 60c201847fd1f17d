/**
 * BERT-family sentence encoders from ONNX exports, with their WordPiece tokenizer.
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.models.bert;
