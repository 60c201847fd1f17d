package io.github.cospadi.models.tokenizer;

/**
 * The merge ranks of a BPE vocabulary: (left id, right id) → rank, and rank → merged id. Open addressing on the pair
 * packed into a long (left in the high half), linear probing, load factor at most 1/2.
 */
final class MergeTable {
    private static final long EMPTY = -1L; // no pair of non-negative ids packs to -1

    private final long[] keys;
    private final int[] ranks;
    private final int[] merged;
    private final int[] lefts, rights; // by rank, for export
    private final int shift;
    private int size;

    MergeTable(int capacity) {
        int slots = 2;
        while (slots < 2L * Math.max(1, capacity)) slots <<= 1;
        keys = new long[slots];
        java.util.Arrays.fill(keys, EMPTY);
        ranks = new int[slots];
        merged = new int[Math.max(1, capacity)];
        lefts = new int[merged.length];
        rights = new int[merged.length];
        shift = 64 - Integer.numberOfTrailingZeros(slots);
    }

    private static long pack(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** Adds the next merge (its rank is the number of merges added before it); returns the rank of an earlier equal pair, or -1. */
    int add(int left, int right, int result) {
        final long key = pack(left, right);
        final int mask = keys.length - 1;
        int s = slot(key);
        while (keys[s] != EMPTY) {
            if (keys[s] == key) return ranks[s];
            s = (s + 1) & mask;
        }
        keys[s] = key;
        ranks[s] = size;
        lefts[size] = left;
        rights[size] = right;
        merged[size++] = result;
        return -1;
    }

    /** The rank of merging {@code left} with {@code right}, or -1 if the pair never merges. */
    int rank(int left, int right) {
        final long key = pack(left, right);
        final int mask = keys.length - 1;
        int s = slot(key);
        while (true) {
            final long k = keys[s];
            if (k == key) return ranks[s];
            if (k == EMPTY) return -1;
            s = (s + 1) & mask;
        }
    }

    /** The id of the token that the merge of rank {@code rank} produces. */
    int merged(int rank) {
        return merged[rank];
    }

    /** The left id of the merge of rank {@code rank}. */
    int left(int rank) {
        return lefts[rank];
    }

    /** The right id of the merge of rank {@code rank}. */
    int right(int rank) {
        return rights[rank];
    }

    int size() {
        return size;
    }
}
