package io.github.cospadi.models;

/**
 * One compressible linear projection of a model: its name and the shape of its weight W (outFeatures × inFeatures,
 * PyTorch layout, y = W·x).
 */
public record Projection(String name, int outFeatures, int inFeatures) {
    public Projection {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("projection name must be non-empty");
        if (outFeatures < 1 || inFeatures < 1) {
            throw new IllegalArgumentException("projection '" + name + "' has shape " + outFeatures + "x" + inFeatures);
        }
    }
}
