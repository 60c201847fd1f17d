/**
 * Implementation helpers shared by the modules (float/double kernels with a Vector API fast path and a scalar twin, Cholesky, the symmetric eigensolver, JSON, half floats). Public only so that sibling modules can use them: not part of the API, may change in any release.
 *
 * <p>Status: internal, unsupported.
 */
package io.github.cospadi.internal;
