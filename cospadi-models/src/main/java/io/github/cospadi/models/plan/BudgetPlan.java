package io.github.cospadi.models.plan;

import io.github.cospadi.internal.JsonFields;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of {@link Allocator}: the chosen candidate of every matrix, the storage they use against the budget,
 * the predicted loss increase ΔL̂ = Σ w·e² and the LP lower bound on it (docs/design.md §12), with a text table and
 * a JSON form (one object: the totals and an array of matrices).
 */
public final class BudgetPlan {
    /** One matrix and the index of its chosen candidate. */
    public record Entry(MatrixOptions options, int choice) {
        public Entry {
            if (choice < 0 || choice >= options.candidates().size()) {
                throw new IllegalArgumentException("choice " + choice + " outside the " + options.candidates().size() + " candidates of '" + options.name() + "'");
            }
        }

        public Candidate chosen() {
            return options.candidates().get(choice);
        }

        /** w·e² of the chosen candidate. */
        public double predictedLoss() {
            return options.cost(chosen());
        }
    }

    private final List<Entry> entries;
    private final long budget;
    private final double targetRatio;
    private final double lowerBound;
    private final double splitGap;

    BudgetPlan(List<Entry> entries, long budget, double targetRatio, double lowerBound, double splitGap) {
        this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
        this.budget = budget;
        this.targetRatio = targetRatio;
        this.lowerBound = lowerBound;
        this.splitGap = splitGap;
    }

    /** The matrices in the order given to the allocator. */
    public List<Entry> entries() {
        return entries;
    }

    /** The chosen candidate by matrix name. */
    public Map<String, Candidate> choices() {
        final Map<String, Candidate> out = new LinkedHashMap<>();
        for (Entry e : entries) out.put(e.options().name(), e.chosen());
        return out;
    }

    /** The storage budget in values, ⌊(1 − γ)·Σ d1·d2⌋. */
    public long budget() {
        return budget;
    }

    /** Σ storage of the chosen candidates (≤ {@link #budget()}). */
    public long storage() {
        long s = 0;
        for (Entry e : entries) s += e.chosen().storage();
        return s;
    }

    /** Σ d1·d2 over the matrices. */
    public long denseStorage() {
        long s = 0;
        for (Entry e : entries) s += e.options().denseStorage();
        return s;
    }

    /** The target γ the budget was computed from. */
    public double targetRatio() {
        return targetRatio;
    }

    /** 1 − storage / dense storage (≥ the target). */
    public double achievedRatio() {
        return 1 - (double) storage() / denseStorage();
    }

    /** ΔL̂ = Σ w·e² of the chosen candidates. */
    public double predictedLoss() {
        return cost(entries);
    }

    /** The LP relaxation's cost, a lower bound on every plan's ΔL̂ within the budget. */
    public double lowerBound() {
        return lowerBound;
    }

    /** ΔC_split: ΔL̂ − optimum ≤ this (0 when every hull upgrade fitted). */
    public double gapBound() {
        return splitGap;
    }

    static double cost(List<Entry> entries) {
        double c = 0;
        for (Entry e : entries) c += e.predictedLoss();
        return c;
    }

    /** A table: one line per matrix (shape, choice, storage and its ratio, predicted error, w, w·e²) and the totals. */
    public String toText() {
        final StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-40s %11s %-28s %10s %7s %9s %10s %10s%n", "matrix", "shape", "choice", "storage",
                "ratio", "pred err", "w", "w*e^2"));
        for (Entry e : entries) {
            final MatrixOptions o = e.options();
            final Candidate c = e.chosen();
            b.append(String.format(Locale.ROOT, "%-40s %11s %-28s %10d %7.4f %9.5f %10.4g %10.4g%n", o.name(),
                    o.outFeatures() + "x" + o.inFeatures(), c.label(), c.storage(), 1 - (double) c.storage() / o.denseStorage(),
                    c.error(), o.sensitivity(), e.predictedLoss()));
        }
        b.append(String.format(Locale.ROOT, "target ratio %.4f: budget %d values, used %d, achieved ratio %.5f; predicted loss increase %.6g"
                        + " (LP lower bound %.6g, gap bound %.3g)%n", targetRatio, budget, storage(), achievedRatio(), predictedLoss(),
                lowerBound, splitGap));
        return b.toString();
    }

    /** One JSON object: {@code target_ratio, achieved_ratio, budget, storage, dense_storage, predicted_loss, lower_bound, gap_bound, matrices: [...]}. */
    public String toJson() {
        final StringBuilder b = new StringBuilder("{");
        b.append("\"target_ratio\": ").append(num(targetRatio)).append(", \"achieved_ratio\": ").append(num(achievedRatio()))
                .append(", \"budget\": ").append(budget).append(", \"storage\": ").append(storage())
                .append(", \"dense_storage\": ").append(denseStorage()).append(", \"predicted_loss\": ").append(num(predictedLoss()))
                .append(", \"lower_bound\": ").append(num(lowerBound)).append(", \"gap_bound\": ").append(num(splitGap))
                .append(", \"matrices\": [");
        for (int i = 0; i < entries.size(); i++) {
            final Entry e = entries.get(i);
            final MatrixOptions o = e.options();
            final Candidate c = e.chosen();
            if (i > 0) b.append(", ");
            b.append("{\"name\": \"").append(o.name().replace("\\", "\\\\").replace("\"", "\\\"")).append('"')
                    .append(", \"out_features\": ").append(o.outFeatures()).append(", \"in_features\": ").append(o.inFeatures())
                    .append(", \"method\": \"").append(c.kind().name().toLowerCase(Locale.ROOT).replace('_', '-')).append('"')
                    .append(", \"orientation\": \"").append(c.orientation().name().toLowerCase(Locale.ROOT)).append('"')
                    .append(", \"atoms\": ").append(c.atoms()).append(", \"nonzeros\": ").append(c.nonzerosPerColumn())
                    .append(", \"storage\": ").append(c.storage())
                    .append(", \"ratio\": ").append(num(1 - (double) c.storage() / o.denseStorage()))
                    .append(", \"predicted_error\": ").append(num(c.error()))
                    .append(", \"sensitivity\": ").append(num(o.sensitivity()))
                    .append(", \"predicted_loss\": ").append(num(e.predictedLoss())).append('}');
        }
        return b.append("]}").toString();
    }

    /**
     * Reads a plan written by {@link #toJson}, as a compression job stores it (docs/design.md §13). Each matrix comes
     * back with its chosen candidate as its only one (the others are not stored), its storage recomputed from the shape,
     * method, orientation, k and s and checked against the stored value; the predicted errors and sensitivities read
     * back as the same doubles (written as the shortest decimal that does). {@code source} names the file in messages.
     *
     * @throws IllegalArgumentException for malformed JSON, a missing or mistyped field, an unknown method or
     *                                  orientation, or a storage or total that does not match its matrices
     */
    public static BudgetPlan fromJson(String json, String source) {
        final Map<String, Object> m = io.github.cospadi.internal.JsonParser.parseExactObject(json, source);
        final List<Entry> entries = new ArrayList<>();
        int i = 0;
        for (Object o : JsonFields.list(m, "matrices", source)) {
            final String where = source + ": matrices[" + i++ + "]";
            if (!(o instanceof Map)) throw new IllegalArgumentException(where + " must be an object, got " + o);
            @SuppressWarnings("unchecked") final Map<String, Object> e = (Map<String, Object>) o;
            final String name = JsonFields.string(e, "name", where), method = JsonFields.string(e, "method", where), orientation = JsonFields.string(e, "orientation", where);
            final int out = JsonFields.int32(e, "out_features", where), in = JsonFields.int32(e, "in_features", where);
            final int atoms = JsonFields.int32(e, "atoms", where), nonzeros = JsonFields.int32(e, "nonzeros", where);
            final double error = JsonFields.numberOrNaN(e, "predicted_error", where), w = JsonFields.numberOrNaN(e, "sensitivity", where);
            final io.github.cospadi.common.Orientation orient;
            switch (orientation) {
                case "input": orient = io.github.cospadi.common.Orientation.INPUT; break;
                case "output": orient = io.github.cospadi.common.Orientation.OUTPUT; break;
                default: throw new IllegalArgumentException(where + ": orientation must be input or output, got '" + orientation + "'");
            }
            final Candidate c;
            try {
                switch (method) {
                    case "cospadi": c = Candidate.cospadi(out, in, orient, atoms, nonzeros, error); break;
                    case "svd-llm": c = Candidate.svdLlm(out, in, atoms, error); break;
                    case "dense": c = Candidate.dense(out, in); break;
                    default: throw new IllegalArgumentException("method must be cospadi, svd-llm or dense, got '" + method + "'");
                }
                if (c.storage() != JsonFields.integer(e, "storage", where)) {
                    throw new IllegalArgumentException("storage " + e.get("storage") + " does not match " + c.label() + " on " + out + "x" + in
                            + " (" + c.storage() + " values)");
                }
                entries.add(new Entry(new MatrixOptions(name, out, in, w, List.of(c)), 0));
            } catch (IllegalArgumentException x) {
                throw new IllegalArgumentException(where + " ('" + name + "'): " + x.getMessage(), x);
            }
        }
        final BudgetPlan plan = new BudgetPlan(entries, JsonFields.integer(m, "budget", source), JsonFields.numberOrNaN(m, "target_ratio", source),
                JsonFields.numberOrNaN(m, "lower_bound", source), JsonFields.numberOrNaN(m, "gap_bound", source));
        if (plan.storage() != JsonFields.integer(m, "storage", source) || plan.storage() > plan.budget()) {
            throw new IllegalArgumentException(source + ": the matrices store " + plan.storage() + " values; the file says storage "
                    + m.get("storage") + " within a budget of " + plan.budget());
        }
        return plan;
    }

    private static String num(double d) {
        return Double.isFinite(d) ? Double.toString(d) : "null"; // the shortest decimal that reads back as the same double
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "BudgetPlan[%d matrices, target %.4f, achieved %.5f, predicted %.6g]", entries.size(),
                targetRatio, achievedRatio(), predictedLoss());
    }
}
