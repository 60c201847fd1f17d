package io.github.cospadi.models.llama;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.internal.JsonParser;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * SmolLM2-135M-Instruct from its Q4_1 GGUF against the token ids and logits an independent torch implementation
 * computed from the same file ({@code ../shared/models/smollm2-reference.json}). Skips without the model: fetch it with
 * {@code scripts/fetch-model.sh}, or point {@code -Dcospadi.smollm2=FILE.gguf} / {@code COSPADI_SMOLLM2} at it.
 */
class SmolLm2ReferenceTest {
    static final Path REFERENCE = Path.of("..", "..", "shared", "models", "smollm2-reference.json");

    static Path gguf() {
        final String p = System.getProperty("cospadi.smollm2", System.getenv("COSPADI_SMOLLM2"));
        return p != null ? Path.of(p) : Path.of(System.getProperty("user.home"), ".cache", "cospadi", "models",
                "smollm2-135m-instruct", "SmolLM2-135M-Instruct.Q4_1.gguf");
    }

    @Test
    void tokensAndLogitsMatchTheTorchReference() throws Exception {
        assumeTrue(Files.isRegularFile(gguf()) && Files.isRegularFile(REFERENCE), "SmolLM2 GGUF or reference absent");
        final Map<String, Object> ref = JsonParser.parseObject(Files.readString(REFERENCE), REFERENCE.toString());
        final LlamaModel model = LlamaGguf.load(gguf(), Parallelism.threads(2));
        assertEquals(30, model.config().layers());
        assertEquals(49152, model.vocabSize());
        final int[] ids = model.tokenizer().encode((String) ref.get("prompt"));
        final List<?> expectedIds = (List<?>) ref.get("ids");
        assertEquals(expectedIds.size(), ids.length, "token count");
        for (int i = 0; i < ids.length; i++) assertEquals(((Number) expectedIds.get(i)).intValue(), ids[i], "token " + i);
        final FMatrixRMaj logits = model.logits(ids, null);
        final List<?> vocab = (List<?>) ref.get("sampled_vocab_ids");
        final List<?> sampled = (List<?>) ref.get("logits_sampled");
        double worst = 0;
        for (int t = 0; t < ids.length; t++) {
            final List<?> row = (List<?>) sampled.get(t);
            for (int j = 0; j < vocab.size(); j++) {
                final int v = ((Number) vocab.get(j)).intValue();
                worst = Math.max(worst, Math.abs(((Number) row.get(j)).doubleValue() - logits.get(t, v)));
            }
        }
        final List<?> last = (List<?>) ref.get("logits_last");
        for (int v = 0; v < last.size(); v++) {
            worst = Math.max(worst, Math.abs(((Number) last.get(v)).doubleValue() - logits.get(ids.length - 1, v)));
        }
        assertTrue(worst <= 2e-3, "max |logit - reference| = " + worst);
        final List<?> argmax = (List<?>) ref.get("argmax");
        for (int t = 0; t < ids.length; t++) {
            int best = 0;
            for (int v = 1; v < logits.numCols; v++) if (logits.get(t, v) > logits.get(t, best)) best = v;
            assertEquals(((Number) argmax.get(t)).intValue(), best, "argmax at " + t);
        }
    }
}
