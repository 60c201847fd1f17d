package io.github.cospadi.cli;

import io.github.cospadi.io.DType;
import io.github.cospadi.io.GgufFile;
import io.github.cospadi.io.GgufTensor;
import io.github.cospadi.io.SafeTensorsWriter;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code cospadi gguf-dump}: every tensor of a GGUF file dequantized to F32 in a safetensors file, under its GGUF
 * name, with its shape in PyTorch order (the GGUF dims reversed: a linear weight {@code ne0 = in, ne1 = out} becomes
 * {@code [out, in]}). Tensors are dequantized one at a time while the file is written.
 */
final class GgufDumpCommand implements Command {
    @Override
    public String summary() {
        return "dequantize every tensor of a GGUF file to an F32 safetensors file (PyTorch shapes)";
    }

    @Override
    public String usage() {
        return "--model FILE.gguf --out FILE.safetensors";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        final Path model = o.path("model");
        final Path target = o.path("out");
        o.finish();
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("--model: no such file " + model);
        final long start = System.nanoTime();
        long elements = 0;
        try (GgufFile gguf = GgufFile.open(model)) {
            final SafeTensorsWriter w = new SafeTensorsWriter();
            w.metadata("format", "pt").metadata("source", model.getFileName().toString());
            for (GgufTensor t : gguf.tensors()) {
                w.add(t.name(), DType.F32, t.torchShape(), () -> gguf.readFloats(t.name()));
                elements += t.elements();
            }
            w.write(target);
            out.printf(Locale.ROOT, "%s: %d tensors, %d elements as F32 in %.2f s%n", target, gguf.tensors().size(), elements,
                    (System.nanoTime() - start) * 1e-9);
        }
        return 0;
    }
}
