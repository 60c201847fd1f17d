package io.github.cospadi.common;

/**
 * Which space the dictionary atoms live in (docs/design.md §5.6). The storage formula is the same with d1 and d2
 * exchanged, so the cheaper side for the dictionary is usually the smaller one.
 */
public enum Orientation {
    /**
     * The paper's form: Wᵀ ≈ D·S, D (inFeatures × k), S (k × outFeatures): one sparse code per output neuron, atoms in
     * the input space, learned on the whitened weights L·Wᵀ.
     */
    INPUT,
    /**
     * W ≈ D·S, D (outFeatures × k), S (k × inFeatures): one sparse code per input channel, atoms in the output space,
     * learned against the input Gram directly (Gauss–Seidel coding + MOD). Better when inFeatures exceeds outFeatures
     * (e.g. an MLP down-projection) and on some square layers.
     */
    OUTPUT,
    /** Both, keeping the one with the lower functional error (about twice the time). */
    AUTO
}
