package io.github.cospadi.models.job;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 helpers of the job files. */
final class Checksums {
    private Checksums() {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    static String hex(byte[] digest) {
        final StringBuilder b = new StringBuilder(digest.length * 2);
        for (byte x : digest) b.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
        return b.toString();
    }

    /** SHA-256 of a stream's remaining bytes (not closed here). */
    static String of(InputStream in) throws IOException {
        final MessageDigest md = sha256();
        final byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        return hex(md.digest());
    }

    static String of(byte[] bytes) {
        return hex(sha256().digest(bytes));
    }
}
