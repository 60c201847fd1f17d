package io.github.cospadi.models.tokenizer;

import java.util.OptionalInt;

/**
 * Text to token ids and back, for one model's vocabulary of ids {@code 0 .. vocabSize()-1}. Implementations are
 * immutable and safe to share between threads.
 *
 * <p>Encoding never adds BOS or EOS: a caller whose model wants them prepends {@link #bos()} itself. Special tokens
 * written in the text (e.g. {@code "<|im_start|>"}) become their ids, as HF {@code tokenizers} does; use
 * {@link #encode(String, boolean)} with {@code false} for untrusted text that must not produce control tokens.
 */
public interface Tokenizer {
    /** The ids of {@code text}, with the special tokens written in it recognised; never adds BOS or EOS. */
    default int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * The ids of {@code text}. With {@code parseSpecial} false, control tokens written in the text are encoded as
     * ordinary text (user-defined added tokens are still recognised), like llama.cpp's {@code parse_special=false}
     * and HF's {@code encode_special_tokens=True}.
     *
     * @throws IllegalArgumentException if the text has an unpaired surrogate, or needs a byte the vocabulary lacks
     *                                  and there is no unknown token
     */
    int[] encode(String text, boolean parseSpecial);

    /**
     * The text of {@code ids}, special tokens included: their bytes decoded as UTF-8, each maximal invalid subsequence
     * replaced by U+FFFD.
     */
    String decode(int[] ids);

    /** The raw bytes of {@code ids}, for streaming output that may stop inside a UTF-8 sequence. */
    byte[] decodeBytes(int[] ids);

    /** The number of ids. */
    int vocabSize();

    /** The vocabulary entry of an id, as the model files spell it (a byte-level vocabulary writes a space as 'Ġ'). */
    String token(int id);

    /** The id of a vocabulary entry spelled as {@link #token(int)} returns it, if there is one. */
    OptionalInt id(String token);

    /** The beginning-of-sequence id, if the model has one. */
    OptionalInt bos();

    /** The end-of-sequence id, if the model has one. */
    OptionalInt eos();
}
