package io.github.cospadi.models.job;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.ModelCompressor;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.Projection;
import io.github.cospadi.models.ProjectionWeights;
import io.github.cospadi.models.llama.LlamaWeights;
import org.ejml.data.FMatrixRMaj;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The memory of one compression task (docs/benchmarks.md §15): the body of {@link CompressionJob#compress} — one
 * projection's weight read from {@code ProjectionWeights} and compressed by the plan's compressor against its Gram —
 * on the model loaded whole ({@code eager}, {@link Models#load}) or on {@link Models#weights} ({@code lazy}). The Gram
 * is synthetic (seeded Gaussian activations), since a real one needs a capture, which needs the whole model. Prints
 * the times and the SHA-256 of the factors, which must be the same for both modes; measure its peak RSS from outside:
 *
 * <pre>
 * /usr/bin/time -v java -Xmx2g -cp ... io.github.cospadi.models.job.LazyWeightsMemory lazy|eager MODEL [PROJECTION]
 * </pre>
 */
public final class LazyWeightsMemory {
    private LazyWeightsMemory() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || !(args[0].equals("lazy") || args[0].equals("eager"))) {
            throw new IllegalArgumentException("usage: LazyWeightsMemory lazy|eager MODEL [PROJECTION]");
        }
        final boolean lazy = args[0].equals("lazy");
        final Path model = Path.of(args[1]);
        final String name = args.length > 2 ? args[2] : "model.layers.0.mlp.down_proj.weight";
        final Compressor compressor = new JobPlan(model.toString(), "synthetic Gram", 0, "", 0,
                Map.of("method", "svd-llm", "ratio", "0.3", "iterations", "1"), "none", Map.of()).buildCompressor();
        final long t0 = System.nanoTime();
        final ProjectionWeights weights = lazy ? Models.weights(model) : Models.load(model, Parallelism.sequential());
        final long t1 = System.nanoTime();
        final Projection p = weights.projection(name);
        final List<CompressedMatrix> factors = ModelCompressor.compressUnit(compressor, weights, List.of(name), Map.of(name, gram(p.inFeatures())));
        final long t2 = System.nanoTime();
        if (weights instanceof LlamaWeights) ((LlamaWeights) weights).close();
        final MessageDigest md = MessageDigest.getInstance("SHA-256");
        final FMatrixRMaj r = factors.get(0).reconstruct();
        final ByteBuffer b = ByteBuffer.allocate(4 * r.data.length);
        for (float v : r.data) b.putInt(Float.floatToRawIntBits(v));
        md.update(b.array());
        final StringBuilder hex = new StringBuilder();
        for (byte x : md.digest()) hex.append(String.format(Locale.ROOT, "%02x", x));
        System.out.printf(Locale.ROOT, "%s %s %dx%d: open/load %.2f s, compress %.2f s, heap used %.0f MB, reconstruction SHA-256 %s%n",
                args[0], name, p.outFeatures(), p.inFeatures(), (t1 - t0) / 1e9, (t2 - t1) / 1e9,
                (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1e6, hex);
    }

    /** The Gram of 1024 seeded Gaussian activation rows of width {@code d}. */
    private static CalibrationStats gram(int d) {
        final SplittableRandom r = new SplittableRandom(14);
        final FMatrixRMaj x = new FMatrixRMaj(1024, d);
        for (int i = 0; i < x.data.length; i++) {
            final double u = r.nextDouble(), v = r.nextDouble();
            x.data[i] = (float) (Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v));
        }
        return CalibrationStats.of(x);
    }
}
