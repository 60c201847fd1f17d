package io.github.cospadi.dictionary;

/** How the first dictionary D_L is chosen (docs/design.md §5.1). */
public enum Initialization {
    /** k distinct random columns of the whitened weights W_L, normalized (the paper's default). */
    RANDOM_COLUMNS,
    /** The top-k left singular vectors of W_L (padded with random columns when k exceeds the rank). */
    SVD
}
