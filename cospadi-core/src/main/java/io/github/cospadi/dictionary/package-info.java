/**
 * Dictionary learning behind the {@link io.github.cospadi.dictionary.Learner} seam: K-SVD/MOD in the whitened input space (INPUT), the output-space learners (OUTPUT), their {@link io.github.cospadi.dictionary.LearningOptions} and {@link io.github.cospadi.dictionary.LearningProblem} (docs/design.md §5, §11).
 *
 * <p>Status: API (listed in docs/api.md).
 */
package io.github.cospadi.dictionary;
