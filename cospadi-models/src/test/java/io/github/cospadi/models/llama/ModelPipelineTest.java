package io.github.cospadi.models.llama;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.common.ProgressEvent;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.models.GramCapture;
import io.github.cospadi.models.ModelCompressor;
import io.github.cospadi.models.Projection;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.*;

/** The library-level pipeline on a random tiny Llama: capture → compress every projection → run on the result. */
class ModelPipelineTest {
    private static List<int[]> windows(int count, long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(TinyLlamas.tokens(16, 256, r));
        return out;
    }

    @Test
    void captureGivesEveryProjectionItsInputGram() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 11, null, Parallelism.sequential());
        final Map<String, CalibrationStats> grams = GramCapture.capture(m, windows(3, 1), null);
        assertEquals(m.projections().size(), grams.size());
        for (Projection p : m.projections()) {
            assertEquals(p.inFeatures(), grams.get(p.name()).inFeatures(), p.name());
            assertEquals(48, grams.get(p.name()).tokens(), p.name());
        }
        // q, k and v of a layer read the same input: one shared accumulation
        assertSame(grams.get(LlamaModel.layer(0, "self_attn.q_proj")), grams.get(LlamaModel.layer(0, "self_attn.v_proj")));
        assertNotSame(grams.get(LlamaModel.layer(0, "self_attn.q_proj")), grams.get(LlamaModel.layer(0, "self_attn.o_proj")));
    }

    @Test
    void resultsDoNotDependOnTheNumberOfWorkers() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(false), 12, null, Parallelism.sequential());
        final Map<String, CalibrationStats> grams = GramCapture.capture(m, windows(4, 2), null);
        final Compressor c = Compressor.builder().ratio(0.3).iterations(4).build();
        final List<String> order = new ArrayList<>();
        final Map<String, CompressedMatrix> one = new ModelCompressor(c, 1, null).compress(m, grams, null, (n, x) -> order.add(n));
        final Map<String, CompressedMatrix> two = new ModelCompressor(c, 2, null).compress(m, grams, null, null);
        assertEquals(m.projectionNames(), new ArrayList<>(one.keySet()), "results in projection order");
        // largest first: the MLP projections (48x32 / 32x48) before the attention ones (32x32, 16x32)
        assertTrue(order.get(0).contains("mlp."), order.toString());
        for (String name : one.keySet()) {
            assertArrayEquals(one.get(name).reconstruct().data, two.get(name).reconstruct().data, name);
        }
    }

    @Test
    void missingGramsAndCancellationAreReported() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 13, null, Parallelism.sequential());
        final Map<String, CalibrationStats> grams = new java.util.HashMap<>(GramCapture.capture(m, windows(2, 3), null));
        final Compressor c = Compressor.builder().ratio(0.3).iterations(2).build();
        final String dropped = LlamaModel.layer(1, "mlp.up_proj");
        final Map<String, CalibrationStats> partial = new java.util.HashMap<>(grams);
        partial.remove(dropped);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelCompressor(c, 2, null).compress(m, partial, null, null));
        assertTrue(e.getMessage().contains("no calibration Gram for projection '" + dropped + "'"), e.getMessage());
        final int[] events = {0};
        assertThrows(CancellationException.class, () -> new ModelCompressor(c, 1, (ProgressEvent ev) -> {
            events[0]++;
            if (ev.iteration() == 3) ev.cancel();
        }).compress(m, grams, null, null));
        assertEquals(3, events[0], "no event after the cancelling one");
        final IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> new ModelCompressor(c, 1, null).compress(m, grams, List.of("model.layers.7.mlp.up_proj.weight"), null));
        assertTrue(unknown.getMessage().contains("no projection 'model.layers.7.mlp.up_proj.weight'"), unknown.getMessage());
    }
}
