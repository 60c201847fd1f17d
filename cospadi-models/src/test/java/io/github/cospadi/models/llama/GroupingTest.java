package io.github.cospadi.models.llama;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.Method;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.GramCapture;
import io.github.cospadi.models.Grouping;
import io.github.cospadi.models.ModelCompressor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** {@link Grouping} on a Llama model and {@link ModelCompressor#compressGroups} (docs/design.md §5.8). */
class GroupingTest {
    @TempDir
    Path dir;

    private static String p(int layer, String type) {
        return LlamaModel.layer(layer, type);
    }

    @Test
    void pairsShareQkvGateAndUpAcrossTwoLayersAndKeepOAndDownAlone() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 1, null, Parallelism.sequential());
        final List<List<String>> groups = Grouping.pairs().groups(m);
        assertTrue(groups.contains(List.of(p(0, "self_attn.q_proj"), p(1, "self_attn.q_proj"))), groups.toString());
        assertTrue(groups.contains(List.of(p(0, "self_attn.k_proj"), p(1, "self_attn.k_proj"))), groups.toString());
        assertTrue(groups.contains(List.of(p(0, "mlp.gate_proj"), p(1, "mlp.gate_proj"))), groups.toString());
        assertTrue(groups.contains(List.of(p(0, "mlp.up_proj"), p(1, "mlp.up_proj"))), groups.toString());
        assertTrue(groups.contains(List.of(p(1, "self_attn.o_proj"))), groups.toString());
        assertTrue(groups.contains(List.of(p(0, "mlp.down_proj"))), groups.toString());
        assertEquals(9, groups.size(), groups.toString());
        final List<List<String>> none = Grouping.none().groups(m);
        assertEquals(m.projections().size(), none.size());
        for (List<String> g : none) assertEquals(1, g.size());
        // an odd last layer stays alone
        final LlamaConfig c = TinyLlamas.config(true);
        final LlamaModel three = TinyLlamas.random(new LlamaConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), 3, c.heads(),
                c.kvHeads(), c.headDim(), 10000.0, 1e-5, true, 64), 2, null, Parallelism.sequential());
        assertTrue(Grouping.pairs().groups(three).contains(List.of(p(2, "self_attn.q_proj"))));
    }

    @Test
    void pairsAllShareEveryTypeAcrossTwoLayers() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 1, null, Parallelism.sequential());
        final List<List<String>> groups = Grouping.pairsAll().groups(m);
        for (String t : LlamaModel.PROJECTIONS) assertTrue(groups.contains(List.of(p(0, t), p(1, t))), t + ": " + groups);
        assertEquals(7, groups.size(), groups.toString());
        assertEquals("pairs-all", Grouping.parse("pairs-all", "test").spec());
        assertEquals(groups, Grouping.parse(Grouping.pairsAll().spec(), "test").groups(m));
    }

    @Test
    void userGroupsAreCheckedByName() throws IOException {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(true), 1, null, Parallelism.sequential());
        final Path file = dir.resolve("groups.json");
        Files.writeString(file, "[[\"model.layers.0.self_attn.q_proj\", \"model.layers.0.self_attn.k_proj.weight\", \"model.layers.1.self_attn.o_proj\"]]");
        final List<List<String>> groups = Grouping.read(file).groups(m);
        assertEquals(List.of(p(0, "self_attn.q_proj"), p(0, "self_attn.k_proj"), p(1, "self_attn.o_proj")), groups.get(0));
        assertEquals(m.projections().size() - 2, groups.size(), "the others alone");
        Files.writeString(file, "[[\"model.layers.0.self_attn.q_proj\", \"model.layers.0.mlp.down_proj\"]]");
        final IllegalArgumentException sizes = assertThrows(IllegalArgumentException.class, () -> Grouping.read(file).groups(m));
        assertTrue(sizes.getMessage().contains("mixes input sizes: '" + p(0, "self_attn.q_proj") + "' has inFeatures=32, '"
                + p(0, "mlp.down_proj") + "' has inFeatures=48"), sizes.getMessage());
        Files.writeString(file, "[[\"model.layers.9.self_attn.q_proj\"]]");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Grouping.read(file).groups(m)).getMessage()
                .contains("has no projection 'model.layers.9.self_attn.q_proj'"));
        Files.writeString(file, "[[\"a\"], [\"a\"]]");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Grouping.read(file)).getMessage().contains("'a' is listed twice"));
        Files.writeString(file, "[\"a\"]");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Grouping.read(file)).getMessage().contains("element 0 is not a list"));
        Files.writeString(file, "{}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Grouping.read(file)).getMessage().contains("expected a JSON list"));
    }

    @Test
    void compressGroupsSharesDictionariesAndKeepsGroupsOfOneAsPerLayer() {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(false), 12, null, Parallelism.sequential());
        final SplittableRandom r = new SplittableRandom(3);
        final List<int[]> windows = new ArrayList<>();
        for (int i = 0; i < 4; i++) windows.add(TinyLlamas.tokens(16, 256, r));
        final Map<String, CalibrationStats> grams = GramCapture.capture(m, windows, null);
        for (Method method : new Method[]{Method.COSPADI, Method.BASIS_SHARING}) {
            final Compressor c = Compressor.builder().method(method).ratio(0.3).iterations(3).build();
            final int[] events = {0};
            final Map<String, CompressedMatrix> grouped = new ModelCompressor(c, 2, e -> events[0]++).compressGroups(m, grams, Grouping.pairs(), null);
            final Map<String, CompressedMatrix> single = new ModelCompressor(c, 1, null).compressGroups(m, grams, Grouping.pairs(), null);
            final Map<String, CompressedMatrix> perLayer = new ModelCompressor(c, 2, null).compress(m, grams, null, null);
            assertEquals(m.projectionNames(), new ArrayList<>(grouped.keySet()), method + ": results in projection order");
            assertEquals(m.projections().size(), events[0], method + ": one event per projection");
            assertSame(grouped.get(p(0, "self_attn.q_proj")).dictionaryView(), grouped.get(p(1, "self_attn.q_proj")).dictionaryView(), method.name());
            assertNotSame(grouped.get(p(0, "self_attn.q_proj")).dictionaryView(), grouped.get(p(0, "self_attn.k_proj")).dictionaryView());
            for (String name : grouped.keySet()) {
                assertArrayEquals(single.get(name).reconstruct().data, grouped.get(name).reconstruct().data, method + " " + name + ": any workers");
                if (name.contains("o_proj") || name.contains("down_proj")) {
                    assertArrayEquals(perLayer.get(name).reconstruct().data, grouped.get(name).reconstruct().data, method + " " + name + ": alone");
                }
            }
        }
    }
}
