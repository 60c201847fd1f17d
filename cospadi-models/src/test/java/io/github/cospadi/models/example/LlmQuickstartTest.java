package io.github.cospadi.models.example;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.io.GgmlType;
import io.github.cospadi.models.llama.LlamaGguf;
import io.github.cospadi.models.llama.LlamaModel;
import io.github.cospadi.models.llama.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The README's whole-model example, compiled and run on a tiny GGUF the test writes; the README must show this code. */
class LlmQuickstartTest {

    // README-BEGIN
    static io.github.cospadi.models.text.Perplexity.Score compressAndRun(java.nio.file.Path gguf, java.nio.file.Path sotu,
                                                                         java.nio.file.Path factors) throws java.io.IOException {
        // load a Llama-family GGUF (tokenizer included), dequantized one tensor at a time
        io.github.cospadi.models.llama.LlamaModel model =
                io.github.cospadi.models.Models.load(gguf, io.github.cospadi.common.Parallelism.available());
        // calibrate: input Grams of all projections over 256-token windows of the addresses before 2000
        java.util.List<int[]> calibration =
                io.github.cospadi.models.text.TokenWindows.evenlySpaced(model.tokenizer(), sotu, 0, 2000, 256, 128);
        java.util.Map<String, io.github.cospadi.calibration.CalibrationStats> grams =
                io.github.cospadi.models.GramCapture.capture(model, calibration, io.github.cospadi.common.Parallelism.available(), null);
        // compress every projection at gamma = 0.2 and run the model on the compressed layers (int8 codes)
        io.github.cospadi.Compressor compressor = io.github.cospadi.Compressor.builder().ratio(0.2).fast().build();
        java.util.Map<String, io.github.cospadi.CompressedMatrix> compressed =
                new io.github.cospadi.models.ModelCompressor(compressor, 2, null).compress(model, grams, null,
                        (name, c) -> model.replace(name, io.github.cospadi.kernel.LinearOperator.of(c,
                                io.github.cospadi.kernel.CompressedLinear.CodePrecision.INT8)));
        io.github.cospadi.io.CompressedFormat.write(factors, compressed, io.github.cospadi.io.CompressedFormat.Precision.INT8);
        // held-out perplexity on the first 64 windows of the addresses from 2000 on
        return io.github.cospadi.models.text.Perplexity.evaluate(model,
                io.github.cospadi.models.text.TokenWindows.first(model.tokenizer(), sotu, 2000, 10000, 256, 64), null);
    }
    // README-END

    @Test
    void exampleRunsOnATinyModel(@TempDir Path dir) throws Exception {
        final Path gguf = dir.resolve("tiny.gguf");
        final LlamaModel dense = TestModels.tinyGguf(gguf, 31);
        final Path sotu = Files.createDirectories(dir.resolve("sotu"));
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 300; i++) text.append("The state of our union is strong, and it is getting stronger. ");
        Files.writeString(sotu.resolve("1990_a.txt"), text);
        Files.writeString(sotu.resolve("2001_b.txt"), text.substring(0, 2000));
        final var score = compressAndRun(gguf, sotu, dir.resolve("model.cspd"));
        assertTrue(Files.size(dir.resolve("model.cspd")) > 0);
        assertEquals(7 * 255, score.tokens(), "2000 bytes = 7 windows of 256 tokens, 255 scored each");
        final var denseScore = io.github.cospadi.models.text.Perplexity.evaluate(LlamaGguf.load(gguf, Parallelism.sequential()),
                io.github.cospadi.models.text.TokenWindows.first(dense.tokenizer(), sotu, 2000, 10000, 256, 64), null);
        assertNotEquals(denseScore.nats(), score.nats(), "the compressed layers ran");
        assertTrue(Math.abs(score.natsPerToken() - denseScore.natsPerToken()) < 1, score + " vs " + denseScore);
    }

    @Test
    void readmeShowsThisCode() throws Exception {
        final String text = Files.readString(Path.of("..", "README.md"));
        final Matcher m = Pattern.compile("```java\\n(    static io.github.cospadi.models.text.Perplexity.*?)```", Pattern.DOTALL).matcher(text);
        assertTrue(m.find(), "README.md has no ```java block with compressAndRun");
        final String source = Files.readString(Path.of("src/test/java/io/github/cospadi/models/example/LlmQuickstartTest.java"));
        final String body = source.substring(source.indexOf("// README-BEGIN") + 15, source.indexOf("    // README-END"));
        assertEquals(body.strip(), m.group(1).strip(), "README example and LlmQuickstartTest differ");
    }
}
