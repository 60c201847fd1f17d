package io.github.cospadi.models.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPT-2-style byte-level BPE, as in GGUF files with {@code tokenizer.ggml.model = gpt2} and in HF
 * {@code tokenizer.json} files with a BPE model and byte-level pre-tokenizer and decoder.
 *
 * <p>Encoding: added tokens written in the text are cut out first, the longest one at the leftmost position (HF's
 * rule); a named {@link PreTokenizer} cuts the rest into pieces; each piece's UTF-8 bytes become the tokens of their
 * byte-level characters (see {@link ByteLevel}), and BPE repeatedly merges the adjacent pair of lowest merge rank,
 * the leftmost of equal ranks, until no adjacent pair has a merge. With {@code ignoreMerges} (Llama 3) a piece that
 * is itself a vocabulary entry is taken whole. Decoding maps normal tokens back through the byte-level alphabet and
 * added tokens to their UTF-8 text, as llama.cpp does (HF passes added tokens through the byte-level decoder too,
 * which gives the same bytes for the usual ASCII spellings such as {@code <|im_end|>}).
 *
 * <p>Token kinds follow GGUF's {@code tokenizer.ggml.token_type}: 1 normal and 5 unused are byte-level tokens;
 * 2 unknown and 3 control are special (recognised in text unless {@code parseSpecial} is false); 4 user-defined are
 * added tokens that are always recognised. Byte tokens (6) belong to SentencePiece vocabularies and are refused.
 */
public final class BpeTokenizer implements Tokenizer {
    static final byte NORMAL = 0, CONTROL = 1, USER_DEFINED = 2;
    /** Word cache bounds: at most this many pieces, each shorter than this many chars (HF caches 10 000 words). */
    private static final int CACHE_ENTRIES = 1 << 16, CACHE_MAX_CHARS = 256;

    private final String[] tokens;
    private final Map<String, Integer> ids;
    private final byte[] kinds;
    private final byte[][] bytes;
    private final int[] byteIds;
    private final MergeTable merges;
    private final PreTokenizer pre;
    private final boolean ignoreMerges;
    private final AddedTokens allAdded, userAdded;
    private final int bos, eos, unk; // -1: none
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    private BpeTokenizer(String[] tokens, Map<String, Integer> ids, byte[] kinds, MergeTable merges, PreTokenizer pre,
                         boolean ignoreMerges, int bos, int eos, int unk) {
        this.tokens = tokens;
        this.ids = ids;
        this.kinds = kinds;
        this.merges = merges;
        this.pre = pre;
        this.ignoreMerges = ignoreMerges;
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        this.bytes = new byte[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            final byte[] b = kinds[i] == NORMAL ? ByteLevel.bytesOf(tokens[i]) : null;
            // HF's ByteLevel decoder falls back to a token's UTF-8 text when it is not all byte-level characters
            bytes[i] = b != null ? b : tokens[i].getBytes(StandardCharsets.UTF_8);
        }
        this.byteIds = new int[256];
        for (int b = 0; b < 256; b++) byteIds[b] = ids.getOrDefault(String.valueOf(ByteLevel.charOf(b)), -1);
        this.allAdded = AddedTokens.of(tokens, kinds, true);
        this.userAdded = AddedTokens.of(tokens, kinds, false);
    }

    /**
     * A tokenizer from GGUF metadata, without an unknown token (a byte missing from the vocabulary is an error).
     *
     * @see #of(List, List, String, int[], Integer, Integer, Integer)
     */
    public static BpeTokenizer of(List<String> tokens, List<String> merges, String pre, int[] tokenTypes, Integer bos, Integer eos) {
        return of(tokens, merges, pre, tokenTypes, bos, eos, null);
    }

    /**
     * A tokenizer from GGUF metadata.
     *
     * @param tokens     {@code tokenizer.ggml.tokens}: entry {@code i} is the spelling of id {@code i}, distinct
     * @param merges     {@code tokenizer.ggml.merges}: {@code "left right"}, highest priority first; both sides and
     *                   their concatenation must be tokens
     * @param pre        {@code tokenizer.ggml.pre}: "gpt2", "smollm", "llama3" or "llama-bpe" (the last two also
     *                   take whole pieces that are tokens before merging, as llama.cpp and HF do for Llama 3)
     * @param tokenTypes {@code tokenizer.ggml.token_type}, one per token, or null for all normal
     * @param bos        {@code tokenizer.ggml.bos_token_id}, or null
     * @param eos        {@code tokenizer.ggml.eos_token_id}, or null
     * @param unk        {@code tokenizer.ggml.unknown_token_id}, or null: the id a byte gets when the vocabulary has
     *                   no token for it (HF's BPE {@code unk_token}); without one such a byte is an error
     * @throws IllegalArgumentException naming the entry for duplicate or empty tokens, a malformed merge, a merge
     *                                  of or to an unknown token, a repeated merge, a types length mismatch, an
     *                                  unsupported type, an unknown pre-tokenizer or an id out of range
     */
    public static BpeTokenizer of(List<String> tokens, List<String> merges, String pre, int[] tokenTypes,
                                  Integer bos, Integer eos, Integer unk) {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(merges, "merges");
        final PreTokenizer p = PreTokenizer.named(pre);
        if (tokenTypes != null && tokenTypes.length != tokens.size()) {
            throw new IllegalArgumentException("tokenTypes has " + tokenTypes.length + " entries but there are " + tokens.size() + " tokens");
        }
        final byte[] kinds = new byte[tokens.size()];
        if (tokenTypes != null) {
            for (int i = 0; i < kinds.length; i++) kinds[i] = kindOfType(tokenTypes[i], i);
        }
        final List<String[]> pairs = new ArrayList<>(merges.size());
        for (int r = 0; r < merges.size(); r++) {
            final String m = merges.get(r);
            if (m == null) throw new IllegalArgumentException("merges[" + r + "] is null");
            final int space = m.indexOf(' ', 1);
            if (space < 0 || space == m.length() - 1 || m.indexOf(' ', space + 1) >= 0) {
                throw new IllegalArgumentException("merges[" + r + "] = '" + m + "' is not two tokens separated by one space");
            }
            pairs.add(new String[]{m.substring(0, space), m.substring(space + 1)});
        }
        return build("GGUF tokenizer", tokens, kinds, pairs, p, p == PreTokenizer.LLAMA3, bos, eos, unk);
    }

    /**
     * A tokenizer from a Hugging Face {@code tokenizer.json}: a BPE model (merges as {@code "a b"} strings or
     * {@code ["a", "b"]} pairs) with a ByteLevel decoder, no normalizer, and one of the pre-tokenizers
     * {@code ByteLevel(use_regex)} or {@code Split(GPT-2 regex)+ByteLevel} (gpt2),
     * {@code Sequence[Digits(individual_digits), ByteLevel(use_regex)]} (smollm) or
     * {@code Sequence[Split(Llama 3 regex), ByteLevel]} (llama3). Added tokens become control tokens if
     * {@code special}, user-defined otherwise. BOS and EOS come from a {@code tokenizer_config.json} in the same
     * directory, if there is one. The post-processor is not applied (encoding never adds BOS/EOS).
     *
     * @throws IllegalArgumentException naming the field for anything else, and for the errors of
     *                                  {@link #of(List, List, String, int[], Integer, Integer, Integer)}
     */
    public static BpeTokenizer fromTokenizerJson(Path path) throws IOException {
        return TokenizerJson.read(path);
    }

    /** Checks a vocabulary and builds the tokenizer; {@code source} names it in error messages. */
    static BpeTokenizer build(String source, List<String> tokenList, byte[] kinds, List<String[]> mergePairs,
                              PreTokenizer pre, boolean ignoreMerges, Integer bos, Integer eos, Integer unk) {
        final int n = tokenList.size();
        if (n == 0) throw new IllegalArgumentException(source + ": the vocabulary is empty");
        final String[] tokens = new String[n];
        final Map<String, Integer> ids = new HashMap<>(2 * n);
        for (int i = 0; i < n; i++) {
            final String t = tokenList.get(i);
            if (t == null || t.isEmpty()) throw new IllegalArgumentException(source + ": token " + i + " is " + (t == null ? "null" : "empty"));
            final Integer previous = ids.putIfAbsent(t, i);
            if (previous != null) throw new IllegalArgumentException(source + ": token '" + t + "' appears at ids " + previous + " and " + i);
            tokens[i] = t;
        }
        final MergeTable table = new MergeTable(mergePairs.size());
        for (int r = 0; r < mergePairs.size(); r++) {
            final String[] pair = mergePairs.get(r);
            final String what = source + ": merge " + r + " '" + pair[0] + " " + pair[1] + "'";
            final Integer left = ids.get(pair[0]), right = ids.get(pair[1]), merged = ids.get(pair[0] + pair[1]);
            if (left == null) throw new IllegalArgumentException(what + ": '" + pair[0] + "' is not a token");
            if (right == null) throw new IllegalArgumentException(what + ": '" + pair[1] + "' is not a token");
            if (merged == null) throw new IllegalArgumentException(what + ": the merged '" + pair[0] + pair[1] + "' is not a token");
            final int earlier = table.add(left, right, merged);
            if (earlier >= 0) throw new IllegalArgumentException(what + " repeats merge " + earlier);
        }
        return new BpeTokenizer(tokens, ids, kinds, table, pre, ignoreMerges,
                checkId(source, "bos", bos, n), checkId(source, "eos", eos, n), checkId(source, "unk", unk, n));
    }

    private static int checkId(String source, String name, Integer id, int n) {
        if (id == null) return -1;
        if (id < 0 || id >= n) throw new IllegalArgumentException(source + ": " + name + " id " + id + " is outside the vocabulary [0, " + n + ")");
        return id;
    }

    /** GGUF {@code llama_token_type}: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte. */
    private static byte kindOfType(int type, int id) {
        switch (type) {
            case 1: case 5: return NORMAL;
            case 2: case 3: return CONTROL;
            case 4: return USER_DEFINED;
            case 6: throw new IllegalArgumentException("tokenTypes[" + id + "] = 6 (byte) belongs to SentencePiece vocabularies, not byte-level BPE");
            default: throw new IllegalArgumentException("tokenTypes[" + id + "] = " + type + " is not a GGUF token type (1..6)");
        }
    }

    @Override
    public int[] encode(String text, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        checkSurrogates(text);
        final IntList out = new IntList(Math.max(16, text.length() / 3));
        final AddedTokens added = parseSpecial ? allAdded : userAdded;
        int start = 0;
        if (added != null) {
            for (int i = 0; i < text.length(); ) {
                final int id = added.match(text, i);
                if (id < 0) {
                    i++;
                    continue;
                }
                encodeOrdinary(text, start, i, out);
                out.add(id);
                i += tokens[id].length();
                start = i;
            }
        }
        encodeOrdinary(text, start, text.length(), out);
        return out.toArray();
    }

    private void encodeOrdinary(String text, int from, int to, IntList out) {
        if (from < to) pre.split(text, from, to, (t, s, e) -> encodePiece(t.substring(s, e), out));
    }

    private void encodePiece(String piece, IntList out) {
        final int[] hit = cache.get(piece);
        if (hit != null) {
            out.addAll(hit);
            return;
        }
        final int[] ids = bpe(piece);
        if (piece.length() < CACHE_MAX_CHARS && cache.size() < CACHE_ENTRIES) cache.put(piece, ids);
        out.addAll(ids);
    }

    /** The ids of one piece (package-private for tests). */
    int[] bpe(String piece) {
        final byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
        if (ignoreMerges) {
            final Integer whole = ids.get(ByteLevel.spell(utf8, 0, utf8.length));
            if (whole != null) return new int[]{whole};
        }
        return merge(symbols(utf8, piece), merges);
    }

    /** The same with the obviously correct quadratic merge loop, the oracle of the tests. */
    int[] bpeSlow(String piece) {
        final byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
        if (ignoreMerges) {
            final Integer whole = ids.get(ByteLevel.spell(utf8, 0, utf8.length));
            if (whole != null) return new int[]{whole};
        }
        return mergeSlow(symbols(utf8, piece), merges);
    }

    private int[] symbols(byte[] utf8, String piece) {
        final int[] sym = new int[utf8.length];
        for (int i = 0; i < sym.length; i++) {
            final int id = byteIds[utf8[i] & 0xFF];
            if (id >= 0) {
                sym[i] = id;
            } else if (unk >= 0) {
                sym[i] = unk;
            } else {
                throw new IllegalArgumentException(String.format("the vocabulary has no token for byte 0x%02X (in '%s') and no unknown token",
                        utf8[i] & 0xFF, piece.length() <= 40 ? piece : piece.substring(0, 40) + "…"));
            }
        }
        return sym;
    }

    /**
     * BPE on a doubly linked list of symbols with a min-heap of candidate merges keyed by (rank, position) packed in
     * a long. A popped candidate is stale if its left symbol was absorbed or its pair changed; then the pair's
     * current rank differs from the key's (spans only grow, so an unchanged rank means an unchanged pair).
     */
    static int[] merge(int[] sym, MergeTable merges) {
        final int n = sym.length;
        if (n < 2) return sym;
        final int[] c = sym.clone(), prev = new int[n], next = new int[n];
        final boolean[] gone = new boolean[n];
        final long[] heap = new long[3 * n]; // n-1 initial pairs plus at most 2 per merge
        int size = 0;
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            final int r = i + 1 < n ? merges.rank(c[i], c[i + 1]) : -1;
            if (r >= 0) size = push(heap, size, ((long) r << 32) | i);
        }
        while (size > 0) {
            final long top = heap[0];
            size = pop(heap, size);
            final int r = (int) (top >>> 32), p = (int) top;
            final int q = next[p];
            if (gone[p] || q < 0 || merges.rank(c[p], c[q]) != r) continue;
            c[p] = merges.merged(r);
            gone[q] = true;
            next[p] = next[q];
            if (next[q] >= 0) prev[next[q]] = p;
            if (prev[p] >= 0) {
                final int rl = merges.rank(c[prev[p]], c[p]);
                if (rl >= 0) size = push(heap, size, ((long) rl << 32) | prev[p]);
            }
            if (next[p] >= 0) {
                final int rr = merges.rank(c[p], c[next[p]]);
                if (rr >= 0) size = push(heap, size, ((long) rr << 32) | p);
            }
        }
        final IntList out = new IntList(n);
        for (int p = 0; p >= 0; p = next[p]) out.add(c[p]); // symbol 0 is never absorbed
        return out.toArray();
    }

    private static int push(long[] heap, int size, long key) {
        int i = size;
        while (i > 0) {
            final int parent = (i - 1) >>> 1;
            if (heap[parent] <= key) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = key;
        return size + 1;
    }

    private static int pop(long[] heap, int size) {
        final long last = heap[--size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) break;
            if (child + 1 < size && heap[child + 1] < heap[child]) child++;
            if (heap[child] >= last) break;
            heap[i] = heap[child];
            i = child;
        }
        if (size > 0) heap[i] = last;
        return size;
    }

    /** Repeatedly merges the adjacent pair of lowest rank, the leftmost among equals: O(n²) per piece. */
    static int[] mergeSlow(int[] sym, MergeTable merges) {
        final List<Integer> s = new ArrayList<>();
        for (int id : sym) s.add(id);
        while (true) {
            int best = -1, bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < s.size(); i++) {
                final int r = merges.rank(s.get(i), s.get(i + 1));
                if (r >= 0 && r < bestRank) {
                    best = i;
                    bestRank = r;
                }
            }
            if (best < 0) break;
            s.set(best, merges.merged(bestRank));
            s.remove(best + 1);
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void checkSurrogates(String text) {
        for (int i = 0; i < text.length(); i++) {
            final char ch = text.charAt(i);
            if (!Character.isSurrogate(ch)) continue;
            if (Character.isHighSurrogate(ch) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            throw new IllegalArgumentException(String.format("text has an unpaired surrogate U+%04X at index %d", (int) ch, i));
        }
    }

    @Override
    public String decode(int[] ids) {
        return utf8Lossy(decodeBytes(ids));
    }

    /**
     * UTF-8 with one U+FFFD for each maximal subpart of an ill-formed sequence (Unicode §3.9, "U+FFFD substitution of
     * maximal subparts"), as Rust's {@code String::from_utf8_lossy} in HF's decoder and Python's
     * {@code errors='replace'} do. (Java's own decoder replaces some sequences, e.g. encoded surrogates, differently.)
     * Well-formed sequences (Table 3-7): 00..7F; C2..DF 80..BF; E0 A0..BF 80..BF; E1..EC or EE..EF 80..BF 80..BF;
     * ED 80..9F 80..BF; F0 90..BF 80..BF 80..BF; F1..F3 80..BF ×3; F4 80..8F 80..BF 80..BF.
     */
    static String utf8Lossy(byte[] b) {
        final StringBuilder out = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            final int lead = b[i] & 0xFF;
            if (lead < 0x80) {
                out.append((char) lead);
                i++;
                continue;
            }
            final int need; // continuation bytes after the lead
            int lo = 0x80, hi = 0xBF; // the range of the first continuation byte
            if (lead >= 0xC2 && lead <= 0xDF) {
                need = 1;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                need = 2;
                if (lead == 0xE0) lo = 0xA0;
                if (lead == 0xED) hi = 0x9F;
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                need = 3;
                if (lead == 0xF0) lo = 0x90;
                if (lead == 0xF4) hi = 0x8F;
            } else {
                out.append('\uFFFD'); // 80..C1, F5..FF never start a sequence
                i++;
                continue;
            }
            int cp = lead & (0x3F >> need);
            int k = 1;
            for (; k <= need && i + k < b.length; k++) {
                final int c = b[i + k] & 0xFF;
                if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) break;
                cp = (cp << 6) | (c & 0x3F);
            }
            if (k <= need) {
                out.append('\uFFFD'); // the maximal subpart b[i, i+k) is replaced; b[i+k] starts afresh
            } else {
                out.appendCodePoint(cp);
            }
            i += k;
        }
        return out.toString();
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        Objects.requireNonNull(ids, "ids");
        int length = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= tokens.length) {
                throw new IllegalArgumentException("ids[" + i + "] = " + ids[i] + " is outside the vocabulary [0, " + tokens.length + ")");
            }
            length += bytes[ids[i]].length;
        }
        final byte[] out = new byte[length];
        int at = 0;
        for (int id : ids) {
            System.arraycopy(bytes[id], 0, out, at, bytes[id].length);
            at += bytes[id].length;
        }
        return out;
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public String token(int id) {
        if (id < 0 || id >= tokens.length) throw new IllegalArgumentException("id " + id + " is outside the vocabulary [0, " + tokens.length + ")");
        return tokens[id];
    }

    @Override
    public OptionalInt id(String token) {
        final Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public OptionalInt bos() {
        return bos < 0 ? OptionalInt.empty() : OptionalInt.of(bos);
    }

    @Override
    public OptionalInt eos() {
        return eos < 0 ? OptionalInt.empty() : OptionalInt.of(eos);
    }

    /** Whether an id is a control (or unknown) token, which generation loops usually stop at or hide. */
    public boolean isControl(int id) {
        token(id); // range check
        return kinds[id] == CONTROL;
    }

    PreTokenizer pre() {
        return pre;
    }

    /**
     * This tokenizer as a Hugging Face {@code tokenizer.json} (BPE model with every token in its vocabulary, merges
     * as pairs in rank order, control tokens as special added tokens and user-defined ones as non-special, the
     * pre-tokenizer in the form {@link #fromTokenizerJson} reads, a ByteLevel decoder, no post-processor): reading it
     * back with {@link #fromTokenizerJson} (and {@link #toTokenizerConfigJson}'s BOS/EOS) gives a tokenizer with the
     * same ids for every text.
     */
    public String toTokenizerJson() {
        return TokenizerJson.write(tokens, kinds, merges, pre, ignoreMerges, unk);
    }

    /**
     * A Hugging Face {@code tokenizer_config.json} naming the BOS, EOS and unknown tokens (when there are any) and,
     * if {@code chatTemplate} is not null, the chat template.
     */
    public String toTokenizerConfigJson(String chatTemplate) {
        return TokenizerJson.writeConfig(tokens, bos, eos, unk, chatTemplate);
    }

    boolean ignoresMerges() {
        return ignoreMerges;
    }

    @Override
    public String toString() {
        return "BpeTokenizer[" + tokens.length + " tokens, " + merges.size() + " merges, pre=" + pre.label + "]";
    }

    /** Added tokens of some kinds, matched longest first at each position. */
    private static final class AddedTokens {
        private final long[] firstChars = new long[1024]; // bit set over the 65536 chars
        private final Map<Character, int[]> byFirst; // ids, longest spelling first
        private final String[] tokens;

        private AddedTokens(String[] tokens, Map<Character, int[]> byFirst) {
            this.tokens = tokens;
            this.byFirst = byFirst;
            for (char c : byFirst.keySet()) firstChars[c >>> 6] |= 1L << c;
        }

        /** The matcher of user-defined tokens, and of control tokens too if {@code control}; null if there are none. */
        static AddedTokens of(String[] tokens, byte[] kinds, boolean control) {
            final Map<Character, List<Integer>> lists = new HashMap<>();
            for (int i = 0; i < tokens.length; i++) {
                if (kinds[i] == USER_DEFINED || (control && kinds[i] == CONTROL)) {
                    lists.computeIfAbsent(tokens[i].charAt(0), k -> new ArrayList<>()).add(i);
                }
            }
            if (lists.isEmpty()) return null;
            final Map<Character, int[]> byFirst = new HashMap<>();
            lists.forEach((c, l) -> byFirst.put(c, l.stream().sorted((a, b) -> tokens[b].length() - tokens[a].length())
                    .mapToInt(Integer::intValue).toArray()));
            return new AddedTokens(tokens, byFirst);
        }

        /** The id of the longest added token at {@code text[at..]}, or -1. */
        int match(String text, int at) {
            final char c = text.charAt(at);
            if ((firstChars[c >>> 6] & (1L << c)) == 0) return -1;
            for (int id : byFirst.get(c)) {
                if (text.startsWith(tokens[id], at)) return id;
            }
            return -1;
        }
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a;
        private int n;

        IntList(int capacity) {
            a = new int[Math.max(1, capacity)];
        }

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, 2 * a.length);
            a[n++] = v;
        }

        void addAll(int[] vs) {
            if (n + vs.length > a.length) a = Arrays.copyOf(a, Math.max(2 * a.length, n + vs.length));
            System.arraycopy(vs, 0, a, n, vs.length);
            n += vs.length;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
