package io.github.cospadi.cli;

import io.github.cospadi.internal.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code cospadi tokenize} on a two-merge byte-level vocabulary written by the test. */
class TokenizeCommandTest {
    @TempDir
    Path dir;

    /** Bytes 0..255 as ids (GPT-2's byte-to-character map), then "Ġt" = 256, "Ġth" = 257, and "<|end|>" = 258. */
    static String tokenizerJson() {
        final StringBuilder vocab = new StringBuilder();
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            final boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            final char c = printable ? (char) b : (char) (256 + shifted++);
            vocab.append(c == '"' || c == '\\' ? "\"\\" + c + "\"" : "\"" + c + "\"").append(": ").append(b).append(", ");
        }
        vocab.append("\"Ġt\": 256, \"Ġth\": 257");
        return "{\"added_tokens\": [{\"id\": 258, \"content\": \"<|end|>\", \"special\": true}], \"normalizer\": null, "
                + "\"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true}, "
                + "\"decoder\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {" + vocab + "}, "
                + "\"merges\": [\"Ġ t\", [\"Ġt\", \"h\"]]}}";
    }

    @Test
    void writesTheIdsOfEveryTextFile() throws Exception {
        final Path tokenizer = dir.resolve("tokenizer.json"), text = dir.resolve("text"), out = dir.resolve("out/ids.json");
        Files.writeString(tokenizer, tokenizerJson());
        Files.createDirectories(text);
        Files.writeString(text.resolve("b.txt"), "a the<|end|>", StandardCharsets.UTF_8);
        Files.writeString(text.resolve("a.txt"), "", StandardCharsets.UTF_8);
        Files.writeString(text.resolve("skip.md"), "not text", StandardCharsets.UTF_8);
        final MainTest.Run r = MainTest.run("tokenize", "--tokenizer", tokenizer.toString(), "--text", text.toString(), "--out", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        final Map<String, Object> summary = JsonParser.parseObject(r.out().trim(), "tokenize output");
        assertEquals(2L, summary.get("files"));
        assertEquals(4L, summary.get("tokens"));
        final Map<String, Object> ids = JsonParser.parseObject(Files.readString(out), "ids");
        assertEquals(List.of("a.txt", "b.txt"), List.copyOf(ids.keySet()));
        assertEquals(List.of(), ids.get("a.txt"));
        assertEquals(List.of(97L, 257L, 101L, 258L), ids.get("b.txt")); // a, Ġth, e, <|end|>

        final MainTest.Run plain = MainTest.run("tokenize", "--tokenizer", tokenizer.toString(), "--text", text.toString(), "--out", out.toString(),
                "--no-parse-special");
        assertEquals(0, plain.code(), plain.err());
        assertTrue(plain.out().contains("2 files, 10 tokens"), plain.out()); // <|end|> as the bytes < | end | >

        final MainTest.Run missing = MainTest.run("tokenize", "--tokenizer", tokenizer.toString(), "--text", dir.resolve("nope").toString(),
                "--out", out.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("is not a directory"), missing.err());
    }
}
