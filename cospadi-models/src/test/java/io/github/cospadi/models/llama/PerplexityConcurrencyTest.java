package io.github.cospadi.models.llama;

import io.github.cospadi.common.Parallelism;
import io.github.cospadi.models.text.Perplexity;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/** {@link Perplexity#evaluate(io.github.cospadi.models.LanguageModel, List, int, Perplexity.Progress)}: the score does not depend on how many windows run at once. */
class PerplexityConcurrencyTest {
    static LongStream seeds() {
        return LongStream.range(1, 7);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void concurrentWindowsGiveTheSameScore(long seed) {
        final LlamaModel m = TinyLlamas.random(TinyLlamas.config(seed % 2 == 0), seed, null, Parallelism.threads(2));
        final SplittableRandom r = new SplittableRandom(seed);
        final List<int[]> windows = new ArrayList<>();
        for (int i = 0; i < 3 + r.nextInt(6); i++) windows.add(TinyLlamas.tokens(2 + r.nextInt(20), 256, r));
        final Perplexity.Score one = Perplexity.evaluate(m, windows, null);
        final List<Integer> heard = new ArrayList<>();
        final Perplexity.Score three = Perplexity.evaluate(m, windows, 3, (done, total) -> heard.add(done) || true);
        assertEquals(one.nats(), three.nats(), 0.0, "seed " + seed);
        assertEquals(one.tokens(), three.tokens(), "seed " + seed);
        assertEquals(one.bytes(), three.bytes(), "seed " + seed);
        for (int i = 0; i < heard.size(); i++) assertEquals(i + 1, heard.get(i), "seed " + seed + ": progress in window order");
        assertEquals(windows.size(), heard.size(), "seed " + seed);
        assertThrows(java.util.concurrent.CancellationException.class, () -> Perplexity.evaluate(m, windows, 2, (done, total) -> false),
                "seed " + seed + ": a listener returning false cancels");
    }
}
