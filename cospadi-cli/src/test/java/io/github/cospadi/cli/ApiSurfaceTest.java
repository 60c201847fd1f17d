package io.github.cospadi.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The public API of cospadi-core and cospadi-models is exactly what docs/api.md lists: a public type that appears
 * without being listed (or a listed one that is gone) fails the build, so the API only changes on purpose.
 */
class ApiSurfaceTest {
    @Test
    void publicTypesAreExactlyTheListedOnes() throws Exception {
        final Set<String> found = new TreeSet<>();
        found.addAll(publicTypes(io.github.cospadi.Compressor.class));
        found.addAll(publicTypes(io.github.cospadi.models.CompressibleModel.class));
        final Set<String> listed = new TreeSet<>();
        final Matcher m = Pattern.compile("^- `(io\\.github\\.cospadi\\.[A-Za-z0-9_.$]+)`", Pattern.MULTILINE)
                .matcher(Files.readString(Path.of("..", "docs", "api.md")));
        while (m.find()) listed.add(m.group(1));
        final Set<String> unlisted = new TreeSet<>(found), gone = new TreeSet<>(listed);
        unlisted.removeAll(listed);
        gone.removeAll(found);
        assertEquals("", String.join("\n", unlisted), "public types missing from docs/api.md (list them there, or make them non-public)");
        assertEquals("", String.join("\n", gone), "types listed in docs/api.md that are not public types any more");
    }

    /** Binary names (Outer$Inner) of the public types, nested ones included, of the module holding {@code anchor}. */
    static List<String> publicTypes(Class<?> anchor) throws IOException, URISyntaxException, ClassNotFoundException {
        final Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        final List<String> names = new ArrayList<>();
        if (Files.isDirectory(location)) {
            collect(location, names);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                collect(jar.getPath("/"), names);
            }
        }
        final List<String> out = new ArrayList<>();
        for (String name : names) {
            final Class<?> c = Class.forName(name, false, anchor.getClassLoader());
            if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass()) continue;
            boolean visible = true;
            for (Class<?> k = c; k != null; k = k.getEnclosingClass()) visible &= Modifier.isPublic(k.getModifiers());
            if (visible) out.add(c.getName());
        }
        return out;
    }

    private static void collect(Path root, List<String> names) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> p.toString().endsWith(".class")).forEach(p -> {
                final String rel = root.relativize(p).toString().replace('\\', '/');
                if (rel.endsWith("package-info.class") || rel.endsWith("module-info.class")) return;
                names.add(rel.substring(0, rel.length() - ".class".length()).replace('/', '.'));
            });
        }
    }
}
