package io.github.cospadi;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packages of cospadi-core form a layering (docs/design.md §11): the import graph of the main sources has no
 * cycle, and {@code common} imports nothing else from cospadi. Read from the sources, so a new loop fails here with
 * the packages that form it.
 */
class PackageLayeringTest {
    private static final Path SOURCES = Path.of("src/main/java/io/github/cospadi");
    private static final Pattern PACKAGE = Pattern.compile("^package (io\\.github\\.cospadi[\\w.]*);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(io\\.github\\.cospadi(?:\\.[a-z]\\w*)*)\\.[A-Z]", Pattern.MULTILINE);
    private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.])(io\\.github\\.cospadi(?:\\.[a-z]\\w*)*)\\.[A-Z]\\w*");

    static Map<String, Set<String>> graph() throws IOException {
        final Map<String, Set<String>> edges = new TreeMap<>();
        final List<Path> files;
        try (Stream<Path> s = Files.walk(SOURCES)) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(files.size() > 50, "expected the core sources under " + SOURCES.toAbsolutePath() + ", found " + files.size());
        for (Path f : files) {
            final String text = Files.readString(f);
            final Matcher pm = PACKAGE.matcher(text);
            if (!pm.find()) continue;
            final String pkg = pm.group(1);
            final Set<String> out = edges.computeIfAbsent(pkg, k -> new TreeSet<>());
            // code only: drop comments so Javadoc links do not count as dependencies
            final String code = text.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
            for (Pattern p : List.of(IMPORT, QUALIFIED)) {
                final Matcher m = p.matcher(code);
                while (m.find()) if (!m.group(1).equals(pkg)) out.add(m.group(1));
            }
        }
        return edges;
    }

    @Test
    void corePackagesImportEachOtherWithoutCycles() throws IOException {
        final Map<String, Set<String>> g = graph();
        final List<String> cycles = new ArrayList<>();
        for (String start : g.keySet()) {
            final List<String> path = new ArrayList<>();
            path.add(start);
            findCycle(g, start, start, path, new TreeSet<>(), cycles);
        }
        assertEquals(List.of(), cycles, "package cycles in cospadi-core: " + cycles);
    }

    @Test
    void commonDependsOnNothingElseInCospadi() throws IOException {
        assertEquals(Set.of(), graph().get("io.github.cospadi.common"));
    }

    @Test
    void theFacadeIsNotImportedByTheNumericalPackages() throws IOException {
        final Map<String, Set<String>> g = graph();
        for (String pkg : List.of("calibration", "coding", "dictionary", "internal", "sparse", "common")) {
            final Set<String> deps = g.get("io.github.cospadi." + pkg);
            assertTrue(deps != null && !deps.contains("io.github.cospadi"), pkg + " imports the facade package: " + deps);
        }
    }

    private static void findCycle(Map<String, Set<String>> g, String start, String at, List<String> path, Set<String> seen,
                                  List<String> cycles) {
        for (String next : g.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                final List<String> cycle = new ArrayList<>(path);
                cycle.add(start);
                cycles.add(String.join(" -> ", cycle));
                return;
            }
            if (seen.add(next)) {
                path.add(next);
                findCycle(g, start, next, path, seen, cycles);
                path.remove(path.size() - 1);
            }
        }
    }
}
