/**
 * Sparse code storage: column-sparse matrices with exactly s entries per column, CSR, int8 column codes and the quantized storage forms (docs/design.md §9).
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.sparse;
