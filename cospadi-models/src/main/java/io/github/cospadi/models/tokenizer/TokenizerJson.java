package io.github.cospadi.models.tokenizer;

import io.github.cospadi.internal.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a Hugging Face {@code tokenizer.json} with a byte-level BPE model into a {@link BpeTokenizer}; every
 * feature it does not reproduce exactly is refused by name rather than ignored.
 */
final class TokenizerJson {
    private TokenizerJson() {}

    static BpeTokenizer read(Path path) throws IOException {
        final String source = path.toString();
        final Map<String, Object> root = JsonParser.parseObject(Files.readString(path), source);
        final Path config = path.resolveSibling("tokenizer_config.json");
        final Map<String, Object> cfg = Files.isRegularFile(config) ? JsonParser.parseObject(Files.readString(config), config.toString()) : null;
        return parse(root, cfg, source);
    }

    /** {@code config} is the parsed {@code tokenizer_config.json} (for BOS and EOS), or null. */
    static BpeTokenizer parse(Map<String, Object> root, Map<String, Object> config, String source) {
        final Map<String, Object> model = object(root.get("model"), source + ": model");
        if (!"BPE".equals(model.get("type"))) throw new IllegalArgumentException(source + ": model type " + model.get("type") + " is not BPE");
        if (model.get("dropout") != null && ((Number) model.get("dropout")).doubleValue() != 0) {
            throw new IllegalArgumentException(source + ": model.dropout = " + model.get("dropout") + " is not supported (deterministic BPE only)");
        }
        for (String flag : List.of("byte_fallback", "fuse_unk")) {
            if (Boolean.TRUE.equals(model.get(flag))) throw new IllegalArgumentException(source + ": model." + flag + " = true is not supported");
        }
        for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            final Object v = model.get(affix);
            if (v != null && !"".equals(v)) throw new IllegalArgumentException(source + ": model." + affix + " = '" + v + "' is not supported");
        }
        final boolean ignoreMerges = Boolean.TRUE.equals(model.get("ignore_merges"));
        if (root.get("normalizer") != null) {
            throw new IllegalArgumentException(source + ": normalizer " + describe(root.get("normalizer")) + " is not supported (only none)");
        }
        final Object decoder = root.get("decoder");
        if (!(decoder instanceof Map) || !"ByteLevel".equals(((Map<?, ?>) decoder).get("type"))) {
            throw new IllegalArgumentException(source + ": decoder " + describe(decoder) + " is not supported (only ByteLevel)");
        }
        final PreTokenizer pre = preTokenizer(root.get("pre_tokenizer"), source);

        // id -> spelling, from the model vocabulary and the added tokens
        final Map<Integer, String> byId = new HashMap<>();
        object(model.get("vocab"), source + ": model.vocab").forEach((token, v) -> {
            final int id = id(v, source + ": model.vocab['" + token + "']");
            final String other = byId.putIfAbsent(id, token);
            if (other != null) throw new IllegalArgumentException(source + ": id " + id + " is given to both '" + other + "' and '" + token + "'");
        });
        final Map<Integer, Byte> kinds = new HashMap<>();
        final Object added = root.get("added_tokens");
        if (added != null) {
            final List<Object> list = list(added, source + ": added_tokens");
            for (int i = 0; i < list.size(); i++) {
                final String where = source + ": added_tokens[" + i + "]";
                final Map<String, Object> a = object(list.get(i), where);
                final int id = id(a.get("id"), where + ".id");
                if (!(a.get("content") instanceof String)) throw new IllegalArgumentException(where + ".content is not a string");
                final String content = (String) a.get("content");
                for (String flag : List.of("single_word", "lstrip", "rstrip")) {
                    if (Boolean.TRUE.equals(a.get(flag))) throw new IllegalArgumentException(where + " '" + content + "' has " + flag + " = true, which is not supported");
                }
                final String other = byId.putIfAbsent(id, content);
                if (other != null && !other.equals(content)) {
                    throw new IllegalArgumentException(where + " '" + content + "' has id " + id + ", which model.vocab gives to '" + other + "'");
                }
                kinds.put(id, Boolean.TRUE.equals(a.get("special")) ? BpeTokenizer.CONTROL : BpeTokenizer.USER_DEFINED);
            }
        }
        final int n = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        if (n != byId.size()) { // a gap: name the first missing id before allocating anything of size n
            int missing = 0;
            while (byId.containsKey(missing)) missing++;
            throw new IllegalArgumentException(source + ": no token has id " + missing + " (ids must be 0.." + (n - 1) + ")");
        }
        final List<String> tokens = new ArrayList<>(n);
        final byte[] kindArray = new byte[n];
        final Map<String, Integer> ids = new HashMap<>(2 * n);
        for (int id = 0; id < n; id++) {
            final String t = byId.get(id);
            tokens.add(t);
            ids.putIfAbsent(t, id);
            kindArray[id] = kinds.getOrDefault(id, BpeTokenizer.NORMAL);
        }

        final List<Object> mergeList = list(model.get("merges"), source + ": model.merges");
        final List<String[]> pairs = new ArrayList<>(mergeList.size());
        for (int r = 0; r < mergeList.size(); r++) {
            final Object m = mergeList.get(r);
            final String where = source + ": model.merges[" + r + "]";
            if (m instanceof String) {
                final String[] parts = ((String) m).split(" ", -1);
                if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                    throw new IllegalArgumentException(where + " = '" + m + "' is not two tokens separated by one space");
                }
                pairs.add(parts);
            } else if (m instanceof List && ((List<?>) m).size() == 2 && ((List<?>) m).get(0) instanceof String && ((List<?>) m).get(1) instanceof String) {
                pairs.add(new String[]{(String) ((List<?>) m).get(0), (String) ((List<?>) m).get(1)});
            } else {
                throw new IllegalArgumentException(where + " = " + m + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        final Integer unk = model.get("unk_token") == null ? null : lookup(ids, model.get("unk_token"), source + ": model.unk_token");
        Integer bos = null, eos = null;
        if (config != null) {
            bos = config.get("bos_token") == null ? null : lookup(ids, config.get("bos_token"), "tokenizer_config.json: bos_token");
            eos = config.get("eos_token") == null ? null : lookup(ids, config.get("eos_token"), "tokenizer_config.json: eos_token");
        }
        return BpeTokenizer.build(source, tokens, kindArray, pairs, pre, ignoreMerges, bos, eos, unk);
    }

    /**
     * The named pre-tokenizer a {@code pre_tokenizer} node is: ByteLevel(use_regex) or Split(GPT-2 regex) + ByteLevel
     * is gpt2, Digits(individual_digits) + ByteLevel(use_regex) is smollm, Split(Llama 3 regex) + ByteLevel is llama3.
     */
    static PreTokenizer preTokenizer(Object node, String source) {
        final List<Object> steps = node instanceof Map && "Sequence".equals(((Map<?, ?>) node).get("type"))
                ? list(((Map<?, ?>) node).get("pretokenizers"), source + ": pre_tokenizer.pretokenizers") : List.of(node == null ? "null" : node);
        if (steps.size() == 1 && isByteLevel(steps.get(0), true)) return PreTokenizer.GPT2;
        if (steps.size() == 2) {
            if (isDigits(steps.get(0)) && isByteLevel(steps.get(1), true)) return PreTokenizer.SMOLLM;
            if (isSplit(steps.get(0), PreTokenizer.Patterns.GPT2) && isByteLevel(steps.get(1), false)) return PreTokenizer.GPT2;
            if (isSplit(steps.get(0), PreTokenizer.Patterns.LLAMA3) && isByteLevel(steps.get(1), false)) return PreTokenizer.LLAMA3;
        }
        throw new IllegalArgumentException(source + ": pre_tokenizer "
                + steps.stream().map(TokenizerJson::describe).collect(Collectors.joining(", ", "[", "]"))
                + " is not supported (supported: ByteLevel(add_prefix_space=false); Digits(individual_digits=true), ByteLevel; "
                + "Split(GPT-2 or Llama 3 regex, Isolated), ByteLevel(use_regex=false))");
    }

    private static boolean isByteLevel(Object step, boolean useRegex) {
        if (!(step instanceof Map)) return false;
        final Map<?, ?> m = (Map<?, ?>) step;
        return "ByteLevel".equals(m.get("type")) && Boolean.FALSE.equals(m.get("add_prefix_space")) // HF's default is true
                && useRegex == !Boolean.FALSE.equals(m.get("use_regex"));
    }

    private static boolean isDigits(Object step) {
        return step instanceof Map && "Digits".equals(((Map<?, ?>) step).get("type"))
                && Boolean.TRUE.equals(((Map<?, ?>) step).get("individual_digits"));
    }

    private static boolean isSplit(Object step, String regex) {
        if (!(step instanceof Map)) return false;
        final Map<?, ?> m = (Map<?, ?>) step;
        return "Split".equals(m.get("type")) && m.get("pattern") instanceof Map && regex.equals(((Map<?, ?>) m.get("pattern")).get("Regex"))
                && "Isolated".equals(m.get("behavior")) && !Boolean.TRUE.equals(m.get("invert"));
    }

    /** A node's type and settings, for error messages: {@code ByteLevel(add_prefix_space=true, use_regex=true)}. */
    private static String describe(Object node) {
        if (!(node instanceof Map)) return String.valueOf(node);
        final Map<?, ?> m = (Map<?, ?>) node;
        return m.get("type") + m.entrySet().stream().filter(e -> !"type".equals(e.getKey()))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ", "(", ")"));
    }

    /** The id of a token named by a string or by an object with a "content" string (tokenizer_config.json's forms). */
    private static Integer lookup(Map<String, Integer> ids, Object token, String where) {
        final Object content = token instanceof Map ? ((Map<?, ?>) token).get("content") : token;
        if (!(content instanceof String)) throw new IllegalArgumentException(where + " = " + token + " is not a token");
        final Integer id = ids.get(content);
        if (id == null) throw new IllegalArgumentException(where + " '" + content + "' is not in the vocabulary");
        return id;
    }

    private static int id(Object v, String where) {
        if (!(v instanceof Long) || (Long) v < 0 || (Long) v > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(where + " = " + v + " is not a token id");
        }
        return ((Long) v).intValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String where) {
        if (!(v instanceof Map)) throw new IllegalArgumentException(where + " is not a JSON object");
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object v, String where) {
        if (!(v instanceof List)) throw new IllegalArgumentException(where + " is not a JSON array");
        return (List<Object>) v;
    }

    // ---------------------------------------------------------------------------------------------------------
    // writing

    static String write(String[] tokens, byte[] kinds, MergeTable merges, PreTokenizer pre, boolean ignoreMerges, int unk) {
        final StringBuilder b = new StringBuilder(64 * tokens.length);
        b.append("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [");
        String sep = "\n    ";
        for (int id = 0; id < tokens.length; id++) {
            if (kinds[id] == BpeTokenizer.NORMAL) continue;
            b.append(sep).append("{\"id\": ").append(id).append(", \"content\": ");
            quote(b, tokens[id]);
            b.append(", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": ")
                    .append(kinds[id] == BpeTokenizer.CONTROL).append('}');
            sep = ",\n    ";
        }
        b.append(sep.equals("\n    ") ? "],\n" : "\n  ],\n");
        b.append("  \"normalizer\": null,\n  \"pre_tokenizer\": ").append(preTokenizerJson(pre)).append(",\n");
        b.append("  \"post_processor\": null,\n");
        b.append("  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n");
        b.append("  \"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": ");
        if (unk < 0) b.append("null");
        else quote(b, tokens[unk]);
        b.append(", \"continuing_subword_prefix\": null, \"end_of_word_suffix\": null, \"fuse_unk\": false, "
                + "\"byte_fallback\": false, \"ignore_merges\": ").append(ignoreMerges).append(",\n    \"vocab\": {");
        for (int id = 0; id < tokens.length; id++) {
            b.append(id == 0 ? "\n      " : ",\n      ");
            quote(b, tokens[id]);
            b.append(": ").append(id);
        }
        b.append("\n    },\n    \"merges\": [");
        for (int r = 0; r < merges.size(); r++) {
            b.append(r == 0 ? "\n      [" : ",\n      [");
            quote(b, tokens[merges.left(r)]);
            b.append(", ");
            quote(b, tokens[merges.right(r)]);
            b.append(']');
        }
        b.append(merges.size() == 0 ? "]\n  }\n}\n" : "\n    ]\n  }\n}\n");
        return b.toString();
    }

    static String writeConfig(String[] tokens, int bos, int eos, int unk, String chatTemplate) {
        final StringBuilder b = new StringBuilder("{\n  \"tokenizer_class\": \"PreTrainedTokenizerFast\"");
        final String[] names = {"bos_token", "eos_token", "unk_token"};
        final int[] ids = {bos, eos, unk};
        for (int i = 0; i < names.length; i++) {
            if (ids[i] < 0) continue;
            b.append(",\n  \"").append(names[i]).append("\": ");
            quote(b, tokens[ids[i]]);
        }
        if (chatTemplate != null) {
            b.append(",\n  \"chat_template\": ");
            quote(b, chatTemplate);
        }
        return b.append("\n}\n").toString();
    }

    /** The {@code pre_tokenizer} node that {@link #preTokenizer} reads back as {@code pre}. */
    private static String preTokenizerJson(PreTokenizer pre) {
        final String byteLevel = "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": ";
        switch (pre) {
            case GPT2:
                return byteLevel + "true}";
            case SMOLLM:
                return "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Digits\", \"individual_digits\": true}, " + byteLevel + "true}]}";
            case LLAMA3: {
                final StringBuilder b = new StringBuilder("{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": ");
                quote(b, PreTokenizer.Patterns.LLAMA3);
                return b.append("}, \"behavior\": \"Isolated\", \"invert\": false}, ").append(byteLevel).append("false}]}").toString();
            }
            default:
                throw new IllegalStateException("no tokenizer.json form for pre-tokenizer " + pre);
        }
    }

    static void quote(StringBuilder b, String s) {
        io.github.cospadi.internal.JsonStrings.quote(b, s);
    }
}
