package io.github.cospadi.dictionary;

/** The dictionary-update step of the alternating minimization (docs/design.md §5.3). */
public enum DictionaryUpdate {
    /** K-SVD: atom by atom, best rank-1 refit of (atom, its coefficients) on the atom's support, by power iteration. */
    KSVD,
    /** MOD: the least-squares dictionary for fixed codes, D_L = W_L Sᵀ (S Sᵀ)⁻¹, then atoms normalized. */
    MOD
}
