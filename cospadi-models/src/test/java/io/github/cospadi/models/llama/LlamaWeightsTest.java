package io.github.cospadi.models.llama;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.io.DType;
import io.github.cospadi.io.GgmlType;
import io.github.cospadi.io.GgufFile;
import io.github.cospadi.io.SafeTensors;
import io.github.cospadi.io.SafeTensorsWriter;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.Projection;
import io.github.cospadi.models.job.TinyLlamaDir;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link LlamaWeights} against {@link Models#load}: the same name, projections and weights bit for bit, for GGUF files
 * of every type the exporter writes (Q8_0 quantized), Hugging Face folders of F32, F16 and BF16, the shared tiny Llama
 * and SmolLM2's Q4_1 file when present; concurrent reads; errors naming the file and the tensor.
 */
class LlamaWeightsTest {
    static final Path TINY = Path.of("..", "..", "shared", "models", "tinyllama-sotu");

    /** Lazy weights equal the loaded model's: name, projections in order, every weight bit for bit. */
    static void assertSameAsLoaded(Path path) throws IOException {
        final LlamaModel eager = Models.load(path, Parallelism.sequential());
        try (LlamaWeights lazy = Models.weights(path)) {
            assertEquals(eager.name(), lazy.name(), path + ": name");
            assertEquals(eager.projections(), lazy.projections(), path + ": projections");
            for (Projection p : eager.projections()) assertSameBits(eager.weight(p.name()), lazy.weight(p.name()), path + ": " + p.name());
        }
    }

    static void assertSameBits(FMatrixRMaj expected, FMatrixRMaj actual, String what) {
        assertEquals(expected.numRows, actual.numRows, what + ": rows");
        assertEquals(expected.numCols, actual.numCols, what + ": cols");
        for (int i = 0; i < expected.data.length; i++) {
            if (Float.floatToRawIntBits(expected.data[i]) != Float.floatToRawIntBits(actual.data[i])) {
                fail(what + ": element " + i + " is " + actual.data[i] + ", loaded " + expected.data[i]);
            }
        }
    }

    static Stream<Arguments> ggufCases() {
        final List<Arguments> out = new ArrayList<>();
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0)) {
            for (boolean tied : new boolean[]{true, false}) out.add(Arguments.of(type, tied));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}, tied {1}")
    @MethodSource("ggufCases")
    void ggufWeightsAreTheLoadedOnes(GgmlType type, boolean tied, @TempDir Path dir) throws IOException {
        final LlamaConfig c = TinyLlamas.blockConfig(tied);
        final long seed = 40 + type.ordinal() * 2L + (tied ? 1 : 0);
        final Path file = dir.resolve("tiny-" + type + ".gguf");
        LlamaGguf.write(TinyLlamas.random(c, seed, null, Parallelism.sequential()), LlamaGgufTest.metadata(c, "llama"), file, type);
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(type, f.tensor("blk.0.attn_q.weight").type(), "the fixture stores the projections as " + type);
        }
        assertSameAsLoaded(file);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void folderWeightsAreTheLoadedOnes(DType dtype, @TempDir Path dir) throws IOException {
        final Path model = TinyLlamaDir.write(dir.resolve("tiny"), 7);
        if (dtype != DType.F32) rewrite(model.resolve("model.safetensors"), dtype, null, false);
        assertSameAsLoaded(model);
    }

    @Test
    void theSharedTinyLlamaGivesTheLoadedWeights() throws IOException {
        assumeTrue(Files.isRegularFile(TINY.resolve("model.safetensors")), "../shared/models/tinyllama-sotu absent");
        assertSameAsLoaded(TINY);
    }

    @Test
    void smolLm2Q4_1GivesTheLoadedWeights() throws IOException {
        final Path gguf = SmolLm2ReferenceTest.gguf();
        assumeTrue(Files.isRegularFile(gguf), "SmolLM2 GGUF absent");
        assertSameAsLoaded(gguf);
    }

    @Test
    void concurrentReadsGiveTheLoadedWeights(@TempDir Path dir) throws Exception {
        final Path gguf = dir.resolve("tiny.gguf");
        final LlamaConfig c = TinyLlamas.blockConfig(true);
        LlamaGguf.write(TinyLlamas.random(c, 50, null, Parallelism.sequential()), LlamaGgufTest.metadata(c, "llama"), gguf, GgmlType.Q8_0);
        final Path folder = TinyLlamaDir.write(dir.resolve("folder"), 51);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (Path path : List.of(gguf, folder)) {
                final LlamaModel eager = Models.load(path, Parallelism.sequential());
                try (LlamaWeights lazy = Models.weights(path)) {
                    final List<Future<FMatrixRMaj>> reads = new ArrayList<>();
                    for (int round = 0; round < 8; round++) {
                        for (Projection p : lazy.projections()) reads.add(pool.submit(() -> lazy.weight(p.name())));
                    }
                    for (int i = 0; i < reads.size(); i++) {
                        final String n = lazy.projections().get(i % lazy.projections().size()).name();
                        assertSameBits(eager.weight(n), reads.get(i).get(), path + ": concurrent read " + i + " of " + n);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFreshCopyEachTimeAndUnknownNamesRefused(@TempDir Path dir) throws IOException {
        final Path model = TinyLlamaDir.write(dir.resolve("tiny"), 8);
        try (LlamaWeights w = Models.weights(model)) {
            final String n = w.projections().get(0).name();
            final FMatrixRMaj a = w.weight(n);
            a.data[0] += 1;
            assertNotEquals(a.data[0], w.weight(n).data[0], "the caller's copy is its own");
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.weight("model.layers.9.self_attn.q_proj.weight"));
            assertTrue(e.getMessage().contains("'model.layers.9.self_attn.q_proj.weight'"), e.getMessage());
        }
    }

    @Test
    void aTruncatedGgufNamesTheFileAndTheTensor(@TempDir Path dir) throws IOException {
        final Path file = dir.resolve("tiny.gguf");
        final LlamaConfig c = TinyLlamas.blockConfig(true);
        LlamaGguf.write(TinyLlamas.random(c, 52, null, Parallelism.sequential()), LlamaGgufTest.metadata(c, "llama"), file, GgmlType.Q8_0);
        final String tensor = "blk.1.ffn_down.weight";
        final long cut;
        try (GgufFile f = GgufFile.open(file)) {
            cut = f.tensor(tensor).offset() + f.tensor(tensor).bytes() / 2;
        }
        // truncated after opening: the read of that tensor fails
        try (LlamaWeights w = Models.weights(file)) {
            truncate(file, cut);
            final IOException e = assertThrows(IOException.class, () -> w.weight("model.layers.1.mlp.down_proj.weight"));
            assertNamesFileAndTensor(e, file, tensor);
        }
        // truncated before: opening fails
        assertNamesFileAndTensor(assertThrows(IOException.class, () -> Models.weights(file)), file, tensor);
    }

    @Test
    void aTruncatedFolderNamesTheFileAndTheTensor(@TempDir Path dir) throws IOException {
        final Path model = TinyLlamaDir.write(dir.resolve("tiny"), 9);
        final Path file = model.resolve("model.safetensors");
        final String tensor = "model.layers.1.mlp.down_proj.weight";
        final long cut;
        try (SafeTensors st = SafeTensors.open(file)) {
            // offsets count from the data section, after the u64 header length and the header
            final long dataStart = 8 + java.nio.ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            cut = dataStart + (st.info(tensor).begin() + st.info(tensor).end()) / 2;
        }
        try (LlamaWeights w = Models.weights(model)) {
            truncate(file, cut);
            assertNamesFileAndTensor(assertThrows(IOException.class, () -> w.weight(tensor)), file, tensor);
        }
        assertNamesFileAndTensor(assertThrows(IOException.class, () -> Models.weights(model)), file, null);
    }

    @Test
    void aMissingOrMisshapenTensorNamesTheFileAndTheTensor(@TempDir Path dir) throws IOException {
        final String tensor = "model.layers.1.self_attn.v_proj.weight";
        final Path missing = TinyLlamaDir.write(dir.resolve("missing"), 10);
        rewrite(missing.resolve("model.safetensors"), DType.F32, tensor, false);
        assertNamesFileAndTensor(assertThrows(IllegalArgumentException.class, () -> Models.weights(missing)), missing.resolve("model.safetensors"), tensor);
        final Path transposed = TinyLlamaDir.write(dir.resolve("transposed"), 10);
        rewrite(transposed.resolve("model.safetensors"), DType.F32, tensor, true);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.weights(transposed));
        assertNamesFileAndTensor(e, transposed.resolve("model.safetensors"), tensor);
        assertTrue(e.getMessage().contains("[32, 16]") && e.getMessage().contains("[16, 32]"), e.getMessage());

        // a GGUF whose metadata says ffn 96 over tensors of 64
        final LlamaConfig c = TinyLlamas.blockConfig(true);
        final LlamaConfig wide = new LlamaConfig(c.vocabSize(), c.hiddenSize(), 96, c.layers(), c.heads(), c.kvHeads(), c.headDim(),
                c.ropeTheta(), c.rmsNormEps(), true, c.contextLength());
        final Path gguf = dir.resolve("wide.gguf");
        LlamaGguf.write(TinyLlamas.random(c, 53, null, Parallelism.sequential()), LlamaGgufTest.metadata(wide, "llama"), gguf, GgmlType.F32);
        assertNamesFileAndTensor(assertThrows(IllegalArgumentException.class, () -> Models.weights(gguf)), gguf, "blk.0.ffn_gate.weight");
    }

    static void assertNamesFileAndTensor(Exception e, Path file, String tensor) {
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        if (tensor != null) assertTrue(e.getMessage().contains("'" + tensor + "'"), "names the tensor: " + e.getMessage());
    }

    static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    /** Rewrites a safetensors file as {@code dtype}, leaving out or transposing the tensor {@code odd} (may be null). */
    static void rewrite(Path file, DType dtype, String odd, boolean transpose) throws IOException {
        final SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(file)) {
            for (String n : st.names()) {
                final long[] shape = st.info(n).shape();
                if (n.equals(odd) && !transpose) continue;
                if (n.equals(odd)) w.add(n, dtype, new long[]{shape[1], shape[0]}, st.readFloatArray(n));
                else w.add(n, shape.length == 2 ? dtype : DType.F32, shape, st.readFloatArray(n));
            }
        }
        final Path tmp = file.resolveSibling("rewritten.safetensors");
        w.write(tmp);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
