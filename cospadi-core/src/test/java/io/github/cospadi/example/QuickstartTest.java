package io.github.cospadi.example;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The README quickstart, compiled and run; a second test checks the README still shows exactly this code. */
class QuickstartTest {

    // README-BEGIN
    static io.github.cospadi.CompressionReport quickstart() {
        java.util.Random random = new java.util.Random(7);
        // a weight in PyTorch layout (outFeatures x inFeatures) and calibration inputs (tokens x inFeatures)
        org.ejml.data.FMatrixRMaj weight = org.ejml.dense.row.RandomMatrices_FDRM.rectangle(96, 64, -1, 1, random);
        org.ejml.data.FMatrixRMaj inputs = org.ejml.dense.row.RandomMatrices_FDRM.rectangle(512, 64, -1, 1, random);

        io.github.cospadi.Compressor compressor = io.github.cospadi.Compressor.builder()
                .ratio(0.3)                 // keep 70 % of the storage
                .atomsPerNonzero(2)         // rho = k / s, the paper's default
                .iterations(20)             // K-SVD iterations (default 60)
                .build();
        io.github.cospadi.CompressedMatrix compressed = compressor.compress(weight,
                io.github.cospadi.calibration.CalibrationStats.of(inputs));

        org.ejml.data.FMatrixRMaj y = compressed.multiply(inputs);  // = inputs · Ŵᵀ, without forming Ŵ
        System.err.printf("k=%d s=%d functional error %.4f%n",
                compressed.atoms(), compressed.nonzerosPerColumn(), compressed.report().functionalError());
        return compressed.report();
    }
    // README-END

    @Test
    void quickstartRuns() {
        final java.io.PrintStream saved = System.err;
        System.setErr(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            final io.github.cospadi.CompressionReport report = quickstart();
            assertTrue(report.functionalError() > 0 && report.functionalError() < 1, "error " + report.functionalError());
            assertTrue(report.effectiveRatio() >= 0.3);
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void readmeShowsThisCode() throws Exception {
        final Path readme = Path.of("..", "README.md");
        final String text = Files.readString(readme);
        final Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(text);
        assertTrue(m.find(), "README.md has no ```java block");
        final String source = Files.readString(Path.of("src/test/java/io/github/cospadi/example/QuickstartTest.java"));
        final String body = source.substring(source.indexOf("// README-BEGIN") + 15, source.indexOf("    // README-END"));
        assertEquals(normalize(body), normalize(m.group(1)), "README quickstart and QuickstartTest differ");
    }

    private static String normalize(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }
}
