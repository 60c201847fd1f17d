package io.github.cospadi.dictionary;

import io.github.cospadi.sparse.ColumnSparseMatrix;
import org.ejml.data.FMatrixRMaj;

import java.util.List;
import java.util.Map;

/**
 * What a {@link Learner} returns: the dictionary D in weight space (INPUT: d1 × k with Ŵ_iᵀ = D·S_i; OUTPUT: d2 × k
 * with Ŵ = D·S), one code matrix per member of the problem (s entries per column), and the history of the learning.
 *
 * @param coder             the coding as reported ("omp", "omp+refresh2", "omp-gauss-seidel", "svd")
 * @param objective         the whitened objective Σ_i ‖L(W_iᵀ − Ŵ_iᵀ)‖² after every iteration (the low-rank methods:
 *                          one value, the discarded energy)
 * @param iterations        the alternations run (0 for a closed-form learner)
 * @param unusedAtomReseeds how many times an atom no column used was re-seeded
 * @param phaseSeconds      wall time of the learner's phases (e.g. init, coding, dictionary, map-back; svd)
 */
public record LearnedFactors(FMatrixRMaj dictionary, List<ColumnSparseMatrix> codes, String coder, List<Double> objective,
                             int iterations, int unusedAtomReseeds, Map<String, Double> phaseSeconds) {
    public LearnedFactors {
        codes = List.copyOf(codes);
        objective = List.copyOf(objective);
        phaseSeconds = Map.copyOf(phaseSeconds);
    }
}
