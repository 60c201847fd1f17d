/**
 * A minimal ONNX protobuf reader: initializers and nodes, enough to load BERT-family exports.
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.models.onnx;
