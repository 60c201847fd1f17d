package io.github.cospadi;

import io.github.cospadi.common.Orientation;

import java.util.List;
import java.util.Map;

/**
 * What one compression did and how well (docs/design.md §2). Errors are relative Frobenius norms:
 * {@code weightError} = ‖W − Ŵ‖/‖W‖, {@code functionalError} = ‖X(W − Ŵ)ᵀ‖/‖XWᵀ‖ computed from the unshifted
 * Gram. {@code objective} holds the whitened objective ‖W_L − D_L·S‖² = ‖L(Wᵀ − Ŵᵀ)‖² after every iteration (OUTPUT:
 * the same quantity, tr((W − Ŵ)(G + δI)(W − Ŵ)ᵀ)).
 *
 * @param orientation       where the dictionary lives: INPUT (Ŵᵀ = D·S) or OUTPUT (Ŵ = D·S)
 * @param unusedAtomReseeds how many times an atom no column used was re-seeded
 * @param phaseSeconds      wall time per phase (whitening, init, coding, dictionary, map-back, evaluation)
 */
public record CompressionReport(
        Method method,
        String coder,
        Orientation orientation,
        int inFeatures,
        int outFeatures,
        int atoms,
        int nonzerosPerColumn,
        double effectiveRatio,
        double fullRatio,
        double weightError,
        double functionalError,
        List<Double> objective,
        int iterations,
        double whiteningShift,
        int unusedAtomReseeds,
        Map<String, Double> phaseSeconds) {

    public CompressionReport {
        objective = List.copyOf(objective);
        phaseSeconds = Map.copyOf(phaseSeconds);
    }

    /** Total wall time in seconds. */
    public double totalSeconds() {
        return phaseSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }
}
