package io.github.cospadi;

import io.github.cospadi.common.Orientation;
import io.github.cospadi.internal.Checks;
import org.ejml.data.FMatrixRMaj;

import java.util.List;
import java.util.Objects;

/**
 * Weights compressed with one shared dictionary (docs/design.md §5.8): member i is Ŵ_iᵀ = D·S_i (INPUT; OUTPUT:
 * Ŵ_i = D·S_i with D in the shared output space), every member's
 * {@link CompressedMatrix} references the same D object ({@link #dictionaryView()}), and each carries its own
 * {@link CompressionReport} with its functional error under its own Gram. The {@link #budget()} is the group's: the
 * dictionary rows (INPUT: d1; OUTPUT: d2), the coded columns summed over the members (INPUT: Σ d2_i; OUTPUT: Σ d1_i), k
 * and s, so its ratio counts the dictionary once. A group of one is a plain compressed matrix. Immutable.
 */
public final class CompressedGroup {
    private final FMatrixRMaj dictionary;
    private final List<CompressedMatrix> members;
    private final Budget budget;

    /**
     * @param dictionary the shared D; every member's {@link CompressedMatrix#dictionaryView()} must be this object
     * @param members    m ≥ 1 members, all in one orientation
     * @param budget     the group budget: D's rows, the members' coded columns summed, k, s as stored
     * @throws IllegalArgumentException naming the member that does not reference D or does not fit the budget
     */
    public CompressedGroup(FMatrixRMaj dictionary, List<CompressedMatrix> members, Budget budget) {
        Objects.requireNonNull(dictionary, "dictionary");
        Objects.requireNonNull(budget, "budget");
        this.members = List.copyOf(Objects.requireNonNull(members, "members"));
        if (this.members.isEmpty()) throw new IllegalArgumentException("members is empty: a group has at least one member");
        long columns = 0;
        for (int i = 0; i < this.members.size(); i++) {
            final CompressedMatrix c = this.members.get(i);
            if (c.dictionaryView() != dictionary) {
                throw new IllegalArgumentException("members[" + i + "] (" + c + ") does not reference the shared dictionary "
                        + Checks.shape(dictionary));
            }
            if (c.orientation() != this.members.get(0).orientation()) {
                throw new IllegalArgumentException("members[" + i + "] is " + c.orientation() + " but members[0] is "
                        + this.members.get(0).orientation() + ": a shared dictionary has one orientation");
            }
            if (c.nonzerosPerColumn() != budget.nonzerosPerColumn()) {
                throw new IllegalArgumentException("members[" + i + "] has s=" + c.nonzerosPerColumn() + ", the budget s="
                        + budget.nonzerosPerColumn());
            }
            columns += c.codes().numCols();
        }
        if (budget.inFeatures() != dictionary.numRows || budget.atoms() != dictionary.numCols || budget.outFeatures() != columns) {
            throw new IllegalArgumentException("budget " + budget + " does not fit a dictionary " + Checks.shape(dictionary)
                    + " with " + columns + " coded columns");
        }
        this.dictionary = dictionary;
        this.budget = budget;
    }

    /** INPUT (the dictionary in the shared input space) or OUTPUT (in the shared output space). */
    public Orientation orientation() {
        return members.get(0).orientation();
    }

    /** The shared D (INPUT: d1 × k; OUTPUT: d2 × k) without a copy. Do not modify. */
    public FMatrixRMaj dictionaryView() {
        return dictionary;
    }

    /** The members in the order they were given; each references {@link #dictionaryView()}. */
    public List<CompressedMatrix> members() {
        return members;
    }

    /** Member i. */
    public CompressedMatrix member(int i) {
        return members.get(i);
    }

    /** m. */
    public int size() {
        return members.size();
    }

    /** The group budget (docs/design.md §5.8): D's rows, the coded columns summed, k, s. */
    public Budget budget() {
        return budget;
    }

    /** Values stored: D once plus s per coded column of every member. */
    public long storedValues() {
        return (long) budget.inFeatures() * budget.atoms() + (long) budget.nonzerosPerColumn() * budget.outFeatures();
    }

    /** Values of the dense members, Σ d1_i·d2_i. */
    public long denseValues() {
        return (long) budget.inFeatures() * budget.outFeatures();
    }

    /** Achieved ratio 1 − stored/dense, the dictionary counted once (paper Eq. 11). */
    public double effectiveRatio() {
        return budget.effectiveRatio();
    }

    @Override
    public String toString() {
        return "CompressedGroup[" + members.size() + " members, " + orientation() + ", rows=" + budget.inFeatures() + ", columns=" + budget.outFeatures()
                + ", k=" + budget.atoms() + ", s=" + budget.nonzerosPerColumn() + "]";
    }
}
