package io.github.cospadi.models.plan;

import java.util.List;

/**
 * The choices for one projection: its name and shape (outFeatures × inFeatures), its loss sensitivity w ≥ 0 (the
 * predicted loss increase per unit of squared relative functional error, docs/design.md §12) and its candidates
 * (at least one; their order is the fixed tie-break order of {@link Allocator}).
 */
public record MatrixOptions(String name, int outFeatures, int inFeatures, double sensitivity, List<Candidate> candidates) {
    public MatrixOptions {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("matrix name must be non-empty");
        if (outFeatures < 1 || inFeatures < 1) {
            throw new IllegalArgumentException("matrix '" + name + "' has shape " + outFeatures + "x" + inFeatures);
        }
        if (!(sensitivity >= 0) || !Double.isFinite(sensitivity)) {
            throw new IllegalArgumentException("sensitivity of '" + name + "' must be a finite number >= 0, got " + sensitivity);
        }
        if (candidates == null || candidates.isEmpty()) throw new IllegalArgumentException("matrix '" + name + "' has no candidates");
        candidates = List.copyOf(candidates);
    }

    /** d1·d2, the dense storage. */
    public long denseStorage() {
        return (long) outFeatures * inFeatures;
    }

    /** The predicted loss increase of candidate c: w·e². */
    public double cost(Candidate c) {
        return sensitivity * c.error() * c.error();
    }

    /** The same options with another sensitivity. */
    public MatrixOptions withSensitivity(double w) {
        return new MatrixOptions(name, outFeatures, inFeatures, w, candidates);
    }
}
