package io.github.cospadi.cli;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.Compressor;
import io.github.cospadi.Method;
import io.github.cospadi.Parallelism;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.io.DType;
import io.github.cospadi.io.SafeTensors;
import io.github.cospadi.io.SafeTensorsWriter;
import io.github.cospadi.models.llama.ByteCorpus;
import io.github.cospadi.models.llama.Evaluation;
import io.github.cospadi.models.llama.LlamaModel;
import org.ejml.data.FMatrixRMaj;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cospadi compress}: calibrates a byte-level Llama checkpoint on the SOTU addresses before 2000 (256 random
 * windows of 128 bytes, seed 42), compresses every q, k, v, o, gate, up and down projection at one ratio and writes
 * {@code OUT/config.json} and {@code OUT/model.safetensors} with the reconstructed dense weights under the original
 * names, so any Llama loader reads it, plus the factors themselves (layout {@code --factors}, default bf16) in
 * {@code OUT/compressed/layer-N.cspd} (docs/format.md). Layers are processed one at a time and each reconstruction
 * overwrites the loaded weight, so memory beyond the model is one layer's factors. {@code capture-grams} writes only the calibration Grams.
 */
final class CompressModelCommand implements Command {
    private final boolean captureOnly;

    CompressModelCommand(boolean captureOnly) {
        this.captureOnly = captureOnly;
    }

    @Override
    public String summary() {
        return captureOnly ? "capture the input Gram of every projection of a Llama checkpoint on calibration text"
                : "compress every projection of a Llama checkpoint and write a reconstructed dense checkpoint";
    }

    @Override
    public String usage() {
        return captureOnly ? "--model DIR [--calibration TEXT_DIR] [--windows N] --out FILE"
                : "--model DIR [--calibration TEXT_DIR | --grams FILE] --ratio G [--method cospadi|svd-llm|svd] [--coder omp|iht] "
                + "[--iterations T] [--reference] [--coding-interval C] [--orientation input|output|auto] [--threads N] [--dtype F32|F16|BF16] [--factors F32|BF16|COMPACT|INT8] --out DIR";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        final Path modelDir = o.path("model");
        final Path text = Path.of(o.string("calibration", PerplexityCommand.DEFAULT_TEXT));
        final int windows = o.integer("windows", 256);
        final Path outPath = o.path("out");
        final int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
        final String gramsFile = captureOnly ? null : o.string("grams", null);
        final double ratio = captureOnly ? 0 : o.real("ratio", Double.NaN);
        final Method method = captureOnly ? Method.COSPADI : LayersCommand.method(o.string("method", "cospadi"));
        final String coder = captureOnly ? "omp" : o.string("coder", "omp");
        final int iterations = captureOnly ? 60 : o.integer("iterations", 60);
        final Schedule schedule = captureOnly ? null : Schedule.parse(o, true); // the fast schedule unless --reference
        final String dtypeName = captureOnly ? "F32" : o.string("dtype", "F32");
        final String factorsName = captureOnly ? "BF16" : o.string("factors", "BF16");
        final io.github.cospadi.io.CompressedFormat.Precision factorLayout;
        try {
            factorLayout = io.github.cospadi.io.CompressedFormat.Precision.valueOf(factorsName);
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("--factors must be F32, BF16, COMPACT or INT8, got '" + factorsName + "'");
        }
        o.finish();
        if (!captureOnly && Double.isNaN(ratio)) throw new Options.UsageException("missing --ratio");
        final DType dtype;
        switch (dtypeName) {
            case "F32": dtype = DType.F32; break;
            case "F16": dtype = DType.F16; break;
            case "BF16": dtype = DType.BF16; break;
            default: throw new Options.UsageException("--dtype must be F32, F16 or BF16, got '" + dtypeName + "'");
        }

        final LlamaModel model = LlamaModel.load(modelDir, Parallelism.threads(threads));
        final long start = System.nanoTime();
        final Map<String, CalibrationStats> grams = new LinkedHashMap<>();
        if (gramsFile != null) {
            try (SafeTensors g = SafeTensors.open(Path.of(gramsFile))) {
                for (String w : model.projections()) {
                    final String name = w.substring(0, w.length() - ".weight".length());
                    grams.put(name, CalibrationStats.ofGram(g.readDouble(name + ".input_gram"), 1));
                }
            }
        } else {
            err.printf(Locale.ROOT, "capturing calibration Grams: %d windows of 128 bytes from the addresses before 2000...%n", windows);
            grams.putAll(Evaluation.captureGrams(model, ByteCorpus.years(text, 0, 2000).randomWindows(windows, 128, 42)));
        }
        if (captureOnly) {
            final SafeTensorsWriter w = new SafeTensorsWriter().metadata("tokens_per_gram", Long.toString(grams.values().iterator().next().tokens()));
            grams.forEach((name, stats) -> w.add(name + ".input_gram", DType.F64, new long[]{stats.inFeatures(), stats.inFeatures()},
                    stats.gramView().data));
            w.write(outPath);
            err.printf(Locale.ROOT, "wrote %d Grams to %s (%.1f s)%n", grams.size(), outPath, (System.nanoTime() - start) / 1e9);
            return 0;
        }

        final Compressor.Builder b = Compressor.builder().method(method).ratio(ratio).iterations(iterations)
                .coder(LayersCommand.coder(coder)).parallelism(Parallelism.sequential());
        if (method == Method.COSPADI) schedule.accept(b);
        final Compressor compressor = b.build();
        final List<String> names = model.projections();
        final double[] errors = new double[names.size()];
        final int perLayer = LlamaModel.PROJECTIONS.size();
        final int[] done = {0};
        Files.createDirectories(outPath.resolve("compressed"));
        // layer by layer: the extra memory is one layer's factors; each reconstruction overwrites its weight in place
        for (int l = 0; l < model.config().layers(); l++) {
            final int first = l * perLayer;
            final CompressedMatrix[] factors = new CompressedMatrix[perLayer];
            Parallelism.threads(threads).forEachBlock(perLayer, 1, (from, to) -> {
                final String name = names.get(first + from);
                final CompressedMatrix c = compressor.compress(model.weight(name), grams.get(name.substring(0, name.length() - ".weight".length())));
                factors[from] = c;
                errors[first + from] = c.report().functionalError();
                synchronized (done) {
                    err.printf(Locale.ROOT, "[%d/%d] %s functional error %.4f (%.1f s)%n", ++done[0], names.size(), name,
                            errors[first + from], (System.nanoTime() - start) / 1e9);
                }
            });
            final Map<String, CompressedMatrix> compact = new LinkedHashMap<>();
            for (int p = 0; p < perLayer; p++) {
                model.replaceWeight(names.get(first + p), factors[p].reconstruct());
                compact.put(names.get(first + p), factors[p]);
            }
            io.github.cospadi.io.CompressedFormat.write(outPath.resolve("compressed").resolve("layer-" + l + ".cspd"), compact, factorLayout);
        }
        final SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt")
                .metadata("cospadi", method.name().toLowerCase(Locale.ROOT) + " ratio=" + ratio + " iterations=" + iterations
                        + (method == Method.COSPADI ? " schedule=" + (schedule.fast() ? "fast" : "reference") : ""));
        for (Map.Entry<String, Object> e : model.tensors().entrySet()) {
            if (e.getValue() instanceof FMatrixRMaj) {
                final FMatrixRMaj m = (FMatrixRMaj) e.getValue();
                w.add(e.getKey(), dtype, new long[]{m.numRows, m.numCols}, m.data);
            } else {
                final float[] v = (float[]) e.getValue();
                w.add(e.getKey(), dtype, new long[]{v.length}, v);
            }
        }
        w.write(outPath.resolve("model.safetensors"));
        Files.copy(modelDir.resolve("config.json"), outPath.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        double mean = 0;
        for (double e : errors) mean += e;
        out.printf(Locale.ROOT, "compressed %d projections with %s at ratio %.2f: mean functional error %.5f; wrote %s (%.1f s)%n",
                names.size(), method.name().toLowerCase(Locale.ROOT), ratio, mean / names.size(), outPath, (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
