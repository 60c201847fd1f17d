package io.github.cospadi;

/** What {@link Compressor} computes. */
public enum Method {
    /** Calibration-guided sparse dictionary learning (whitened K-SVD or MOD + a {@code SparseCoder}). */
    COSPADI,
    /** SVD-LLM: truncated SVD of the whitened weights, mapped back (paper.md §5.1). */
    SVD_LLM,
    /** Plain truncated SVD of the weights (no calibration). */
    SVD,
    /**
     * Basis Sharing (paper.md §5.2): on a group ({@link Compressor#compressGroup}) one basis shared by the members, the
     * truncated SVD of the stacked target whitened by the summed Gram, with per-member dense coefficients (optionally
     * refit per member, {@link Compressor.Builder#refitCoefficients}); on a single matrix it is SVD-LLM
     * (docs/design.md §5.8).
     */
    BASIS_SHARING
}
