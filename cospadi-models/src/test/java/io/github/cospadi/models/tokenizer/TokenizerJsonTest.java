package io.github.cospadi.models.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Collectors;

import static io.github.cospadi.models.tokenizer.TinyVocab.id;
import static org.junit.jupiter.api.Assertions.*;

/** The tokenizer.json reader on small files in the layout HF {@code tokenizers} writes, built from {@link TinyVocab}. */
class TokenizerJsonTest {
    @TempDir
    Path dir;

    static final String BYTE_LEVEL = "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true}";
    static final String BYTE_LEVEL_NO_REGEX = "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": false}";
    static final String SMOLLM = "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Digits\", \"individual_digits\": true}, " + BYTE_LEVEL + "]}";

    static String quote(String s) {
        final StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    static String split(String regex) {
        return "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": " + quote(regex)
                + "}, \"behavior\": \"Isolated\", \"invert\": false}, " + BYTE_LEVEL_NO_REGEX + "]}";
    }

    /** A tokenizer.json for TinyVocab; {@code pairs} writes the merges as ["a", "b"]; {@code extraModel} is spliced into "model". */
    static String json(String preTokenizer, boolean pairs, String extraModel, String normalizer, String decoder) {
        final List<String> tokens = TinyVocab.tokens();
        final int normal = 256 + TinyVocab.MERGES.size();
        final String vocab = java.util.stream.IntStream.range(0, normal).mapToObj(i -> quote(tokens.get(i)) + ": " + i).collect(Collectors.joining(", "));
        final List<String> added = new ArrayList<>();
        for (int k = 0; k < TinyVocab.ADDED.size(); k++) {
            added.add("{\"id\": " + (normal + k) + ", \"content\": " + quote(TinyVocab.ADDED.get(k)) + ", \"single_word\": false, \"lstrip\": false, "
                    + "\"rstrip\": false, \"normalized\": false, \"special\": " + (TinyVocab.ADDED_TYPES[k] == 3) + "}");
        }
        final String merges = TinyVocab.MERGES.stream().map(m -> pairs ? "[" + quote(m.split(" ")[0]) + ", " + quote(m.split(" ")[1]) + "]" : quote(m))
                .collect(Collectors.joining(", "));
        return "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": [" + String.join(", ", added) + "], "
                + "\"normalizer\": " + normalizer + ", \"pre_tokenizer\": " + preTokenizer + ", "
                + "\"post_processor\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": false, \"use_regex\": true}, "
                + "\"decoder\": " + decoder + ", \"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, "
                + "\"continuing_subword_prefix\": null, \"end_of_word_suffix\": null, \"fuse_unk\": false, \"byte_fallback\": false, "
                + extraModel + "\"vocab\": {" + vocab + "}, \"merges\": [" + merges + "]}}";
    }

    static String json(String preTokenizer) {
        return json(preTokenizer, false, "\"ignore_merges\": false, ", "null", BYTE_LEVEL);
    }

    BpeTokenizer read(String json) throws IOException {
        final Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, json);
        return BpeTokenizer.fromTokenizerJson(p);
    }

    static final String TEXT = "<|im_start|>user\nThe 2024 there,  her aaaaa 'd <user>[A][B]\t é😀<|im_end|>";

    @Test
    void readsWhatGgufMetadataWouldGive() throws IOException {
        final BpeTokenizer fromJson = read(json(BYTE_LEVEL));
        final BpeTokenizer fromGguf = TinyVocab.tokenizer("gpt2");
        assertSame(PreTokenizer.GPT2, fromJson.pre());
        assertEquals(fromGguf.vocabSize(), fromJson.vocabSize());
        assertArrayEquals(fromGguf.encode(TEXT), fromJson.encode(TEXT));
        assertArrayEquals(fromGguf.encode(TEXT, false), fromJson.encode(TEXT, false));
        assertTrue(fromJson.isControl(id("<|im_end|>")));
        assertFalse(fromJson.isControl(id("<user>")));
        assertEquals(OptionalInt.empty(), fromJson.bos()); // no tokenizer_config.json
        // merges as pairs (the newer format) read the same
        assertArrayEquals(fromGguf.encode(TEXT), read(json(BYTE_LEVEL, true, "", "null", BYTE_LEVEL)).encode(TEXT));
    }

    @Test
    void mapsPreTokenizersToTheirNames() throws IOException {
        assertSame(PreTokenizer.SMOLLM, read(json(SMOLLM)).pre());
        assertSame(PreTokenizer.GPT2, read(json(split(PreTokenizer.Patterns.GPT2))).pre());
        final BpeTokenizer llama = read(json(split(PreTokenizer.Patterns.LLAMA3), false, "\"ignore_merges\": true, ", "null", BYTE_LEVEL));
        assertSame(PreTokenizer.LLAMA3, llama.pre());
        assertTrue(llama.ignoresMerges());
        assertArrayEquals(TinyVocab.tokenizer("smollm").encode(TEXT), read(json(SMOLLM)).encode(TEXT));
        assertArrayEquals(TinyVocab.tokenizer("llama3").encode(TEXT), llama.encode(TEXT));
    }

    @Test
    void bosAndEosComeFromTokenizerConfig() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": \"<|im_start|>\", \"eos_token\": {\"content\": \"<|im_end|>\", \"special\": true}, \"unk_token\": null}");
        final BpeTokenizer t = read(json(BYTE_LEVEL));
        assertEquals(OptionalInt.of(id("<|im_start|>")), t.bos());
        assertEquals(OptionalInt.of(id("<|im_end|>")), t.eos());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        assertRefused("eos_token '</s>' is not in the vocabulary", json(BYTE_LEVEL));
    }

    void assertRefused(String expected, String json) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(json));
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should contain " + expected);
    }

    @Test
    void refusesWhatItCannotReproduceByName() {
        assertRefused("pre_tokenizer [Metaspace(replacement=▁", json("{\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"always\"}"));
        assertRefused("ByteLevel(add_prefix_space=true", json("{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"use_regex\": true}"));
        assertRefused("Split(pattern={Regex=\\d+}", json(split("\\d+")));
        assertRefused("Digits(individual_digits=false)",
                json("{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Digits\", \"individual_digits\": false}, " + BYTE_LEVEL + "]}"));
        assertRefused("pre_tokenizer [null]", json("null"));
        assertRefused("normalizer NFC()", json(BYTE_LEVEL, false, "", "{\"type\": \"NFC\"}", BYTE_LEVEL));
        assertRefused("decoder Metaspace(", json(BYTE_LEVEL, false, "", "null", "{\"type\": \"Metaspace\"}"));
        assertRefused("decoder null", json(BYTE_LEVEL, false, "", "null", "null"));
        assertRefused("model.byte_fallback = true", json(BYTE_LEVEL, false, "\"byte_fallback\": true, ", "null", BYTE_LEVEL)
                .replaceFirst("\"byte_fallback\": false, ", ""));
        assertRefused("model.dropout = 0.1", json(BYTE_LEVEL).replace("\"dropout\": null", "\"dropout\": 0.1"));
        assertRefused("model type WordPiece", json(BYTE_LEVEL).replace("\"type\": \"BPE\"", "\"type\": \"WordPiece\""));
        assertRefused("'<user>' has lstrip = true", json(BYTE_LEVEL).replace("\"content\": \"<user>\", \"single_word\": false, \"lstrip\": false",
                "\"content\": \"<user>\", \"single_word\": false, \"lstrip\": true"));
        assertRefused("no token has id 3", json(BYTE_LEVEL).replace(": 3, ", ": 9999, "));
        assertRefused("model.merges[0] = 'Ġt' is not two tokens", json(BYTE_LEVEL).replace("\"Ġ t\"", "\"Ġt\""));
        assertRefused("merge 0 'Ġ zz': 'zz' is not a token", json(BYTE_LEVEL).replace("\"Ġ t\"", "\"Ġ zz\""));
        assertRefused("malformed JSON", "{\"model\": ");
    }
}
