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

    private static String[] concat(String[] a, String... b) {
        final String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
