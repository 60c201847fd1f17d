package io.github.cospadi;

/** What {@link Compressor} computes. */
public enum Method {
    /** Calibration-guided sparse dictionary learning (whitened K-SVD or MOD + a {@code SparseCoder}). */
    COSPADI,
    /** SVD-LLM: truncated SVD of the whitened weights, mapped back (paper.md §5.1). */
    SVD_LLM,
    /** Plain truncated SVD of the weights (no calibration). */
    SVD
}
