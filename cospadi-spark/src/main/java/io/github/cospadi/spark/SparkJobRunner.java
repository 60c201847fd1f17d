package io.github.cospadi.spark;

import io.github.cospadi.Compressor;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.job.CompressionJob;
import io.github.cospadi.models.llama.LlamaModel;
import io.github.cospadi.models.llama.LlamaWeights;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Runs the capture, reduction and compression stages of a {@link CompressionJob} as Spark jobs; the task methods are
 * the job's own, so the files are the bytes the single-JVM runner writes.
 *
 * <ol>
 *   <li>capture: the unfinished chunks, one partition each, {@code mapPartitions} running the forward passes and
 *       writing each chunk's partial Grams;</li>
 *   <li>reduction: one task per unreduced Gram group, summing the chunks' partials in chunk order. Spark's
 *       {@code treeReduce} is not used: it combines partials in the order they arrive, and double sums are not
 *       associative, so the Gram's bits would depend on scheduling. A keyed fixed-order fold depends on the plan only,
 *       and also runs in parallel (one task per group);</li>
 *   <li>compression: one task per unfinished projection (or group), largest first.</li>
 * </ol>
 * A failed task attempt writes nothing that counts (a task's record comes after its files), so Spark's retry, a
 * re-submitted application or the single-JVM runner finish the job with the same bytes. The model is read from
 * {@code modelPath} (a path every executor can read): whole, once per executor JVM, by the capture's executors (a
 * forward pass needs every tensor); by a compression task, only its own projections' tensors
 * ({@link Models#weights}: the file's header, then one tensor per projection), so a compression executor needs memory
 * for one task's weights and factors, not for the model. The driver reads the header alone, for the task list.
 */
public final class SparkJobRunner implements Serializable {
    private static final long serialVersionUID = 1L;
    private final HadoopJobStore.Spec store;
    private final String modelPath;
    private final TaskHook hook;

    /**
     * @param store     the job directory (created by the planner: plan.json and the windows or imported Grams)
     * @param modelPath the model, readable at this path on every executor
     * @param hook      called before each compression task (may be null)
     */
    public SparkJobRunner(HadoopJobStore.Spec store, String modelPath, TaskHook hook) {
        if (store == null) throw new IllegalArgumentException("store must not be null");
        if (modelPath == null || modelPath.isEmpty()) throw new IllegalArgumentException("modelPath must be non-empty");
        this.store = store;
        this.modelPath = modelPath;
        this.hook = hook == null ? TaskHook.none() : hook;
    }

    /** Runs the stages; returns how many compression tasks ran. */
    public int run(JavaSparkContext sc) throws IOException {
        final CompressionJob job = CompressionJob.resume(store.open());
        final List<String> tasks;
        try (LlamaWeights shapes = Models.weights(Path.of(modelPath))) { // the projections' names and shapes: the header alone
            tasks = job.compressionTasks(shapes);
        }
        if (!job.gramsReady()) {
            final List<Integer> chunks = new ArrayList<>();
            for (int c = 0; c < job.plan().chunks(); c++) if (!job.captured(c)) chunks.add(c);
            if (job.plan().chunks() == 0) throw new IllegalStateException("the job's Grams are supplied but not imported");
            if (!chunks.isEmpty()) {
                sc.setJobGroup("capture", "cospadi calibration capture", false);
                sc.parallelize(chunks, chunks.size()).mapPartitions((Iterator<Integer> it) -> {
                    final CompressionJob j = CompressionJob.resume(store.open());
                    final LlamaModel m = model(modelPath);
                    final List<Integer> done = new ArrayList<>();
                    while (it.hasNext()) {
                        final int c = it.next();
                        j.capture(m, c, Parallelism.sequential());
                        done.add(c);
                    }
                    return done.iterator();
                }).collect();
            }
            final List<String> groups = new ArrayList<>();
            final CompressionJob fresh = CompressionJob.resume(store.open());
            for (String g : fresh.gramGroups()) if (!fresh.reduced(g)) groups.add(g);
            if (!groups.isEmpty()) {
                sc.setJobGroup("reduce", "cospadi Gram reduction", false);
                sc.parallelize(groups, groups.size()).map(g -> {
                    CompressionJob.resume(store.open()).reduce(g);
                    return g;
                }).collect();
            }
            CompressionJob.resume(store.open()).deletePartials();
        }
        final CompressionJob ready = CompressionJob.resume(store.open());
        if (ready.plan().adaptive() && !ready.allocated()) {
            // the allocation's forward passes need the whole model on one machine (docs/design.md §12, §13)
            throw new IllegalStateException("the job in " + ready.store().location() + " allocates its budget adaptively and its allocation is not planned yet: "
                    + "run `cospadi compress ... --allocation adaptive --plan-only` on one machine first (it captures the Grams and plans), then submit");
        }
        if (ready.plan().choosesPerType() && !ready.typesChosen()) {
            // ρ and square sides per projection type: the trials on the driver, from the file's tensors
            // (the representatives' tasks may finish with it)
            try (LlamaWeights w = Models.weights(Path.of(modelPath))) {
                ready.chooseTypes(w, Runtime.getRuntime().availableProcessors(), io.github.cospadi.common.ProgressListener.none());
            }
        }
        final List<String> pending = new ArrayList<>();
        for (String t : tasks) if (!ready.compressed(t)) pending.add(t);
        ready.writeManifest("compress", tasks.size() - pending.size(), tasks.size(), null);
        if (!pending.isEmpty()) {
            sc.setJobGroup("compress", "cospadi compression", false);
            final TaskHook h = hook;
            sc.parallelize(pending, pending.size()).map(t -> {
                h.beforeCompress(t, TaskContext.get() == null ? 0 : TaskContext.get().attemptNumber());
                releaseModels(); // the capture is over: an executor that ran it lets its model go
                final CompressionJob j = CompressionJob.resume(store.open());
                try (LlamaWeights w = Models.weights(Path.of(modelPath))) { // reads the task's own tensors only
                    if (j.plan().adaptive() || j.plan().choosesPerType()) j.compress(w, t); // the task's own budget or type's settings, or recorded as kept dense
                    else j.compress(w, compressor(j), t);
                }
                return t;
            }).collect();
        }
        CompressionJob.resume(store.open()).writeManifest("assembly", tasks.size(), tasks.size(), null);
        return pending.size();
    }

    private static final Map<String, LlamaModel> MODELS = new HashMap<>();
    private static final Map<String, Compressor> COMPRESSORS = new HashMap<>();

    /** The model at {@code path}, loaded once per JVM for the capture (its tasks only read it). */
    static synchronized LlamaModel model(String path) throws IOException {
        LlamaModel m = MODELS.get(path);
        if (m == null) MODELS.put(path, m = Models.load(Path.of(path), Parallelism.sequential()));
        return m;
    }

    /** Drops the models {@link #model} loaded (the compression stage reads its tensors from the file). */
    static synchronized void releaseModels() {
        MODELS.clear();
    }

    private static synchronized Compressor compressor(CompressionJob job) {
        return COMPRESSORS.computeIfAbsent(job.plan().toJson(), k -> job.plan().buildCompressor());
    }
}
