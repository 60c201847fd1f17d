package io.github.cospadi.cli;

import io.github.cospadi.models.bert.WordPieceTokenizer;
import io.github.cospadi.models.onnx.OnnxModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Where the demo's sentence encoder comes from, and the name its results carry:
 * <ul>
 *   <li>no {@code --model}: all-MiniLM-L6-v2 from the LangChain4j jar on the class path (a dependency of cospadi-cli);
 *   <li>{@code --model X.jar}: a model jar in LangChain4j's form, holding exactly one {@code .onnx} entry and its
 *       {@code *tokenizer.json} ({@code --tokenizer JSON} replaces the latter);
 *   <li>{@code --model X.onnx --tokenizer Y.json}: the two files.
 * </ul>
 * The display name is {@code --name} when given, else the ONNX file's (or jar entry's) base name, e.g.
 * {@code all-minilm-l6-v2} for {@code all-minilm-l6-v2.onnx}; a generic {@code model.onnx} is named after its jar, or
 * after its folder (skipping a folder named {@code onnx}, the Hugging Face export layout).
 */
final class EncoderSource {
    /** The name of the default model, as its model card spells it. */
    static final String DEFAULT_NAME = "all-MiniLM-L6-v2";
    /** Entries listed in an error about a jar's content before "… and N more". */
    private static final int LISTED = 20;

    /** A loaded encoder: its display name, where it was read from, the ONNX graph and the tokenizer. */
    record Loaded(String name, String source, OnnxModel onnx, WordPieceTokenizer tokenizer) {}

    /** The entries chosen in a model jar: the ONNX model and the tokenizer (null when {@code --tokenizer} replaces it). */
    record JarEntries(String onnx, String tokenizer) {}

    private EncoderSource() {}

    /**
     * Loads the encoder the options name ({@code model}, {@code tokenizer}, {@code name} may each be null). Misused
     * options throw {@link Options.UsageException}; a missing or unusable file an {@link IllegalArgumentException} or
     * {@link IOException} naming it.
     */
    static Loaded load(String model, String tokenizer, String name) throws IOException {
        if (model == null) {
            if (tokenizer != null) throw new Options.UsageException("--tokenizer needs --model (an ONNX file)");
            try (InputStream onnx = resource("/all-minilm-l6-v2.onnx"); InputStream tok = resource("/all-minilm-l6-v2-tokenizer.json")) {
                return new Loaded(name != null ? name : DEFAULT_NAME, "the LangChain4j all-MiniLM-L6-v2 jar on the class path",
                        OnnxModel.read(onnx, "all-minilm-l6-v2.onnx"), WordPieceTokenizer.read(tok, "all-minilm-l6-v2-tokenizer.json"));
            }
        }
        final Path modelPath = Path.of(model);
        if (!Files.isRegularFile(modelPath)) throw new IllegalArgumentException("--model: no such file " + model);
        final Path tokenizerPath = tokenizer == null ? null : Path.of(tokenizer);
        if (tokenizerPath != null && !Files.isRegularFile(tokenizerPath)) throw new IllegalArgumentException("--tokenizer: no such file " + tokenizer);
        if (isZip(modelPath)) return loadJar(modelPath, tokenizerPath, name);
        if (model.toLowerCase(Locale.ROOT).endsWith(".jar") || model.toLowerCase(Locale.ROOT).endsWith(".zip")) {
            throw new IllegalArgumentException("--model " + model + " is not a jar (zip) file");
        }
        if (tokenizerPath == null) {
            throw new Options.UsageException("--model " + model + " (an ONNX file) needs --tokenizer JSON; a model jar carries its own");
        }
        return new Loaded(name != null ? name : displayName(modelPath.toString(), folderName(modelPath)), model,
                OnnxModel.read(modelPath), WordPieceTokenizer.read(tokenizerPath));
    }

    private static Loaded loadJar(Path jar, Path tokenizerPath, String name) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            final List<String> names = new ArrayList<>();
            zip.stream().filter(e -> !e.isDirectory()).forEach(e -> names.add(e.getName()));
            final JarEntries chosen = choose(jar.toString(), names, tokenizerPath == null);
            final OnnxModel onnx;
            try (InputStream in = zip.getInputStream(zip.getEntry(chosen.onnx()))) {
                onnx = OnnxModel.read(in, jar + "!/" + chosen.onnx());
            }
            final WordPieceTokenizer tokenizer;
            if (tokenizerPath != null) {
                tokenizer = WordPieceTokenizer.read(tokenizerPath);
            } else {
                final ZipEntry entry = zip.getEntry(chosen.tokenizer());
                try (InputStream in = zip.getInputStream(entry)) {
                    tokenizer = WordPieceTokenizer.read(in, jar + "!/" + chosen.tokenizer());
                }
            }
            final String jarName = baseName(jar.getFileName().toString());
            return new Loaded(name != null ? name : displayName(chosen.onnx(), jarName), jar + "!/" + chosen.onnx()
                    + (tokenizerPath != null ? " with " + tokenizerPath : ""), onnx, tokenizer);
        } catch (ZipException e) {
            throw new IOException("--model " + jar + ": unreadable jar: " + e.getMessage(), e);
        }
    }

    /**
     * Chooses, among a jar's file entries, the one {@code .onnx} model and (when {@code needsTokenizer}) its
     * {@code *tokenizer.json}: the only one, else the one named after the model ({@code X-tokenizer.json} or
     * {@code X_tokenizer.json} for {@code X.onnx}) or {@code tokenizer.json} in the model's folder. Throws an
     * {@link IllegalArgumentException} listing what the jar holds when there is no or more than one model, or no
     * tokenizer to choose.
     */
    static JarEntries choose(String jar, List<String> entries, boolean needsTokenizer) {
        final List<String> models = new ArrayList<>(), tokenizers = new ArrayList<>();
        for (String e : entries) {
            final String lower = e.toLowerCase(Locale.ROOT);
            if (lower.endsWith("/")) continue;
            if (lower.endsWith(".onnx")) models.add(e);
            if (fileName(lower).endsWith("tokenizer.json")) tokenizers.add(e);
        }
        Collections.sort(models);
        Collections.sort(tokenizers);
        if (models.isEmpty()) {
            throw new IllegalArgumentException("--model " + jar + " holds no .onnx model; its " + entries.size() + " entries: " + list(entries));
        }
        if (models.size() > 1) {
            throw new IllegalArgumentException("--model " + jar + " holds " + models.size() + " .onnx models (" + list(models)
                    + "); extract the one to use and pass --model FILE.onnx --tokenizer FILE.json");
        }
        final String onnx = models.get(0);
        if (!needsTokenizer) return new JarEntries(onnx, null);
        if (tokenizers.isEmpty()) {
            throw new IllegalArgumentException("--model " + jar + " holds " + onnx + " but no *tokenizer.json; pass --tokenizer JSON (its entries: "
                    + list(entries) + ")");
        }
        if (tokenizers.size() == 1) return new JarEntries(onnx, tokenizers.get(0));
        final String stem = onnx.substring(0, onnx.length() - ".onnx".length());
        final String folder = onnx.contains("/") ? onnx.substring(0, onnx.lastIndexOf('/') + 1) : "";
        for (String candidate : List.of(stem + "-tokenizer.json", stem + "_tokenizer.json", folder + "tokenizer.json")) {
            for (String t : tokenizers) if (t.equalsIgnoreCase(candidate)) return new JarEntries(onnx, t);
        }
        throw new IllegalArgumentException("--model " + jar + " holds " + tokenizers.size() + " *tokenizer.json (" + list(tokenizers)
                + ") and none is named after " + onnx + "; pass --tokenizer JSON");
    }

    /**
     * The display name of a model file: its base name without the extension, or {@code otherwise} when that is the
     * generic "model".
     */
    static String displayName(String file, String otherwise) {
        final String base = baseName(fileName(file));
        return base.isEmpty() || base.equalsIgnoreCase("model") ? otherwise : base;
    }

    /** The folder an ONNX file is named after: its parent, or the grandparent when the parent is "onnx". */
    private static String folderName(Path onnx) {
        Path dir = onnx.toAbsolutePath().normalize().getParent();
        if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equalsIgnoreCase("onnx")) dir = dir.getParent();
        return dir == null || dir.getFileName() == null ? "model" : dir.getFileName().toString();
    }

    private static String fileName(String entry) {
        final int slash = Math.max(entry.lastIndexOf('/'), entry.lastIndexOf(java.io.File.separatorChar));
        return entry.substring(slash + 1);
    }

    private static String baseName(String fileName) {
        final int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    private static String list(List<String> names) {
        final List<String> shown = names.subList(0, Math.min(LISTED, names.size()));
        return String.join(", ", shown) + (names.size() > LISTED ? " … and " + (names.size() - LISTED) + " more" : "");
    }

    private static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            final byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        }
    }

    private static InputStream resource(String name) throws IOException {
        final InputStream in = EncoderSource.class.getResourceAsStream(name);
        if (in == null) throw new IOException("resource " + name + " not on the class path (the MiniLM dependency of cospadi-cli is missing)");
        return in;
    }
}
