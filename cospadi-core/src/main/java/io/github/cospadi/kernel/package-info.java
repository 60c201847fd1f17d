/**
 * Run-time layers behind {@link io.github.cospadi.kernel.LinearOperator}: the compressed layer in either orientation (float or int8 codes), and the dense and low-rank baselines (docs/design.md §8).
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.kernel;
