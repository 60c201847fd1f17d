package io.github.cospadi.cli;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.CompressionReport;
import io.github.cospadi.Compressor;
import io.github.cospadi.Method;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.coding.SparseCoder;
import io.github.cospadi.io.SafeTensors;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cospadi layers}: compresses every projection of a checkpoint with its calibration Gram and prints, per
 * matrix, k, s (or r), the achieved ratio and the relative functional error, then the mean.
 */
final class LayersCommand implements Command {
    static final String DEFAULT_MODEL = "../shared/models/tinyllama-sotu";

    @Override
    public String summary() {
        return "compress every projection of a checkpoint with its calibration Gram; per-matrix errors";
    }

    @Override
    public String usage() {
        return "[--model DIR|FILE.gguf] [--grams FILE] [--ratio G] [--method cospadi|basis-sharing|svd-llm|svd] [--grouping none|pairs|pairs-all|FILE.json] [--refit] [--coder omp|iht] "
                + "[--iterations T] [--coding-interval C] [--warmup W] [--refresh-steps R] [--power-iterations P] [--extrapolation on|off] [--reference] [--init svd|random-columns] [--orientation input|output|auto] [--square both|input|output] [--seed S] [--rho R] [--threads N] [--filter TEXT] [--quantized] [--json]";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        final Path model = Path.of(o.string("model", DEFAULT_MODEL));
        final Path grams = Path.of(o.string("grams", model.resolve("calibration-grams.safetensors").toString()));
        final double ratio = o.real("ratio", 0.3);
        final Method method = method(o.string("method", "cospadi"));
        final String coderName = o.string("coder", "omp");
        final int iterations = o.integer("iterations", 60);
        final double rho = o.real("rho", 2.0);
        final int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
        final long seed = o.integer("seed", 42);
        final String filter = o.string("filter", "");
        final Schedule schedule = Schedule.parse(o, true); // the fast schedule unless --reference
        final boolean json = o.flag("json");
        final boolean quantized = o.flag("quantized");
        final io.github.cospadi.models.Grouping grouping = CompressModelCommand.grouping(o.string("grouping", "none"));
        final boolean refit = o.flag("refit");
        o.finish();
        final boolean gguf = io.github.cospadi.models.Models.isGguf(model);
        final Path weights = gguf ? model : model.resolve("model.safetensors");
        if (!Files.isRegularFile(weights)) throw new IllegalArgumentException("--model: no model.safetensors in " + model);
        if (gguf && o.string("grams", null) == null) {
            throw new IllegalArgumentException("--grams is required with a GGUF model (./cospadi capture-grams --model " + model + " --out FILE)");
        }
        if (!Files.isRegularFile(grams)) throw new IllegalArgumentException("--grams: no such file " + grams);

        final Compressor.Builder builder = Compressor.builder().method(method).ratio(ratio).iterations(iterations)
                .coder(coder(coderName)).seed(seed).parallelism(Parallelism.sequential()).refitCoefficients(refit);
        // the evaluation default is AUTO (both orientations, the lower error kept; --orientation input is the paper's)
        if (method == Method.COSPADI) builder.orientation(io.github.cospadi.common.Orientation.AUTO);
        if (method == Method.COSPADI) schedule.accept(builder);
        if (method == Method.COSPADI) builder.atomsPerNonzero(rho);
        final Compressor compressor = builder.build();

        final List<String> names = new ArrayList<>();
        final Map<String, FMatrixRMaj> weightsByName = new LinkedHashMap<>();
        final Map<String, DMatrixRMaj> gramsByName = new LinkedHashMap<>();
        try (SafeTensors g = SafeTensors.open(grams)) {
            // a GGUF model: its projections dequantized one at a time, Hugging Face names (docs/format.md, GGUF)
            final io.github.cospadi.models.llama.LlamaModel ggufModel = gguf ? io.github.cospadi.models.Models.load(model, Parallelism.sequential()) : null;
            try (SafeTensors w = gguf ? null : SafeTensors.open(weights)) {
                for (String name : gguf ? ggufModel.projectionNames() : w.names()) {
                    if (!name.endsWith("_proj.weight") || !name.contains(filter)) continue;
                    final String gramName = name.substring(0, name.length() - ".weight".length()) + ".input_gram";
                    if (!g.names().contains(gramName)) throw new IllegalArgumentException("--grams has no " + gramName + " for " + name);
                    names.add(name);
                    weightsByName.put(name, gguf ? ggufModel.weight(name) : w.readFloat(name));
                    gramsByName.put(name, g.readDouble(gramName));
                }
            }
        }
        if (names.isEmpty()) throw new IllegalArgumentException("no *_proj.weight tensor in " + weights + " matches --filter '" + filter + "'");
        java.util.Collections.sort(names, LayersCommand::byLayer);
        final List<io.github.cospadi.models.Projection> projections = new ArrayList<>();
        for (String name : names) {
            final FMatrixRMaj w = weightsByName.get(name);
            projections.add(new io.github.cospadi.models.Projection(name, w.numRows, w.numCols));
        }
        // groups of one are compress(W, G) exactly; larger groups share one dictionary (docs/design.md §5.8)
        final List<List<String>> groups = grouping.groups(projections, weights.toString());
        final Map<String, Integer> groupOf = new java.util.HashMap<>();
        for (int g = 0; g < groups.size(); g++) for (String n : groups.get(g)) groupOf.put(n, g);

        final CompressionReport[] reports = new CompressionReport[names.size()];
        final CompressedMatrix[] results = new CompressedMatrix[names.size()];
        final double[][] quantizedErrors = new double[names.size()][];
        final long start = System.nanoTime();
        final int[] done = {0};
        // groups in parallel, each compressed on one thread: results do not depend on --threads
        Parallelism.threads(Math.max(1, threads)).forEachBlock(groups.size(), 1, (from, to) -> {
            final List<String> group = groups.get(from);
            final List<FMatrixRMaj> ws = new ArrayList<>();
            final List<CalibrationStats> gs = new ArrayList<>();
            for (String n : group) {
                ws.add(weightsByName.get(n));
                gs.add(CalibrationStats.ofGram(gramsByName.get(n), 1));
            }
            final io.github.cospadi.CompressedGroup cg = compressor.compressGroup(ws, gs);
            final io.github.cospadi.CompressedGroup int8 = quantized && group.size() > 1 ? io.github.cospadi.Quantization.int8Codes(cg) : null;
            for (int m = 0; m < group.size(); m++) {
                final int index = names.indexOf(group.get(m));
                final CompressedMatrix c = cg.member(m);
                reports[index] = c.report();
                results[index] = c;
                if (quantized) {
                    final CalibrationStats stats = gs.get(m);
                    final FMatrixRMaj w = ws.get(m);
                    quantizedErrors[index] = new double[]{
                            io.github.cospadi.Quantization.paperCompact(c, 14).functionalError(w, stats, Parallelism.sequential()),
                            io.github.cospadi.Quantization.paperCompact(c, 16).functionalError(w, stats, Parallelism.sequential()),
                            (int8 != null ? int8.member(m) : io.github.cospadi.Quantization.int8Codes(c)).functionalError(w, stats, Parallelism.sequential())};
                }
            }
            synchronized (done) {
                done[0] += group.size();
                err.printf(Locale.ROOT, "[%d/%d] %s %.1fs%n", done[0], names.size(), String.join(" + ", group), (System.nanoTime() - start) / 1e9);
            }
        });

        double sum = 0, sumWeight = 0;
        final double[] sumQuantized = new double[3];
        if (quantized) for (double[] q : quantizedErrors) for (int a = 0; a < 3; a++) sumQuantized[a] += q[a];
        if (!json) {
            out.printf(Locale.ROOT, "%-42s %9s %6s %5s %5s %8s %8s %10s %10s%n", "matrix", "shape", "orient", "k",
                    method == Method.COSPADI ? "s" : "r", "ratio", "ratio_f", "func_err", "weight_err");
        }
        for (int i = 0; i < names.size(); i++) {
            final CompressionReport r = reports[i];
            sum += r.functionalError();
            sumWeight += r.weightError();
            if (json) {
                final Map<String, Object> m = new LinkedHashMap<>();
                m.put("matrix", names.get(i));
                m.put("out_features", r.outFeatures());
                m.put("in_features", r.inFeatures());
                m.put("method", method.name().toLowerCase(Locale.ROOT).replace('_', '-'));
                m.put("group", groupOf.get(names.get(i)));
                m.put("group_size", groups.get(groupOf.get(names.get(i))).size());
                m.put("orientation", r.orientation().name().toLowerCase(Locale.ROOT));
                m.put("k", r.atoms());
                m.put("s", r.nonzerosPerColumn());
                m.put("ratio", r.effectiveRatio());
                m.put("ratio_full", r.fullRatio());
                m.put("functional_error", r.functionalError());
                m.put("weight_error", r.weightError());
                m.put("whitening_shift", r.whiteningShift());
                m.put("iterations", r.iterations());
                m.put("unused_atom_reseeds", r.unusedAtomReseeds());
                m.put("seconds", r.totalSeconds());
                if (quantized) {
                    m.put("functional_error_bf16_dict_14bit_codes", quantizedErrors[i][0]);
                    m.put("functional_error_bf16_dict_bf16_codes", quantizedErrors[i][1]);
                    m.put("functional_error_int8_codes", quantizedErrors[i][2]);
                }
                out.println(Json.object(m));
            } else {
                out.printf(Locale.ROOT, "%-42s %4dx%-4d %6s %5d %5d %8.4f %8.4f %10.5f %10.5f%n", names.get(i), r.outFeatures(),
                        r.inFeatures(), r.orientation().name().toLowerCase(Locale.ROOT), r.atoms(), r.nonzerosPerColumn(), r.effectiveRatio(), r.fullRatio(), r.functionalError(), r.weightError());
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        final double mean = sum / names.size();
        if (json) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("summary", true);
            m.put("method", method.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            m.put("ratio_target", ratio);
            if (method == Method.COSPADI) m.put("schedule", schedule.fast() ? "fast" : "reference");
            m.put("matrices", names.size());
            m.put("grouping", grouping.name());
            m.put("groups", groups.size());
            m.put("ratio_achieved", CompressModelCommand.achievedRatio(java.util.Arrays.asList(results)));
            m.put("mean_functional_error", mean);
            m.put("mean_weight_error", sumWeight / names.size());
            m.put("seconds", seconds);
            if (quantized) {
                m.put("mean_functional_error_bf16_dict_14bit_codes", sumQuantized[0] / names.size());
                m.put("mean_functional_error_bf16_dict_bf16_codes", sumQuantized[1] / names.size());
                m.put("mean_functional_error_int8_codes", sumQuantized[2] / names.size());
            }
            out.println(Json.object(m));
        } else {
            out.printf(Locale.ROOT, "mean over %d matrices: functional error %.5f, weight error %.5f (%.1f s)%n", names.size(), mean,
                    sumWeight / names.size(), seconds);
            out.printf(Locale.ROOT, "grouping %s: %d groups; achieved ratio %.4f (each shared dictionary counted once)%n", grouping.name(),
                    groups.size(), CompressModelCommand.achievedRatio(java.util.Arrays.asList(results)));
            if (quantized) {
                out.printf(Locale.ROOT, "quantized: bf16 dictionary + 14-bit codes %.5f, bf16 + bf16 codes %.5f, float dictionary + int8 codes %.5f%n",
                        sumQuantized[0] / names.size(), sumQuantized[1] / names.size(), sumQuantized[2] / names.size());
            }
        }
        return 0;
    }

    static Method method(String name) {
        switch (name) {
            case "cospadi": return Method.COSPADI;
            case "svd-llm": return Method.SVD_LLM;
            case "svd": return Method.SVD;
            case "basis-sharing": return Method.BASIS_SHARING;
            default: throw new Options.UsageException("--method must be cospadi, basis-sharing, svd-llm or svd, got '" + name + "'");
        }
    }

    /** The schedule options of {@code bench-matrix}: the reference unless --fast (see {@link Schedule}). */
    static java.util.function.Consumer<Compressor.Builder> schedule(Options o) {
        return Schedule.parse(o, false);
    }

    static io.github.cospadi.common.Orientation orientation(String name) {
        switch (name) {
            case "input": return io.github.cospadi.common.Orientation.INPUT;
            case "output": return io.github.cospadi.common.Orientation.OUTPUT;
            case "auto": return io.github.cospadi.common.Orientation.AUTO;
            default: throw new Options.UsageException("--orientation must be input, output or auto, got '" + name + "'");
        }
    }

    static SparseCoder coder(String name) {
        switch (name) {
            case "omp": return SparseCoder.omp();
            case "iht": return SparseCoder.iht();
            default: throw new Options.UsageException("--coder must be omp or iht, got '" + name + "'");
        }
    }

    /** Orders "model.layers.10.x" after "model.layers.9.x". */
    private static int byLayer(String a, String b) {
        final int la = layer(a), lb = layer(b);
        return la != lb ? Integer.compare(la, lb) : a.compareTo(b);
    }

    private static int layer(String name) {
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("layers\\.(\\d+)\\.").matcher(name);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }
}
