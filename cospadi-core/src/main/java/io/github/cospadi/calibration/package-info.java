/**
 * Calibration statistics (the input Gram G = XᵀX, accumulated in double) and whitening by its Cholesky factor (docs/design.md §3).
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.calibration;
