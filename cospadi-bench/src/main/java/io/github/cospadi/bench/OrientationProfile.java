package io.github.cospadi.bench;

import io.github.cospadi.CompressedMatrix;
import io.github.cospadi.CompressionReport;
import io.github.cospadi.Compressor;
import io.github.cospadi.common.Orientation;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.calibration.CalibrationStats;
import io.github.cospadi.io.SafeTensors;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times single-matrix compressions of real projections in one thread and prints one JSON line per run: thread CPU
 * seconds (robust on a shared machine), wall seconds, the report's phases and the functional error. Not a JMH
 * benchmark: one compression is seconds to minutes.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp cospadi-bench/target/benchmarks.jar io.github.cospadi.bench.OrientationProfile \
 *     WEIGHTS.safetensors GRAMS.safetensors RATIO ORIENTATION SCHEDULE NAME...
 * </pre>
 * ORIENTATION is input, output or auto; SCHEDULE is reference or fast; NAME a tensor name without ".weight" (its Gram
 * is NAME.input_gram), or a substring that selects every matching *_proj.weight.
 */
public final class OrientationProfile {
    private OrientationProfile() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: OrientationProfile WEIGHTS GRAMS RATIO input|output|auto reference|fast[:T[:mod|rN|pN...]] NAME...");
            System.exit(2);
        }
        final Path weights = Path.of(args[0]), grams = Path.of(args[1]);
        final double ratio = Double.parseDouble(args[2]);
        final Orientation orientation = Orientation.valueOf(args[3].toUpperCase(Locale.ROOT));
        final String[] schedule = args[4].split(":");
        final int iterations = schedule.length > 1 ? Integer.parseInt(schedule[1]) : 60;
        final Compressor.Builder builder = Compressor.builder().ratio(ratio).orientation(orientation).iterations(iterations)
                .parallelism(Parallelism.sequential());
        if (schedule[0].equals("fast")) builder.fast();
        else if (!schedule[0].equals("reference")) throw new IllegalArgumentException("schedule must be reference or fast, got " + schedule[0]);
        // optional extra parts: mod (the MOD dictionary update), r<N> (refresh steps), p<N> (power steps)
        for (int part = 2; part < schedule.length; part++) {
            final String x = schedule[part];
            if (x.equals("mod")) builder.dictionaryUpdate(io.github.cospadi.dictionary.DictionaryUpdate.MOD);
            else if (x.startsWith("r")) builder.refreshSteps(Integer.parseInt(x.substring(1)));
            else if (x.startsWith("p")) builder.powerIterations(Integer.parseInt(x.substring(1)));
            else throw new IllegalArgumentException("unknown schedule part " + x);
        }
        final Compressor compressor = builder.build();
        final ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        try (SafeTensors w = SafeTensors.open(weights); SafeTensors g = SafeTensors.open(grams)) {
            final List<String> names = new ArrayList<>();
            for (int a = 5; a < args.length; a++) {
                if (w.names().contains(args[a] + ".weight")) names.add(args[a]);
                else for (String n : w.names()) if (n.endsWith("_proj.weight") && n.contains(args[a])) names.add(n.substring(0, n.length() - 7));
            }
            for (String name : names) {
                final FMatrixRMaj weight = w.readFloat(name + ".weight");
                final DMatrixRMaj gram = g.readDouble(name + ".input_gram");
                final long cpu = bean.getCurrentThreadCpuTime(), wall = System.nanoTime();
                final CompressedMatrix c = compressor.compress(weight, CalibrationStats.ofGram(gram, 1));
                final double cpuSeconds = (bean.getCurrentThreadCpuTime() - cpu) / 1e9, wallSeconds = (System.nanoTime() - wall) / 1e9;
                final CompressionReport r = c.report();
                final StringBuilder phases = new StringBuilder();
                r.phaseSeconds().forEach((p, s) -> phases.append(phases.length() == 0 ? "" : ", ")
                        .append(String.format(Locale.ROOT, "\"%s\": %.3f", p, s)));
                System.out.printf(Locale.ROOT, "{\"matrix\": \"%s\", \"shape\": \"%dx%d\", \"ratio\": %.2f, \"schedule\": \"%s\", "
                                + "\"orientation\": \"%s\", \"k\": %d, \"s\": %d, \"iterations\": %d, \"cpu_seconds\": %.3f, "
                                + "\"wall_seconds\": %.3f, \"functional_error\": %.6f, \"objective\": %.9g, \"phases\": {%s}}%n",
                        name, weight.numRows, weight.numCols, ratio, args[4], r.orientation().name().toLowerCase(Locale.ROOT),
                        r.atoms(), r.nonzerosPerColumn(), r.iterations(), cpuSeconds, wallSeconds, r.functionalError(),
                        r.objective().isEmpty() ? Double.NaN : r.objective().get(r.objective().size() - 1), phases);
            }
        }
    }
}
