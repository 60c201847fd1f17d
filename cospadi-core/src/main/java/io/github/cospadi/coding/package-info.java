/**
 * Sparse coding (docs/design.md §5.2): the {@link io.github.cospadi.coding.SparseCoder} strategies (OMP, IHT, refresh) over one {@link io.github.cospadi.coding.CodingProblem} per dictionary, coded column by column by a driver that keeps the warm-start contract.
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.coding;
