package io.github.cospadi;

import io.github.cospadi.common.Orientation;

import io.github.cospadi.dictionary.LearnedFactors;
import io.github.cospadi.dictionary.Learner;
import io.github.cospadi.dictionary.LearningProblem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The low-rank baselines as a {@link Learner} (docs/design.md §6): the truncated SVD of the problem's whitened target,
 * W_L ≈ U_r·(U_rᵀW_L), mapped back, D = L⁻¹·U_r, with dense codes (k = s = r). SVD-LLM with the Cholesky factor,
 * plain SVD with the identity; on a group of weights (the stacked target) one basis for all, as Basis Sharing does.
 */
final class LowRankLearner implements Learner {
    static final LowRankLearner INSTANCE = new LowRankLearner();

    private LowRankLearner() {}

    @Override
    public Orientation orientation() {
        return Orientation.INPUT;
    }

    /** @param nonzerosPerColumn must equal {@code atoms}, the rank r */
    @Override
    public LearnedFactors learn(LearningProblem problem, int atoms, int nonzerosPerColumn) {
        if (nonzerosPerColumn != atoms) {
            throw new IllegalArgumentException("a low-rank factorization has dense codes: s (" + nonzerosPerColumn
                    + ") must equal the rank k (" + atoms + ")");
        }
        final var targets = problem.whitened();
        final long start = System.nanoTime();
        final LowRank.Factors f = LowRank.truncatedSvd(targets, atoms, problem.parallelism());
        final double svdSeconds = (System.nanoTime() - start) / 1e9;
        final long t = System.nanoTime();
        final var dictionary = problem.unwhiten(f.basis());
        final Map<String, Double> phases = new LinkedHashMap<>();
        phases.put("svd", svdSeconds);
        phases.put("map-back", (System.nanoTime() - t) / 1e9);
        return new LearnedFactors(dictionary, problem.split(f.codes()), "svd", List.of(f.residual()), 0, 0, phases);
    }
}
