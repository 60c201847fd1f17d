package io.github.cospadi.cli;

import io.github.cospadi.Compressor;
import io.github.cospadi.CompressedMatrix;
import org.ejml.data.FMatrixRMaj;
import io.github.cospadi.Method;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.io.CompressedFormat;
import io.github.cospadi.io.DType;
import io.github.cospadi.io.GgmlType;
import io.github.cospadi.io.SafeTensors;
import io.github.cospadi.io.SafeTensorsWriter;
import io.github.cospadi.models.GramCapture;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.llama.ByteCorpus;
import io.github.cospadi.models.llama.LlamaModel;
import io.github.cospadi.models.text.TokenWindows;
import io.github.cospadi.models.tokenizer.ByteTokenizer;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cospadi compress}: calibrates a Llama-family model (a GGUF file or a Hugging Face folder) on the SOTU
 * addresses before 2000, compresses every q, k, v, o, gate, up and down projection at one ratio and writes into a new
 * folder {@code OUT}: the factors ({@code compressed/layer-N.cspd}, layout {@code --factors}, docs/format.md), the
 * dense reconstruction as Hugging Face safetensors ({@code model.safetensors} + {@code config.json}, rotate-half
 * layout) and, for a GGUF source, as GGUF ({@code model.gguf}, the source's metadata and tokenizer). {@code
 * capture-grams} writes only the calibration Grams. {@code compress} runs as a resumable job in {@code OUT/job}
 * ({@link CompressJob}).
 *
 * <p>Schedule: the fast one ({@link Compressor.Builder#fast()}) with the orientation AUTO (by shape: OUTPUT where
 * inFeatures &gt; outFeatures, INPUT where fewer; square matrices on the side the job chooses per projection type,
 * {@code --square type}, for a per-matrix CoSpaDi job, else both ways), unless {@code --reference} (the paper's
 * schedule), {@code --orientation} or {@code --square} say otherwise (see {@link Schedule}).
 *
 * <p>Shared dictionaries (docs/design.md §5.8): {@code --grouping pairs} (Basis Sharing's protocol: q, k, v, gate, up
 * shared by two consecutive layers; o, down alone), {@code none} (the default) or a JSON file of projection-name groups;
 * {@code --method basis-sharing} is Basis Sharing ({@code --refit}: its per-member coefficient refit). With groups the
 * factors are written one file per span of layers a group joins ({@code layers-0-1.cspd}), each shared dictionary once
 * (format version 4), and the achieved ratio is printed counting it once.
 *
 * <p>Calibration: for a BPE model, {@code --calibration-windows} (default 128) windows of 256 tokens evenly spaced
 * over the addresses before 2000 (docs/benchmarks.md); for the byte-level tiny Llama, the protocol its figures were
 * measured with: 256 random windows of 128 bytes, seed 42.
 */
final class CompressModelCommand implements Command {
    private final boolean captureOnly;

    CompressModelCommand(boolean captureOnly) {
        this.captureOnly = captureOnly;
    }

    @Override
    public String summary() {
        return captureOnly ? "capture the input Gram of every projection of a Llama model on calibration text"
                : "compress every projection of a Llama model (GGUF or HF folder); write factors and dense checkpoints";
    }

    @Override
    public String usage() {
        return captureOnly ? "--model FILE.gguf|DIR [--calibration TEXT_DIR] [--calibration-windows N] --out FILE"
                : "--model FILE.gguf|DIR [--calibration TEXT_DIR [--calibration-windows N] | --grams FILE] --ratio G [--method cospadi|basis-sharing|svd-llm|svd] [--grouping none|pairs|pairs-all|FILE.json] [--refit] [--coder omp|iht] "
                + "[--iterations T] [--reference] [--coding-interval C] [--extrapolation on|off] [--rho R|auto] [--orientation input|output|auto] [--square type|both|input|output] [--threads N] [--dtype F32|F16|BF16] "
                + "[--gguf-type F32|F16|BF16|Q8_0] [--factors F32|BF16|COMPACT|INT8] [--capture-chunk N] [--plan-only] [--overwrite] "
                + "[--allocation uniform|adaptive [--probe-iterations N] [--sensitivity-windows N] [--sensitivity loss|kl|fisher] [--bands B] [--spread S] [--sensitivities FILE | --save-sensitivities FILE]] --out DIR";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        final Path modelPath = o.path("model");
        final Path text = Path.of(o.string("calibration", PerplexityCommand.DEFAULT_TEXT));
        final String windowsOption = o.string("calibration-windows", o.string("windows", null));
        final Path outPath = o.path("out");
        final int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
        final boolean overwrite = o.flag("overwrite");
        final String gramsFile = captureOnly ? null : o.string("grams", null);
        final double ratio = captureOnly ? 0 : o.real("ratio", Double.NaN);
        final Method method = captureOnly ? Method.COSPADI : LayersCommand.method(o.string("method", "cospadi"));
        final String coder = captureOnly ? "omp" : o.string("coder", "omp");
        final int iterations = captureOnly ? 60 : o.integer("iterations", 60);
        final Schedule parsed = captureOnly ? null : Schedule.parse(o, true, true); // the fast schedule unless --reference
        final DType dtype = captureOnly ? DType.F32 : dtype(o.string("dtype", "F32"));
        final GgmlType ggufType = captureOnly ? GgmlType.F32 : ggufType(o.string("gguf-type", "F32"));
        final String factorsName = captureOnly ? "BF16" : o.string("factors", "BF16");

        final io.github.cospadi.models.Grouping grouping = captureOnly ? io.github.cospadi.models.Grouping.none()
                : grouping(o.string("grouping", "none"));
        final boolean refit = !captureOnly && o.flag("refit");
        final boolean planOnly = !captureOnly && o.flag("plan-only");
        final int chunkWindows = captureOnly ? 0 : o.integer("capture-chunk", io.github.cospadi.models.job.JobPlan.DEFAULT_CHUNK_WINDOWS);
        final CompressedFormat.Precision factorLayout;
        try {
            factorLayout = CompressedFormat.Precision.valueOf(factorsName);
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("--factors must be F32, BF16, COMPACT or INT8, got '" + factorsName + "'");
        }
        final String allocation = captureOnly ? "uniform" : o.string("allocation", "uniform");
        if (!allocation.equals("uniform") && !allocation.equals("adaptive")) {
            throw new Options.UsageException("--allocation must be uniform or adaptive, got '" + allocation + "'");
        }
        final PlanCommand.Settings planSettings = allocation.equals("adaptive") ? PlanCommand.Settings.parse(o, method) : null;
        // uniform allocation: one ρ = k/s for every matrix, or auto — the default of a per-matrix CoSpaDi job: ρ per
        // projection type (docs/design.md §4.1); the adaptive plan reads --rho itself, shared dictionaries keep ρ = 2
        final boolean perMatrix = planSettings == null && !captureOnly && method == Method.COSPADI && grouping.name().equals("none");
        final String given = planSettings == null && !captureOnly ? o.string("rho", null) : null;
        final String rhoText = given == null && perMatrix ? "auto" : given;
        final boolean rhoAuto = "auto".equals(rhoText);
        final Double rho = rhoText != null && !rhoAuto ? o.real("rho", 2) : null;
        o.finish();
        if (rho != null && !(rho >= 1)) throw new Options.UsageException("--rho must be at least 1 or auto, got " + rho);
        if (rhoText != null && method != Method.COSPADI) throw new Options.UsageException("--rho applies to cospadi, not to " + method.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        if (rhoAuto && !grouping.name().equals("none")) {
            throw new Options.UsageException("--rho auto chooses k/s per projection type on single matrices; it cannot be combined with --grouping " + grouping.name());
        }
        // square matrices: per projection type, on the side the job's trials chose — the default of a per-matrix CoSpaDi
        // job under AUTO (docs/design.md §4.1) — or --square both|input|output
        final boolean auto = parsed != null && parsed.orientation(io.github.cospadi.common.Orientation.AUTO) == io.github.cospadi.common.Orientation.AUTO;
        final Schedule schedule = parsed != null && !parsed.squareGiven() && perMatrix && auto ? parsed.withSquareByType() : parsed;
        if (schedule != null && schedule.squareByType() && !(perMatrix && auto)) {
            throw new Options.UsageException("--square type chooses the side of each square projection type under --orientation auto, for per-matrix cospadi jobs"
                    + " (no --grouping, uniform allocation)");
        }
        if (!captureOnly && Double.isNaN(ratio)) throw new Options.UsageException("missing --ratio");
        if (planSettings != null && refit) throw new Options.UsageException("--refit applies to Basis Sharing's groups, not to --allocation adaptive");
        if (planSettings != null && !grouping.name().equals("none")) {
            throw new Options.UsageException("--allocation adaptive plans per matrix; it cannot be combined with --grouping " + grouping.name());
        }
        // every compression is a resumable job (docs/design.md §13): uniform or adaptive, per matrix or in shared-dictionary
        // groups, with or without Basis Sharing's refit
        if (!captureOnly) {
            if (refit && method != Method.BASIS_SHARING && method != Method.SVD_LLM && method != Method.SVD) {
                throw new Options.UsageException("--refit applies to the low-rank methods on groups (basis-sharing, svd-llm, svd), not to " + method.name().toLowerCase(Locale.ROOT));
            }
            return CompressJob.run(new CompressJob.Request(modelPath, text, windowsOption, outPath, threads, overwrite, gramsFile, ratio,
                    method.name().toLowerCase(Locale.ROOT).replace('_', '-'), coder, iterations, schedule, dtype, ggufType, factorLayout,
                    planOnly, chunkWindows, grouping, planSettings, refit, rhoAuto ? "auto" : rho == null ? null : Double.toString(rho)), out, err);
        }
        // capture-grams: the Grams alone, in this process
        if (Files.exists(outPath) && !overwrite) {
            throw new IllegalArgumentException("output " + outPath + " already exists; choose another --out or pass --overwrite");
        }

        final long start = System.nanoTime();
        final LlamaModel model = Models.load(modelPath, Parallelism.threads(threads));
        err.printf(Locale.ROOT, "loaded %s: %d layers, hidden %d, %d projections (%.1f s)%n", model.name(), model.config().layers(),
                model.config().hiddenSize(), model.projections().size(), (System.nanoTime() - start) / 1e9);
        final Map<String, CalibrationStats> grams = new LinkedHashMap<>();
        if (gramsFile != null) {
            try (SafeTensors g = SafeTensors.open(Path.of(gramsFile))) {
                for (String w : model.projectionNames()) {
                    final String name = w.substring(0, w.length() - ".weight".length());
                    grams.put(w, CalibrationStats.ofGram(g.readDouble(name + ".input_gram"), 1));
                }
            }
        } else {
            final List<int[]> windows = calibrationWindows(model, text, windowsOption);
            err.printf(Locale.ROOT, "capturing calibration Grams: %d windows of %d tokens from the addresses before 2000...%n",
                    windows.size(), windows.get(0).length);
            final long t0 = System.nanoTime();
            grams.putAll(GramCapture.capture(model, windows, Parallelism.threads(threads), (done, total) -> {
                if (done % 16 == 0 || done == total) {
                    final double s = (System.nanoTime() - t0) / 1e9;
                    err.printf(Locale.ROOT, "  capture %d/%d windows (%.1f s, ETA %.0f s)%n", done, total, s, s * (total - done) / done);
                }
                return true;
            }));
            err.printf(Locale.ROOT, "captured in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }

        final SafeTensorsWriter w = new SafeTensorsWriter().metadata("tokens_per_gram", Long.toString(grams.values().iterator().next().tokens()));
        grams.forEach((name, stats) -> w.add(name.substring(0, name.length() - ".weight".length()) + ".input_gram", DType.F64,
                new long[]{stats.inFeatures(), stats.inFeatures()}, stats.gramView().data));
        w.write(outPath);
        err.printf(Locale.ROOT, "wrote %d Grams to %s (%.1f s)%n", grams.size(), outPath, (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** {@code none}, {@code pairs}, {@code pairs-all} or a JSON file of projection-name groups ({@link io.github.cospadi.models.Grouping#read}). */
    static io.github.cospadi.models.Grouping grouping(String spec) throws java.io.IOException {
        switch (spec) {
            case "none": return io.github.cospadi.models.Grouping.none();
            case "pairs": return io.github.cospadi.models.Grouping.pairs();
            case "pairs-all": return io.github.cospadi.models.Grouping.pairsAll();
            default:
                final Path file = Path.of(spec);
                if (!Files.isRegularFile(file)) {
                    throw new Options.UsageException("--grouping must be none, pairs, pairs-all or a JSON file of projection-name groups, got '" + spec + "'");
                }
                return io.github.cospadi.models.Grouping.read(file);
        }
    }

    /**
     * 1 − stored/dense over the matrices (paper Eq. 11 counting), each dictionary object counted once: a shared
     * dictionary is stored once (docs/design.md §5.8).
     */
    static double achievedRatio(java.util.Collection<CompressedMatrix> matrices) {
        final java.util.Set<FMatrixRMaj> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        double stored = 0, dense = 0;
        for (CompressedMatrix c : matrices) {
            if (seen.add(c.dictionaryView())) stored += (double) c.dictionaryView().numRows * c.atoms();
            stored += (double) c.nonzerosPerColumn() * c.codes().numCols();
            dense += (double) c.inFeatures() * c.outFeatures();
        }
        return 1 - stored / dense;
    }

    /** The calibration windows of the command's protocol (see the class comment). */
    static List<int[]> calibrationWindows(LlamaModel model, Path text, String countOption) throws java.io.IOException {
        if (model.tokenizer() == ByteTokenizer.INSTANCE) {
            final int count = countOption == null ? 256 : parseCount(countOption);
            return List.of(ByteCorpus.years(text, 0, 2000).randomWindows(count, 128, 42));
        }
        return TokenWindows.evenlySpaced(model.tokenizer(), text, 0, 2000, 256, countOption == null ? 128 : parseCount(countOption));
    }

    private static int parseCount(String s) {
        try {
            final int n = Integer.parseInt(s);
            if (n < 1) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new Options.UsageException("--calibration-windows must be a positive integer, got '" + s + "'");
        }
    }

    /** Writes a text file through a temporary file in the same folder and a move, so no partial file is ever seen. */
    static void writeAtomically(Path target, String text) throws java.io.IOException {
        io.github.cospadi.io.AtomicFiles.writeString(target, text);
    }

    static DType dtype(String name) {
        switch (name) {
            case "F32": return DType.F32;
            case "F16": return DType.F16;
            case "BF16": return DType.BF16;
            default: throw new Options.UsageException("--dtype must be F32, F16 or BF16, got '" + name + "'");
        }
    }

    static GgmlType ggufType(String name) {
        switch (name) {
            case "F32": return GgmlType.F32;
            case "F16": return GgmlType.F16;
            case "BF16": return GgmlType.BF16;
            case "Q8_0": return GgmlType.Q8_0;
            default: throw new Options.UsageException("--gguf-type must be F32, F16, BF16 or Q8_0, got '" + name + "'");
        }
    }
}
