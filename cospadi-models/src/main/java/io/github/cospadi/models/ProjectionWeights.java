package io.github.cospadi.models;

import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.util.List;

/**
 * Read-only access to the dense weights of a model's compressible projections: what the compression stage needs, and
 * nothing else (no forward pass, no replacement). Every {@link CompressibleModel} is one (its weights are in memory);
 * {@link io.github.cospadi.models.llama.LlamaWeights} is one that decodes a single tensor from the model file per
 * call, so a compression task holds only its own weights, not the whole model ({@link Models#weights}).
 *
 * <p>Implementations are safe for concurrent calls of {@link #weight}.
 */
public interface ProjectionWeights {
    /** A short human-readable name (file name or family), for reports. */
    String name();

    /** Every compressible projection, in a fixed order (layer by layer). */
    List<Projection> projections();

    /**
     * The projection's dense weight W (outFeatures × inFeatures, the PyTorch layout, y = W·x), a fresh copy the caller
     * may modify.
     *
     * @throws IllegalArgumentException when there is no projection of that name
     * @throws IOException              when the weight is read from a file and reading it fails (naming the file and
     *                                  the tensor)
     */
    FMatrixRMaj weight(String projection) throws IOException;

    /** The projection with this name, or an exception naming it. */
    default Projection projection(String name) {
        for (Projection p : projections()) if (p.name().equals(name)) return p;
        throw new IllegalArgumentException("model '" + name() + "' has no projection '" + name + "'");
    }
}
