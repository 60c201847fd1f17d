/**
 * A per-matrix budget and method allocation under one global compression ratio (docs/design.md §12): candidates
 * per projection with their storage and predicted error ({@link io.github.cospadi.models.plan.Candidate},
 * {@link io.github.cospadi.models.plan.MatrixOptions}), the knapsack solve ({@link io.github.cospadi.models.plan.Allocator})
 * and its result ({@link io.github.cospadi.models.plan.BudgetPlan}); the inputs measured on a model: error curves
 * ({@link io.github.cospadi.models.plan.ErrorCurves}) and loss sensitivities ({@link io.github.cospadi.models.plan.Sensitivity}).
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.models.plan;
