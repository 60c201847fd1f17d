package io.github.cospadi.models.plan;

import io.github.cospadi.Budget;
import io.github.cospadi.common.Orientation;

/**
 * One way to store one projection W (outFeatures d2 × inFeatures d1), with its exact storage in values (the
 * effective accounting of docs/design.md §4) and its predicted relative functional error e (§2):
 * <ul>
 * <li>{@link Kind#COSPADI}: k atoms, s nonzeros per column, dictionary in {@code orientation}'s space; storage
 *     d·k + s·n with (d, n) = (d1, d2) for INPUT and (d2, d1) for OUTPUT;</li>
 * <li>{@link Kind#SVD_LLM}: rank r (k = s = r), storage r·(d1 + d2);</li>
 * <li>{@link Kind#DENSE}: kept as it is (k = s = 0), storage d1·d2, error 0.</li>
 * </ul>
 * Build them with the factories, which compute the storage; the record checks its fields.
 */
public record Candidate(Kind kind, Orientation orientation, int atoms, int nonzerosPerColumn, long storage, double error) {

    /** The form of a candidate. */
    public enum Kind {
        /** Dictionary times column-sparse codes. */
        COSPADI,
        /** Whitened truncated SVD (dense codes). */
        SVD_LLM,
        /** Not compressed. */
        DENSE
    }

    public Candidate {
        if (kind == null) throw new IllegalArgumentException("candidate kind must not be null");
        if (orientation != Orientation.INPUT && orientation != Orientation.OUTPUT) {
            throw new IllegalArgumentException("candidate orientation must be INPUT or OUTPUT, got " + orientation);
        }
        if (storage < 0) throw new IllegalArgumentException("candidate storage must be >= 0, got " + storage);
        if (!(error >= 0) || !Double.isFinite(error)) {
            throw new IllegalArgumentException("candidate error must be a finite number >= 0, got " + error);
        }
        if (kind == Kind.DENSE ? atoms != 0 || nonzerosPerColumn != 0 : atoms < 1 || nonzerosPerColumn < 1 || nonzerosPerColumn > atoms) {
            throw new IllegalArgumentException(kind + " candidate with atoms=" + atoms + ", nonzerosPerColumn=" + nonzerosPerColumn);
        }
        if (kind == Kind.SVD_LLM && atoms != nonzerosPerColumn) {
            throw new IllegalArgumentException("SVD_LLM candidate needs atoms == nonzerosPerColumn (the rank), got " + atoms + ", " + nonzerosPerColumn);
        }
    }

    /** CoSpaDi with k atoms and s nonzeros per column for a weight outFeatures × inFeatures. */
    public static Candidate cospadi(int outFeatures, int inFeatures, Orientation orientation, int atoms, int nonzerosPerColumn, double error) {
        final Budget b = orientation == Orientation.OUTPUT ? new Budget(outFeatures, inFeatures, atoms, nonzerosPerColumn)
                : new Budget(inFeatures, outFeatures, atoms, nonzerosPerColumn);
        return new Candidate(Kind.COSPADI, orientation, atoms, nonzerosPerColumn, storage(b), error);
    }

    /** SVD-LLM at rank r for a weight outFeatures × inFeatures. */
    public static Candidate svdLlm(int outFeatures, int inFeatures, int rank, double error) {
        if (rank < 1 || rank > Math.min(outFeatures, inFeatures)) {
            throw new IllegalArgumentException("rank must be in [1, " + Math.min(outFeatures, inFeatures) + "], got " + rank);
        }
        return new Candidate(Kind.SVD_LLM, Orientation.INPUT, rank, rank, (long) rank * ((long) outFeatures + inFeatures), error);
    }

    /** The dense weight itself (error 0). */
    public static Candidate dense(int outFeatures, int inFeatures) {
        return new Candidate(Kind.DENSE, Orientation.INPUT, 0, 0, (long) outFeatures * inFeatures, 0);
    }

    /** {@link Budget#effectiveStorage()} rounded up to whole values (exact at ρ = 2: d·k + s·n). */
    static long storage(Budget b) {
        return (long) Math.ceil(b.effectiveStorage());
    }

    /** This candidate with another predicted error. */
    public Candidate withError(double newError) {
        return new Candidate(kind, orientation, atoms, nonzerosPerColumn, storage, newError);
    }

    /** A short label: {@code cospadi/output k=119 s=59}, {@code svd-llm r=89}, {@code dense}. */
    public String label() {
        switch (kind) {
            case COSPADI: return "cospadi/" + orientation.name().toLowerCase(java.util.Locale.ROOT) + " k=" + atoms + " s=" + nonzerosPerColumn;
            case SVD_LLM: return "svd-llm r=" + atoms;
            default: return "dense";
        }
    }
}
