package io.github.cospadi.models.job;

import io.github.cospadi.Compressor;
import io.github.cospadi.common.Parallelism;
import io.github.cospadi.io.GgmlType;
import io.github.cospadi.models.Models;
import io.github.cospadi.models.llama.LlamaWeights;
import io.github.cospadi.models.llama.TestModels;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.github.cospadi.models.job.CompressionJobTest.assertSameResults;
import static io.github.cospadi.models.job.CompressionJobTest.results;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A job's compression stage through {@link LlamaWeights} (each task reading its own tensors from the model file) writes
 * the bytes of the same stage on the loaded model: resumed by {@link LocalJobRunner} after the capture, and task by
 * task through {@link CompressionJob#compress} as a Spark executor runs it; a Hugging Face folder and a Q8_0 GGUF file,
 * projections alone and shared across pairs of layers.
 */
class LazyWeightsJobTest {
    static final List<int[]> WINDOWS = TinyLlamaDir.windows(5, 10, 6);

    @ParameterizedTest(name = "{0}, grouping {1}")
    @CsvSource({"folder, none", "folder, pairs", "gguf, none", "gguf, pairs"})
    void lazyWeightsWriteTheEagerBytes(String format, String grouping, @TempDir Path dir) throws IOException {
        final Path model;
        if (format.equals("folder")) {
            model = TinyLlamaDir.write(dir.resolve("model"), 11);
        } else {
            model = dir.resolve("model.gguf");
            TestModels.tinyGguf(model, 12, GgmlType.Q8_0);
        }
        final JobPlan plan = new JobPlan(model.toString(), "random test windows", WINDOWS.size(), JobPlan.windowsDigest(WINDOWS), 2,
                Map.of("method", "cospadi", "ratio", "0.3", "iterations", "2", "coder", "omp", "schedule", "fast"), grouping,
                Map.of("factors", "BF16"));
        final int tasks = grouping.equals("none") ? 14 : 9;

        final CompressionJob eager = open(dir.resolve("eager"), plan);
        assertEquals(tasks, new LocalJobRunner(2, Parallelism.threads(2), null).run(eager, Models.load(model, Parallelism.threads(2))));
        final Map<String, byte[]> expected = results(dir.resolve("eager"));

        // the capture on the loaded model, then the compression resumed by a new runner on the file's weights
        new LocalJobRunner(2, Parallelism.threads(2), null).capture(open(dir.resolve("resumed"), plan), Models.load(model, Parallelism.sequential()));
        final CompressionJob resumed = CompressionJob.resume(JobStore.local(dir.resolve("resumed")));
        try (LlamaWeights w = Models.weights(model)) {
            assertEquals(tasks, new LocalJobRunner(2, Parallelism.sequential(), null).compress(resumed, w));
        }
        assertSameResults(expected, results(dir.resolve("resumed")), format + ", resumed on lazy weights");

        // task by task, each on weights opened for it (as a Spark executor runs it)
        final Path byTask = dir.resolve("by-task");
        new LocalJobRunner(1, Parallelism.sequential(), null).capture(open(byTask, plan), Models.load(model, Parallelism.sequential()));
        final CompressionJob job = CompressionJob.resume(JobStore.local(byTask));
        final Compressor compressor = job.plan().buildCompressor();
        final List<String> list;
        try (LlamaWeights w = Models.weights(model)) {
            list = job.compressionTasks(w);
        }
        assertEquals(tasks, list.size());
        for (String t : list) {
            try (LlamaWeights w = Models.weights(model)) {
                assertEquals(t.contains("+") ? 2 : 1, job.compress(w, compressor, t).size(), t);
            }
        }
        assertSameResults(expected, results(byTask), format + ", task by task on lazy weights");
    }

    private static CompressionJob open(Path dir, JobPlan plan) throws IOException {
        final CompressionJob job = CompressionJob.open(JobStore.local(dir), plan);
        job.putWindows(WINDOWS);
        return job;
    }
}
