package io.github.cospadi.cli;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.Method;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.models.bert.BertModel;
import io.github.cospadi.models.bert.WordPieceTokenizer;
import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code cospadi demo}, the main job: compresses the projections of a real pretrained sentence encoder
 * (all-MiniLM-L6-v2 from Maven Central by default, or any BERT-family model jar or ONNX export: {@link EncoderSource})
 * with CoSpaDi and SVD-LLM at γ = 0.2, 0.3, 0.4, calibrated on
 * sentences of the State of the Union addresses before 2000, and measures on held-out sentences of the later ones how
 * close the compressed embeddings stay: mean cosine similarity to the original embeddings, the fraction of queries
 * whose nearest neighbour is unchanged, and the mean functional error of the projections. Prints a table and writes
 * {@code results.json} and {@code metrics.svg} into the output folder, all three titled with the model's name.
 * CoSpaDi runs the fast schedule unless {@code --reference} ({@link Schedule}).
 */
final class DemoCommand implements Command {
    static final double[] RATIOS = {0.2, 0.3, 0.4};
    /** CoSpaDi iterations of the demo's default, the fast schedule, and of {@code --reference} (the paper's T); {@code --iterations} overrides both. */
    static final int FAST_ITERATIONS = 20, REFERENCE_ITERATIONS = 60;
    /** Calibration sentences per parallel capture block. */
    private static final int CAPTURE_BLOCK = 32;

    @Override
    public String summary() {
        return "main job: compress a real sentence encoder (MiniLM) with CoSpaDi vs SVD-LLM, measure and plot";
    }

    @Override
    public String usage() {
        return "[--model JAR | --model ONNX --tokenizer JSON] [--name NAME] [--text DIR] [--calibration N] [--heldout N] [--iterations T] [--reference] [--coding-interval C] "
                + "[--orientation input|output|auto] [--square both|input|output] [--threads N] [--heads H] [--out DIR]";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        final String modelPath = o.string("model", null), tokenizerPath = o.string("tokenizer", null), displayName = o.string("name", null);
        final String text = o.string("text", null);
        final int calibrationCount = o.integer("calibration", 512), heldOutCount = o.integer("heldout", 256);
        final Schedule schedule = Schedule.parse(o, true); // the fast schedule unless --reference
        final int iterations = o.integer("iterations", schedule.fast() ? FAST_ITERATIONS : REFERENCE_ITERATIONS);
        final io.github.cospadi.common.Orientation orientation = schedule.orientation(io.github.cospadi.common.Orientation.INPUT);
        final int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
        final int heads = o.integer("heads", 0);
        final Path outDir = Path.of(o.string("out", "out/demo"));
        o.finish();
        final long start = System.nanoTime();
        final Parallelism par = Parallelism.threads(threads);

        err.println("demo: loading " + (modelPath == null ? EncoderSource.DEFAULT_NAME + " (Maven Central jar)" : modelPath) + "...");
        final EncoderSource.Loaded encoder = EncoderSource.load(modelPath, tokenizerPath, displayName);
        final WordPieceTokenizer tokenizer = encoder.tokenizer();
        final BertModel model;
        try {
            model = BertModel.of(encoder.onnx(), heads, Parallelism.sequential());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(encoder.source() + ": " + e.getMessage(), e);
        }

        final Path corpus = corpus(text, err);
        final List<int[]> calibration = sentences(corpus, 0, 2000, calibrationCount, tokenizer, 1);
        final List<int[]> heldOut = sentences(corpus, 2000, 10000, heldOutCount, tokenizer, 2);
        err.printf(Locale.ROOT, "demo: %s: %d layers, hidden %d, %d heads; %d calibration sentences (before 2000), %d held-out (2000 on)%n",
                encoder.name(), model.layers(), model.hidden(), model.heads(), calibration.size(), heldOut.size());

        // calibration Grams of every projection input (non-padding tokens of the calibration sentences)
        // calibration Grams in fixed blocks of sentences captured in parallel, merged in block order (deterministic)
        final int blocks = (calibration.size() + CAPTURE_BLOCK - 1) / CAPTURE_BLOCK;
        final List<Map<String, CalibrationStats>> parts = new ArrayList<>(java.util.Collections.nCopies(blocks, null));
        par.forEachBlock(calibration.size(), CAPTURE_BLOCK, (from, to) -> parts.set(from / CAPTURE_BLOCK,
                io.github.cospadi.models.GramCapture.capture(sink -> {
                    for (int i = from; i < to; i++) model.encode(calibration.get(i), sink::onInput);
                })));
        final Map<String, CalibrationStats> grams = new LinkedHashMap<>(parts.get(0));
        for (int b = 1; b < blocks; b++) parts.get(b).forEach((name, stats) -> grams.merge(name, stats, CalibrationStats::merge));
        final float[][] reference = embedAll(model, heldOut, par);
        final int[] referenceNeighbours = neighbours(reference);
        err.printf(Locale.ROOT, "demo: calibration and reference embeddings done (%.1f s)%n", seconds(start));

        final List<Map<String, Object>> rows = new ArrayList<>();
        for (Method method : new Method[]{Method.COSPADI, Method.SVD_LLM}) {
            for (double ratio : RATIOS) {
                final Compressor.Builder b = Compressor.builder().method(method).ratio(ratio).parallelism(Parallelism.sequential());
                if (method == Method.COSPADI) {
                    b.iterations(iterations).orientation(orientation);
                    schedule.accept(b);
                }
                final Compressor compressor = b.build();
                final List<String> names = model.projectionNames();
                final FMatrixRMaj[] replaced = new FMatrixRMaj[names.size()];
                final double[] errors = new double[names.size()];
                par.forEachBlock(names.size(), 1, (from, to) -> {
                    final CompressedMatrix c = compressor.compress(model.weight(names.get(from)), grams.get(names.get(from)));
                    replaced[from] = c.reconstruct();
                    errors[from] = c.report().functionalError();
                });
                final Map<String, FMatrixRMaj> map = new LinkedHashMap<>();
                for (int i = 0; i < names.size(); i++) map.put(names.get(i), replaced[i]);
                final float[][] emb = embedAll(model.withWeights(map), heldOut, par);
                final int[] nn = neighbours(emb);
                double cos = 0, err2 = 0;
                int same = 0;
                for (int i = 0; i < emb.length; i++) {
                    double d = 0;
                    for (int j = 0; j < emb[i].length; j++) d += (double) emb[i][j] * reference[i][j];
                    cos += d;
                    if (nn[i] == referenceNeighbours[i]) same++;
                }
                for (double e : errors) err2 += e;
                final Map<String, Object> row = new LinkedHashMap<>();
                row.put("model", encoder.name());
                row.put("method", method == Method.COSPADI ? "cospadi" : "svd-llm");
                row.put("ratio", ratio);
                row.put("mean_cosine", cos / emb.length);
                row.put("nn_unchanged", (double) same / emb.length);
                row.put("mean_functional_error", err2 / errors.length);
                rows.add(row);
                err.printf(Locale.ROOT, "demo: %-7s gamma=%.1f cosine %.4f, neighbours kept %.3f, functional error %.4f (%.1f s)%n",
                        row.get("method"), ratio, cos / emb.length, (double) same / emb.length, err2 / errors.length, seconds(start));
            }
        }

        final String title = String.format(Locale.ROOT, "%s sentence embeddings after compressing all %d projections", encoder.name(),
                model.projections().size());
        out.printf(Locale.ROOT, "%n%s%n", title);
        out.printf(Locale.ROOT, "(calibration: %d sentences before 2000; evaluation: %d held-out sentences from 2000 on; CoSpaDi: %s,"
                + " orientation %s)%n%n", calibration.size(), heldOut.size(), schedule.describe(iterations),
                orientation.name().toLowerCase(Locale.ROOT));
        out.printf(Locale.ROOT, "%-8s %6s %12s %14s %16s%n", "method", "gamma", "mean cosine", "NN unchanged", "functional err");
        for (Map<String, Object> r : rows) {
            out.printf(Locale.ROOT, "%-8s %6.2f %12.4f %14.3f %16.4f%n", r.get("method"), r.get("ratio"), r.get("mean_cosine"),
                    r.get("nn_unchanged"), r.get("mean_functional_error"));
        }
        Files.createDirectories(outDir);
        final StringBuilder json = new StringBuilder();
        for (Map<String, Object> r : rows) json.append(Json.object(r)).append('\n');
        Files.writeString(outDir.resolve("results.json"), json.toString());
        Files.writeString(outDir.resolve("metrics.svg"), Plot.svg(rows, title));
        out.printf(Locale.ROOT, "%nwrote %s and %s (%.1f s)%n", outDir.resolve("results.json"), outDir.resolve("metrics.svg"), seconds(start));
        return 0;
    }

    /** ../shared/data/sotu when present, else the corpus fetched by scripts/fetch-corpus.sh. */
    private static Path corpus(String text, PrintStream err) throws IOException, InterruptedException {
        if (text != null) return Path.of(text);
        final Path shared = Path.of("..", "shared", "data", "sotu");
        if (Files.isDirectory(shared)) return shared;
        err.println("demo: ../shared/data/sotu absent; running scripts/fetch-corpus.sh");
        final Process p = new ProcessBuilder("bash", "scripts/fetch-corpus.sh").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String dir = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0 || dir.isEmpty()) throw new IOException("scripts/fetch-corpus.sh failed; pass --text DIR");
        return Path.of(dir);
    }

    /** {@code count} seeded sentences (8 to 60 words) from the addresses of years [from, to), tokenized. */
    static List<int[]> sentences(Path dir, int from, int to, int count, WordPieceTokenizer tokenizer, long seed) throws IOException {
        final List<String> all = new ArrayList<>();
        final List<Path> files = io.github.cospadi.models.llama.ByteCorpus.addresses(dir, from, to);
        for (Path p : files) {
            for (String s : Files.readString(p).split("(?<=[.!?])\\s+")) {
                final String t = s.trim().replaceAll("\\s+", " ");
                final int words = t.isEmpty() ? 0 : t.split(" ").length;
                if (words >= 8 && words <= 60) all.add(t);
            }
        }
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = all.size() - 1; i > 0; i--) java.util.Collections.swap(all, i, random.nextInt(i + 1));
        final List<int[]> out = new ArrayList<>();
        for (int i = 0; i < Math.min(count, all.size()); i++) out.add(tokenizer.encode(all.get(i)));
        return out;
    }

    private static float[][] embedAll(BertModel model, List<int[]> sentences, Parallelism par) {
        final float[][] out = new float[sentences.size()][];
        par.forEachBlock(sentences.size(), 8, (from, to) -> {
            for (int i = from; i < to; i++) out[i] = model.embed(sentences.get(i), null);
        });
        return out;
    }

    /** Index of each embedding's nearest other embedding by cosine (embeddings are unit vectors). */
    private static int[] neighbours(float[][] e) {
        final int n = e.length;
        final int[] nn = new int[n];
        for (int i = 0; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (j == i) continue;
                double d = 0;
                for (int k = 0; k < e[i].length; k++) d += (double) e[i][k] * e[j][k];
                if (d > best) {
                    best = d;
                    nn[i] = j;
                }
            }
        }
        return nn;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
