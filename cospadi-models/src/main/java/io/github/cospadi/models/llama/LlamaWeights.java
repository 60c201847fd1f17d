package io.github.cospadi.models.llama;

import io.github.cospadi.io.GgufFile;
import io.github.cospadi.io.GgufTensor;
import io.github.cospadi.io.SafeTensors;
import io.github.cospadi.io.TensorInfo;
import io.github.cospadi.models.Projection;
import io.github.cospadi.models.ProjectionWeights;
import org.ejml.data.FMatrixRMaj;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The projection weights of a Llama checkpoint on disk, decoded one tensor per {@link #weight} call: what a compression
 * task reads instead of the whole {@link LlamaModel} (for Llama-3-70B, one projection's float32 weight, at most 0.94 GB,
 * instead of 280 GB). Opening reads the header only (the GGUF metadata and tensor infos, or the safetensors header and
 * {@code config.json}) and checks every projection's tensor against the configuration: present, a floating or
 * dequantizable type, the shape {@link #projections()} gives. No tensor is held; a weight is read from the file (GGUF
 * memory-mapped per tensor, safetensors in chunks) when it is asked for.
 *
 * <p>The weights are bit-identical to {@link LlamaModel#weight} of the model {@link io.github.cospadi.models.Models#load}
 * loads from the same path, and {@link #name()} and {@link #projections()} equal its: both decode through the same
 * code (for GGUF, the dequantization and the un-permutation of the Q and K rows, {@link LlamaGguf}).
 *
 * <p>Thread-safe: {@link #weight} may be called concurrently (GGUF reads run in parallel, safetensors reads one at a
 * time). {@link #close()} releases the file; later reads fail.
 */
public final class LlamaWeights implements ProjectionWeights, AutoCloseable {
    private final Path file;
    private final String name;
    private final LlamaConfig config;
    private final List<Projection> projections;
    private final Map<String, Integer> index = new HashMap<>(); // projection → its position in projections
    private final GgufFile gguf;               // null for a Hugging Face folder
    private final SafeTensors safetensors;     // null for a GGUF file; guarded by itself

    private LlamaWeights(Path file, String name, LlamaConfig config, GgufFile gguf, SafeTensors safetensors) {
        this.file = file;
        this.name = name;
        this.config = config;
        this.gguf = gguf;
        this.safetensors = safetensors;
        this.projections = LlamaModel.projections(config);
        for (int i = 0; i < projections.size(); i++) index.put(projections.get(i).name(), i);
    }

    /**
     * Opens a Llama GGUF file (the files {@link LlamaGguf#load} reads) and checks its projections' tensors.
     *
     * @throws IOException              for a file that is not GGUF, or truncated (naming the file and the tensor)
     * @throws IllegalArgumentException for another architecture, or a missing projection tensor, or one of the wrong
     *                                  shape or an unsupported type (naming the file and the tensor)
     */
    public static LlamaWeights gguf(Path file) throws IOException {
        final GgufFile f = GgufFile.open(file);
        try {
            final String where = file.toString();
            LlamaConfig.requireSupported(f.string("general.architecture"), where);
            final LlamaWeights w = new LlamaWeights(file, LlamaGguf.name(file), LlamaGguf.config(f, where), f, null);
            for (int i = 0; i < w.projections.size(); i++) {
                final Projection p = w.projections.get(i);
                final GgufTensor t = f.tensor(w.tensor(i));
                if (!t.type().isDequantizable()) {
                    throw new IllegalArgumentException(where + ": tensor '" + t.name() + "' has type " + t.type()
                            + ", which cospadi cannot dequantize");
                }
                // GGUF dims are innermost first: ne0 = inFeatures, ne1 = outFeatures
                if (t.rank() != 2 || t.dims()[0] != p.inFeatures() || t.dims()[1] != p.outFeatures()) {
                    throw new IllegalArgumentException(where + ": tensor '" + t.name() + "' has dims " + Arrays.toString(t.dims())
                            + ", the configuration expects [" + p.inFeatures() + ", " + p.outFeatures() + "] for '" + p.name() + "'");
                }
            }
            return w;
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * Opens a Hugging Face folder ({@code config.json} + {@code model.safetensors}, as {@link LlamaModel#load} reads it)
     * and checks its projections' tensors.
     *
     * @throws IOException              for a missing, corrupt or truncated file (naming the file and the tensor)
     * @throws IllegalArgumentException for a missing projection tensor, or one of the wrong shape or a non-floating
     *                                  type (naming the file and the tensor)
     */
    public static LlamaWeights folder(Path dir) throws IOException {
        final LlamaConfig config = LlamaConfig.read(dir.resolve("config.json"));
        final Path file = dir.resolve("model.safetensors");
        final SafeTensors st = SafeTensors.open(file);
        try {
            final LlamaWeights w = new LlamaWeights(file, dir.getFileName().toString(), config, null, st);
            for (Projection p : w.projections) {
                final TensorInfo t = st.info(p.name());
                if (!t.dtype().isFloating()) {
                    throw new IllegalArgumentException(file + ": tensor '" + p.name() + "' has dtype " + t.dtype() + ", not a floating type");
                }
                final long[] shape = t.shape();
                if (shape.length != 2 || shape[0] != p.outFeatures() || shape[1] != p.inFeatures()) {
                    throw new IllegalArgumentException(file + ": tensor '" + p.name() + "' has shape " + Arrays.toString(shape)
                            + ", the configuration expects [" + p.outFeatures() + ", " + p.inFeatures() + "]");
                }
            }
            return w;
        } catch (RuntimeException e) {
            st.close();
            throw e;
        }
    }

    /** The file the weights are read from (the GGUF file, or the folder's {@code model.safetensors}). */
    public Path file() {
        return file;
    }

    /** The model's name: the GGUF file name without {@code .gguf}, or the folder's name (as the loaded model's). */
    @Override
    public String name() {
        return name;
    }

    /** The configuration (from the GGUF metadata, or {@code config.json}). */
    public LlamaConfig config() {
        return config;
    }

    @Override
    public List<Projection> projections() {
        return projections;
    }

    /**
     * Reads and decodes the projection's tensor (for GGUF: dequantized, and for Q and K the rows put back in the
     * Hugging Face order), a fresh matrix.
     *
     * @throws IllegalArgumentException when there is no projection of that name
     * @throws IOException              when the read fails (the file changed or was closed), naming the file and the
     *                                  tensor
     */
    @Override
    public FMatrixRMaj weight(String projection) throws IOException {
        final Integer i = index.get(projection);
        if (i == null) throw new IllegalArgumentException("model '" + name + "' has no projection '" + projection + "'");
        final String tensor = tensor(i);
        try {
            if (gguf != null) {
                final int layer = i / LlamaModel.PROJECTIONS.size();
                return LlamaGguf.readProjection(gguf, config, layer, LlamaModel.PROJECTIONS.get(i % LlamaModel.PROJECTIONS.size()));
            }
            synchronized (safetensors) {
                return safetensors.readFloat(tensor);
            }
        } catch (IOException e) {
            final String m = e.getMessage() == null ? e.toString() : e.getMessage();
            if (m.contains(file.toString()) && m.contains("'" + tensor + "'")) throw e;
            final String cause = m.startsWith(file + ": ") ? m.substring(file.toString().length() + 2) : m;
            throw new IOException(file + ": reading tensor '" + tensor + "' failed: " + cause, e);
        }
    }

    /** The file's tensor name of projection {@code i}. */
    private String tensor(int i) {
        if (gguf == null) return projections.get(i).name();
        return LlamaGguf.tensorName(i / LlamaModel.PROJECTIONS.size(), LlamaModel.PROJECTIONS.get(i % LlamaModel.PROJECTIONS.size()));
    }

    /** Releases the file. */
    @Override
    public void close() throws IOException {
        if (gguf != null) gguf.close();
        else safetensors.close();
    }

    @Override
    public String toString() {
        return "LlamaWeights[" + file + ", " + projections.size() + " projections]";
    }
}
