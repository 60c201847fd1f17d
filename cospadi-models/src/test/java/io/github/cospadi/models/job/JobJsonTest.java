package io.github.cospadi.models.job;

import io.github.cospadi.internal.JsonParser;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The job files' JSON: the bytes {@link MiniJson} writes (pinned here: the checksums of plan.json, the manifest and
 * the task records depend on them) and what {@link JsonParser#parseExactObject} reads back from them.
 */
class JobJsonTest {
    private static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @Test
    void thePlanHasPinnedBytesAndReadsBackEqual() {
        final JobPlan plan = new JobPlan("/m/tiny", "random test windows", 7, SHA, 3,
                Map.of("method", "cospadi", "ratio", "0.3", "iterations", "3"), "none", Map.of("factors", "BF16"));
        assertEquals("{\n  \"version\": 1,\n  \"model\": \"/m/tiny\",\n  \"calibration\": \"random test windows\",\n  \"windows\": 7,\n"
                + "  \"windows_sha256\": \"" + SHA + "\",\n  \"chunk_windows\": 3,\n"
                + "  \"compressor\": {\"iterations\": \"3\", \"method\": \"cospadi\", \"ratio\": \"0.3\"},\n  \"grouping\": \"none\",\n"
                + "  \"output\": {\"factors\": \"BF16\"}\n}\n", plan.toJson());
        assertEquals(List.of(), JobPlan.fromJson(plan.toJson(), "plan.json").differences(plan));
    }

    @Test
    void extrapolationIsASettingOfThePlan() {
        final java.util.function.Function<String, JobPlan> plan = value -> new JobPlan("/m/tiny", "random test windows", 7, SHA, 3,
                Map.of("method", "cospadi", "ratio", "0.3", "iterations", "3", "extrapolation", value), "none", Map.of());
        assertTrue(plan.apply("on").builder().ratio(0.3).build().toString().contains("extrapolation"));
        assertFalse(plan.apply("off").builder().ratio(0.3).build().toString().contains("extrapolation"));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan.apply("yes").builder());
        assertEquals("plan: compressor extrapolation must be on or off, got 'yes'", e.getMessage());
    }

    @Test
    void aUniformPlanMayFixRho() {
        final JobPlan plan = new JobPlan("/m/tiny", "random test windows", 7, SHA, 3,
                Map.of("method", "cospadi", "ratio", "0.3", "iterations", "3", "rho", "3.0"), "none", Map.of());
        assertTrue(plan.buildCompressor().toString().contains("rho=3.0"), plan.buildCompressor().toString());
        assertTrue(new JobPlan("/m/tiny", "random test windows", 7, SHA, 3, Map.of("method", "cospadi", "ratio", "0.3", "iterations", "3"),
                "none", Map.of()).buildCompressor().toString().contains("rho=2.0"));
    }

    @Test
    void aRecordHasPinnedBytesAndItsNumbersReadBackExactly() {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", "compress-a\"b\\cé\t");
        m.put("files", new TreeMap<>(Map.of("factors/a.cspd", "00ff")));
        m.put("seconds", 1.0E-5);
        m.put("functional_error", Double.NaN);
        m.put("n", 12);
        m.put("ok", true);
        m.put("list", List.of(1, "x", List.of()));
        final String json = MiniJson.write(m);
        assertEquals("{\n  \"task\": \"compress-a\\\"b\\\\cé\\t\",\n  \"files\": {\"factors/a.cspd\": \"00ff\"},\n  \"seconds\": 1.0E-5,\n"
                + "  \"functional_error\": null,\n  \"n\": 12,\n  \"ok\": true,\n  \"list\": [1, \"x\", []]\n}\n", json);
        final Map<String, Object> read = JsonParser.parseExactObject(json, "record");
        assertEquals(m.get("task"), read.get("task"));
        assertEquals(Map.of("factors/a.cspd", "00ff"), read.get("files"));
        assertEquals(new BigDecimal("1.0E-5"), read.get("seconds"));
        assertEquals(1.0E-5, ((BigDecimal) read.get("seconds")).doubleValue());
        assertTrue(read.containsKey("functional_error") && read.get("functional_error") == null);
        assertEquals(new BigDecimal(12), read.get("n"));
        assertEquals(List.of(BigDecimal.ONE, "x", List.of()), read.get("list"));
    }
}
