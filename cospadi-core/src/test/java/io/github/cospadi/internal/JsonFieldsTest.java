package io.github.cospadi.internal;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The typed field readers: values of the right type come back, anything else is refused naming place, key and value. */
class JsonFieldsTest {
    private static final Map<String, Object> M = JsonParser.parseExactObject(
            "{\"s\": \"x\", \"i\": 3, \"r\": 3.0, \"h\": 1.5, \"big\": 4294967296, \"n\": null, \"b\": true, \"l\": [1], "
                    + "\"o\": {\"a\": \"1\", \"b\": \"2\"}, \"bad\": {\"a\": 1}, \"inf\": 1e400}", "f.json");

    private static void refused(Runnable r, String message) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertEquals(message, e.getMessage());
    }

    @Test
    void valuesOfTheRightTypeComeBack() {
        assertEquals("x", JsonFields.string(M, "s", "f.json"));
        assertEquals(3, JsonFields.integer(M, "i", "f.json"));
        assertEquals(3, JsonFields.int32(M, "r", "f.json"), "an integral decimal is an integer");
        assertEquals(4294967296L, JsonFields.integer(M, "big", "f.json"));
        assertEquals(1.5, JsonFields.number(M, "h", "f.json"));
        assertTrue(Double.isNaN(JsonFields.numberOrNaN(M, "n", "f.json")));
        assertTrue(JsonFields.bool(M, "b", "f.json"));
        assertEquals(1, JsonFields.list(M, "l", "f.json").size());
        assertEquals(Map.of("a", "1", "b", "2"), JsonFields.strings(M, "o", "f.json"));
        assertEquals(List.of("a", "b"), List.copyOf(JsonFields.strings(M, "o", "f.json").keySet()));
    }

    @Test
    void everythingElseIsRefusedByName() {
        refused(() -> JsonFields.string(M, "i", "f.json"), "f.json: 'i' must be a string, got 3");
        refused(() -> JsonFields.integer(M, "h", "f.json"), "f.json: 'h' must be an integer, got 1.5");
        refused(() -> JsonFields.integer(M, "missing", "f.json"), "f.json: 'missing' must be an integer, got null");
        refused(() -> JsonFields.int32(M, "big", "f.json"), "f.json: 'big' must be an integer within ±2^31, got 4294967296");
        refused(() -> JsonFields.number(M, "n", "f.json"), "f.json: 'n' must be a number, got null");
        refused(() -> JsonFields.numberOrNaN(M, "missing", "f.json"), "f.json: 'missing' must be a number, got null");
        refused(() -> JsonFields.finite(M, "inf", "f.json"), "f.json: 'inf' must be finite, got 1E+400");
        refused(() -> JsonFields.bool(M, "s", "f.json"), "f.json: 's' must be true or false, got x");
        refused(() -> JsonFields.list(M, "o", "f.json"), "f.json: 'o' must be an array, got {a=1, b=2}");
        refused(() -> JsonFields.object(M, "l", "f.json"), "f.json: 'l' must be an object, got [1]");
        refused(() -> JsonFields.strings(M, "bad", "f.json"), "f.json: 'bad.a' must be a string, got 1");
    }
}
