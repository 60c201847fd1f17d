package io.github.cospadi.internal;

import io.github.cospadi.TestData;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@link JsonParser}: Long/Double numbers by default, BigDecimals of the literal text with {@code parseExact}. */
class JsonParserTest {
    private static final String TEXT = "{\"a\": 12, \"b\": 0.1, \"c\": 1E+3, \"d\": -12345678901234567890123, \"e\": [1.50, null, true, \"\\u00e9\"]}";

    @Test
    void numbersAreLongsOrDoublesByDefault() {
        final Map<String, Object> m = JsonParser.parseObject(TEXT.replace("-12345678901234567890123", "-7"), "t");
        assertEquals(12L, m.get("a"));
        assertEquals(0.1, m.get("b"));
        assertEquals(1000.0, m.get("c"));
        assertEquals(-7L, m.get("d"));
        TestData.assertMessage(() -> JsonParser.parse(TEXT, "t"), "bad number '-12345678901234567890123'");
    }

    @Test
    void exactNumbersKeepTheirLiteral() {
        final Map<String, Object> m = JsonParser.parseExactObject(TEXT, "t");
        assertEquals(new BigDecimal("12"), m.get("a"));
        assertEquals(new BigDecimal("0.1"), m.get("b"));
        assertEquals("1E+3", m.get("c").toString());
        assertEquals(new BigDecimal("-12345678901234567890123"), m.get("d"));
        assertEquals(java.util.Arrays.asList(new BigDecimal("1.50"), null, true, "é"), m.get("e"));
        assertEquals("1.50", ((List<?>) m.get("e")).get(0).toString());
        TestData.assertMessage(() -> JsonParser.parseExact("[1, 2", "t"), "t: malformed JSON at character 5: unexpected end of input");
        TestData.assertMessage(() -> JsonParser.parseExact("[-]", "t"), "bad number '-'");
        TestData.assertMessage(() -> JsonParser.parseExactObject("[1]", "t"), "t: expected a JSON object");
    }
}
