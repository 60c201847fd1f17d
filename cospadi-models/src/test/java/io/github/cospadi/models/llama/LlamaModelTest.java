package io.github.cospadi.models.llama;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.JsonParser;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The forward pass against the logits the reference implementation recorded for tinyllama-sotu. */
class LlamaModelTest {
    static final Path MODEL = Path.of("..", "..", "shared", "models", "tinyllama-sotu");
    static final Path TEXT = Path.of("..", "..", "shared", "data", "sotu");

    @Test
    void logitsMatchTheReference() throws Exception {
        assumeTrue(Files.isDirectory(MODEL), "shared model assets absent");
        final Map<String, Object> ref = JsonParser.parseObject(Files.readString(MODEL.resolve("reference.json")), "reference.json");
        final byte[] prompt = ((String) ref.get("prompt_utf8")).getBytes(StandardCharsets.UTF_8);
        final int[] tokens = new int[prompt.length];
        for (int i = 0; i < prompt.length; i++) tokens[i] = prompt[i] & 0xff;
        final LlamaModel model = LlamaModel.load(MODEL, Parallelism.threads(2));
        final FMatrixRMaj logits = model.forward(tokens, null);
        final List<?> last = (List<?>) ref.get("last_position_logits");
        final List<?> first = (List<?>) ref.get("first_position_logits_head");
        final int v = logits.numCols;
        for (int i = 0; i < last.size(); i++) {
            assertEquals(((Number) last.get(i)).doubleValue(), logits.get(tokens.length - 1, i), 1e-3, "last position logit " + i);
        }
        for (int i = 0; i < first.size(); i++) {
            assertEquals(((Number) first.get(i)).doubleValue(), logits.get(0, i), 1e-3, "first position logit " + i);
        }
        assertEquals(256, v);
    }

    @Test
    void heldOutLossMatchesTheModelCard() throws Exception {
        assumeTrue(Files.isDirectory(MODEL) && Files.isDirectory(TEXT), "shared assets absent");
        final LlamaModel model = LlamaModel.load(MODEL, Parallelism.threads(2));
        final double nats = Evaluation.natsPerByte(model, ByteCorpus.years(TEXT, 2000, 3000).evenlySpacedWindows(128, 128));
        // the model card reports 1.406 nats/byte over 512 windows; 128 windows keep the test fast
        assertEquals(1.406, nats, 0.05, "held-out nats/byte");
    }

    @Test
    void rejectsTokensOutsideTheVocabulary() throws Exception {
        assumeTrue(Files.isDirectory(MODEL), "shared model assets absent");
        final LlamaModel model = LlamaModel.load(MODEL, Parallelism.sequential());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.forward(new int[]{1, 300}, null));
        assertTrue(e.getMessage().contains("token 300 at position 1"), e.getMessage());
    }
}
