package io.github.cospadi.common;

/** A numerical failure during compression, for example a Gram matrix that stays indefinite after shifting. */
public class CompressionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CompressionException(String message) {
        super(message);
    }

    public CompressionException(String message, Throwable cause) {
        super(message, cause);
    }
}
