package io.github.cospadi.dictionary;

import io.github.cospadi.common.Orientation;

/**
 * The learning step of a compression (docs/design.md §5): factorizes the weights of a {@link LearningProblem} into one
 * dictionary of k atoms and, per weight, codes with exactly s entries per column, minimizing the functional error
 * Σ_i ‖X(W_i − Ŵ_i)ᵀ‖². {@code Compressor} composes whitening (the problem) → learner → evaluation and does not
 * depend on which learner it runs.
 *
 * <p>Implementations: {@link DictionaryLearner} (INPUT, K-SVD or MOD on the whitened target W_L), {@link
 * OutputSpaceLearner} (OUTPUT, §5.6) and the low-rank baselines (INPUT, k = s = r, dense codes). A learner that takes
 * a group of weights with one shared dictionary learns on the stacked {@link LearningProblem#whitened()} and returns
 * {@link LearningProblem#split} codes. Implementations are immutable and thread-safe, deterministic for a seed, and
 * give the same result for any parallelism.
 */
public interface Learner {

    /**
     * Where the atoms live: INPUT (Ŵ_iᵀ = D·S_i, D d1 × k, S_i k × d2_i: one code per output neuron) or OUTPUT (Ŵ = D·S,
     * D d2 × k, S k × d1: one code per input channel). Never AUTO.
     */
    Orientation orientation();

    /**
     * Learns the factors of {@code problem} with k atoms and s entries per code column (1 ≤ s ≤ k; the budget of the
     * orientation, docs/design.md §4). The problem was checked when it was made.
     *
     * @return the dictionary in weight space (already mapped back) and one code matrix per member
     */
    LearnedFactors learn(LearningProblem problem, int atoms, int nonzerosPerColumn);
}
