package io.github.cospadi.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.github.cospadi.cli.MainTest.MODEL;
import static io.github.cospadi.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code compress} as a job: plan only, a different plan refused by name, then the same command finishes the job. */
class CompressJobTest {
    @Test
    void planThenRefuseADifferentPlanThenFinish(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(MODEL) && Files.isDirectory(Path.of("..", "..", "shared", "data", "sotu")), "shared assets absent");
        final String text = Path.of("..", "..", "shared", "data", "sotu").toString();
        final Path out = dir.resolve("c");
        final String[] base = {"compress", "--model", MODEL.toString(), "--calibration", text, "--iterations", "1", "--calibration-windows", "5",
                "--capture-chunk", "2", "--method", "svd-llm", "--out", out.toString()};
        MainTest.Run r = run(concat(base, "--ratio", "0.4", "--plan-only"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("3 capture chunks, 42 compression tasks"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("job").resolve("plan.json")));
        assertFalse(Files.exists(out.resolve("model.safetensors")));

        r = run(concat(base, "--ratio", "0.5"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("holds a different plan (compressor.ratio: 0.4 in the directory, 0.5 now)"), r.err());

        r = run(concat(base, "--ratio", "0.4"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("compressed 42 projections with svd_llm"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("compressed").resolve("layer-5.cspd")) && Files.isRegularFile(out.resolve("model.safetensors")));
        assertTrue(Files.readString(out.resolve("job").resolve("manifest.json")).contains("\"complete\": true"));
        assertFalse(Files.exists(out.resolve("job").resolve("capture")), "partial Grams deleted after the reduction");
    }

    /**
     * {@code --allocation adaptive} as a job: {@code --plan-only} captures and plans (allocation.json), the same command
     * then compresses by the stored plan without planning again and reports each matrix's choice.
     */
    @Test
    void anAdaptiveCompressPlansInTheJobAndResumesFromTheStoredPlan(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(MODEL) && Files.isDirectory(Path.of("..", "..", "shared", "data", "sotu")), "shared assets absent");
        final Path out = dir.resolve("a");
        final String[] args = {"compress", "--model", MODEL.toString(), "--calibration", Path.of("..", "..", "shared", "data", "sotu").toString(),
                "--calibration-windows", "4", "--method", "svd-llm", "--ratio", "0.3", "--allocation", "adaptive", "--sensitivity-windows", "2",
                "--bands", "2", "--out", out.toString()};
        final Path saved = dir.resolve("sensitivities.json");
        MainTest.Run r = run(concat(args, "--plan-only", "--save-sensitivities", saved.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("adaptive allocation"), r.out());
        assertTrue(r.err().contains("saved the sensitivities of 42 projections"), r.err());
        assertTrue(r.err().contains("planned in"), r.err());
        final byte[] allocation = Files.readAllBytes(out.resolve("job").resolve("allocation.json"));
        assertTrue(Files.readString(out.resolve("job").resolve("plan.json")).contains("\"allocation\": \"adaptive\""));
        r = run(args);
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("planned in"), "the stored plan is used, not planned again: " + r.err());
        assertArrayEquals(allocation, Files.readAllBytes(out.resolve("job").resolve("allocation.json")));
        assertTrue(r.out().contains("adaptive plan: target ratio 0.3000, achieved"), r.out());
        assertTrue(r.out().contains("model.layers.5.mlp.down_proj.weight"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));

        // another γ from the saved sensitivities: no measurement; the file is part of the job's plan
        final String[] other = {"compress", "--model", MODEL.toString(), "--calibration", Path.of("..", "..", "shared", "data", "sotu").toString(),
                "--calibration-windows", "4", "--method", "svd-llm", "--ratio", "0.4", "--allocation", "adaptive", "--sensitivity-windows", "2",
                "--bands", "2", "--out", dir.resolve("b").toString()};
        r = run(concat(other, "--sensitivities", saved.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("with the saved sensitivities of " + saved) && !r.err().contains("plan sensitivity"), r.err());
        assertTrue(r.out().contains("adaptive plan: target ratio 0.4000"), r.out());
        assertTrue(Files.readString(dir.resolve("b").resolve("job").resolve("plan.json")).contains("sensitivities-sha256"));
        // the same command again after its plan is saved (a resumed job) is not refused for its own save target
        final String[] third = {"compress", "--model", MODEL.toString(), "--calibration", Path.of("..", "..", "shared", "data", "sotu").toString(),
                "--calibration-windows", "4", "--method", "svd-llm", "--ratio", "0.4", "--allocation", "adaptive", "--sensitivity-windows", "2",
                "--bands", "2", "--save-sensitivities", dir.resolve("s2.json").toString(), "--out", dir.resolve("c").toString()};
        r = run(concat(third, "--plan-only"));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("s2.json")));
        r = run(third);
        assertEquals(0, r.code(), r.err());
        // a new plan whose save target exists is refused before any work
        r = run(concat(other, "--overwrite", "--save-sensitivities", saved.toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--save-sensitivities " + saved + " already exists"), r.err());
    }

    /** A compress while another holds OUT/job is refused naming the directory; once it is released the command runs. */
    @Test
    @SuppressWarnings("try") // the other runner's lock is held, not used
    void aSecondCompressOnTheSameOutputIsRefused(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(MODEL) && Files.isDirectory(Path.of("..", "..", "shared", "data", "sotu")), "shared assets absent");
        final Path out = dir.resolve("c");
        final String[] args = {"compress", "--model", MODEL.toString(), "--calibration", Path.of("..", "..", "shared", "data", "sotu").toString(),
                "--iterations", "1", "--calibration-windows", "3", "--method", "svd-llm", "--ratio", "0.4", "--out", out.toString(), "--plan-only"};
        final java.util.concurrent.CountDownLatch taken = new java.util.concurrent.CountDownLatch(1), release = new java.util.concurrent.CountDownLatch(1);
        final Thread other = new Thread(() -> { // the other runner: another thread holding the lock (another process is refused alike)
            try (io.github.cospadi.models.job.JobStore.Lock lock = io.github.cospadi.models.job.JobStore.local(out.resolve("job")).lock()) {
                taken.countDown();
                release.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        other.start();
        try {
            assertTrue(taken.await(30, java.util.concurrent.TimeUnit.SECONDS));
            final MainTest.Run r = run(args);
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains("job directory " + out.resolve("job") + " is in use by another runner in this process"), r.err());
        } finally {
            release.countDown();
            other.join(30_000);
        }
        final MainTest.Run r = run(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("job").resolve("plan.json")));
    }

    private static String[] concat(String[] a, String... b) {
        final String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
