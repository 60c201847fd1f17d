package io.github.cospadi.models;

import org.ejml.data.FMatrixRMaj;

/**
 * Receives the input of every compressible projection during a forward pass: the projection's name (as in
 * {@link CompressibleModel#projections()}) and its input activations (tokens × inFeatures). Projections fed the same
 * activation matrix in one pass (q, k, v; gate, up) receive the same instance, which {@link GramCapture} uses to add
 * each distinct input once. The matrix is only valid during the call: do not keep or modify it.
 */
@FunctionalInterface
public interface ProjectionListener {
    void onInput(String projection, FMatrixRMaj input);
}
