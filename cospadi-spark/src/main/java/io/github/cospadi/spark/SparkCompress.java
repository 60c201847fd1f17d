package io.github.cospadi.spark;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.io.CompressedFormat;
import io.github.cospadi.io.DType;
import io.github.cospadi.io.GgmlType;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.job.CompressionJob;
import io.github.cospadi.models.job.JobAssembly;
import io.github.cospadi.models.job.LocalJobRunner;
import io.github.cospadi.models.llama.LlamaModel;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code spark-submit} entry point: {@code SparkCompress --job URI [--model PATH] [--out DIR]}. Runs the job
 * planned by {@code cospadi compress ... --plan-only} (copied to {@code URI}, any Hadoop file system) on the cluster;
 * with {@code --out}, the driver then assembles the model files into the local folder {@code DIR}. {@code --model}
 * defaults to the plan's model path and must be readable on every executor.
 */
public final class SparkCompress {
    private SparkCompress() {}

    public static void main(String[] args) throws Exception {
        String job = null, model = null, out = null;
        for (int i = 0; i < args.length; i++) {
            final String a = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException("option " + a + " needs a value");
            switch (a) {
                case "--job": job = args[++i]; break;
                case "--model": model = args[++i]; break;
                case "--out": out = args[++i]; break;
                default: throw new IllegalArgumentException("unknown option '" + a + "'; usage: SparkCompress --job URI [--model PATH] [--out DIR]");
            }
        }
        if (job == null) throw new IllegalArgumentException("missing --job URI; usage: SparkCompress --job URI [--model PATH] [--out DIR]");
        final SparkConf conf = new SparkConf().setAppName("cospadi compress");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            final HadoopJobStore.Spec spec = HadoopJobStore.Spec.of(job, sc.hadoopConfiguration());
            final CompressionJob j = CompressionJob.resume(spec.open());
            final String modelPath = model != null ? model : j.plan().model();
            final int ran = new SparkJobRunner(spec, modelPath, null).run(sc);
            System.err.println("cospadi: " + ran + " compression tasks ran; job " + job + " is ready for assembly");
            if (out != null) {
                final LlamaModel m = Models.load(Path.of(modelPath), Parallelism.threads(Runtime.getRuntime().availableProcessors()));
                final Map<String, String> o = j.plan().output();
                final Map<String, String> written = JobAssembly.writeLlama(m, LocalJobRunner.factors(j, m), j.keptDense(m), Path.of(modelPath), Path.of(out),
                        CompressedFormat.Precision.valueOf(o.getOrDefault("factors", "BF16")), DType.valueOf(o.getOrDefault("dtype", "F32")),
                        GgmlType.valueOf(o.getOrDefault("gguf_type", "F32")), JobAssembly.description(j.plan()));
                final int n = j.compressionTasks(m).size();
                j.writeManifest("done", n, n, written);
                System.err.println("cospadi: wrote " + written.size() + " files to " + out);
            }
        }
    }
}
