package io.github.cospadi.models;

import io.github.cospadi.internal.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which projections of a model share one dictionary (docs/design.md §5.8):
 * <ul>
 *   <li>{@link #none()}: every projection alone (per-layer compression);</li>
 *   <li>{@link #pairs()}: Basis Sharing's protocol — layers (0, 1), (2, 3), … (a last odd layer alone); the q, k, v,
 *       gate and up projections of a pair shared by type (q of both layers, k of both, …), o and down per layer;</li>
 *   <li>{@link #pairsAll()}: the same pairs with every type shared, o and down too (docs/design.md §5.8);</li>
 *   <li>{@link #of}: groups given by projection name (e.g. from a JSON file, {@link #read}); projections not named
 *       stay alone.</li>
 * </ul>
 * {@link #groups} resolves a grouping on a model and checks it: every name exists and appears once, and the members
 * of a group have the same inFeatures — else an exception naming them. Immutable.
 */
public final class Grouping {
    /** Projection types Basis Sharing shares across a pair of layers (paper.md §5.2); o and down stay private. */
    private static final Set<String> SHARED_TYPES = Set.of("q_proj", "k_proj", "v_proj", "gate_proj", "up_proj");
    /** "(prefix)layers.(N).(rest)": the layer index of a projection name. */
    private static final Pattern LAYERED = Pattern.compile("^(.*layers\\.)(\\d+)(\\..*)$");

    private final String name;
    private final List<List<String>> explicit; // null for the named rules

    private Grouping(String name, List<List<String>> explicit) {
        this.name = name;
        this.explicit = explicit;
    }

    /** Every projection alone. */
    public static Grouping none() {
        return new Grouping("none", null);
    }

    /** Basis Sharing's pairs of consecutive layers (q, k, v, gate, up shared by type; o, down alone). */
    public static Grouping pairs() {
        return new Grouping("pairs", null);
    }

    /** Pairs of consecutive layers with every projection type shared by type (o and down too). */
    public static Grouping pairsAll() {
        return new Grouping("pairs-all", null);
    }

    /**
     * Groups by projection name (a name with or without the {@code .weight} suffix); names not listed stay alone.
     *
     * @throws IllegalArgumentException for an empty group or a name listed twice
     */
    public static Grouping of(List<List<String>> groups) {
        Objects.requireNonNull(groups, "groups");
        final List<List<String>> copy = new ArrayList<>();
        final Set<String> seen = new java.util.HashSet<>();
        for (int g = 0; g < groups.size(); g++) {
            final List<String> group = List.copyOf(Objects.requireNonNull(groups.get(g), "groups[" + g + "]"));
            if (group.isEmpty()) throw new IllegalArgumentException("groups[" + g + "] is empty");
            for (String n : group) {
                if (!seen.add(n)) throw new IllegalArgumentException("projection '" + n + "' is listed twice (groups[" + g + "])");
            }
            copy.add(group);
        }
        return new Grouping("groups", List.copyOf(copy));
    }

    /**
     * Reads user groups from a JSON file: a list of lists of projection names, e.g.
     * {@code [["model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj"]]}.
     *
     * @throws IOException              when the file cannot be read
     * @throws IllegalArgumentException naming the file and the element that is not a list of strings
     */
    public static Grouping read(Path file) throws IOException {
        return parseGroups(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /**
     * The grouping a {@link #spec} names: {@code none}, {@code pairs}, {@code pairs-all}, or a JSON list of lists of projection names;
     * {@code source} names the text in messages.
     *
     * @throws IllegalArgumentException for anything else, naming {@code source}
     */
    public static Grouping parse(String spec, String source) {
        Objects.requireNonNull(spec, "spec");
        if (spec.equals("none")) return none();
        if (spec.equals("pairs")) return pairs();
        if (spec.equals("pairs-all")) return pairsAll();
        if (!spec.startsWith("[")) throw new IllegalArgumentException(source + ": grouping must be none, pairs, pairs-all or a JSON list of projection-name groups, got '" + spec + "'");
        return parseGroups(spec, source);
    }

    /** {@code none}, {@code pairs}, {@code pairs-all}, or the user groups as compact JSON (what {@link #parse} reads back). */
    public String spec() {
        if (explicit == null) return name;
        final StringBuilder b = new StringBuilder("[");
        for (int g = 0; g < explicit.size(); g++) {
            if (g > 0) b.append(',');
            b.append('[');
            for (int i = 0; i < explicit.get(g).size(); i++) {
                if (i > 0) b.append(',');
                io.github.cospadi.internal.JsonStrings.quote(b, explicit.get(g).get(i));
            }
            b.append(']');
        }
        return b.append(']').toString();
    }

    private static Grouping parseGroups(String text, String file) {
        final Object root = JsonParser.parse(text, file);
        if (!(root instanceof List)) throw new IllegalArgumentException(file + ": expected a JSON list of lists of projection names");
        final List<List<String>> groups = new ArrayList<>();
        final List<?> list = (List<?>) root;
        for (int g = 0; g < list.size(); g++) {
            if (!(list.get(g) instanceof List)) throw new IllegalArgumentException(file + ": element " + g + " is not a list of projection names");
            final List<String> group = new ArrayList<>();
            for (Object o : (List<?>) list.get(g)) {
                if (!(o instanceof String)) throw new IllegalArgumentException(file + ": element " + g + " holds " + o + ", not a projection name");
                group.add((String) o);
            }
            groups.add(group);
        }
        try {
            return of(groups);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** "none", "pairs", "pairs-all" or "groups". */
    public String name() {
        return name;
    }

    /**
     * The groups of {@code model}'s projections (all of them, each exactly once; groups in the order of their first
     * member, members in the model's order for the named rules and as listed for user groups).
     *
     * @throws IllegalArgumentException for an unknown projection name, or a group whose members' inFeatures differ
     *                                  (naming the members and their sizes)
     */
    public List<List<String>> groups(ProjectionWeights model) {
        return groups(model.projections(), "model '" + model.name() + "'");
    }

    /**
     * {@link #groups(ProjectionWeights)} over a list of projections (e.g. the tensors of a checkpoint), in its order;
     * {@code source} names them in messages.
     */
    public List<List<String>> groups(List<Projection> projections, String source) {
        final Map<String, Projection> byName = new LinkedHashMap<>();
        for (Projection p : projections) byName.put(p.name(), p);
        final Map<String, List<String>> keyed = new LinkedHashMap<>();
        if (explicit != null) {
            final Map<String, Integer> owner = new HashMap<>();
            for (int g = 0; g < explicit.size(); g++) {
                for (String n : explicit.get(g)) {
                    final String resolved = resolve(byName, n, source);
                    if (owner.put(resolved, g) != null) {
                        throw new IllegalArgumentException("projection '" + resolved + "' is listed twice");
                    }
                }
            }
            final Map<Integer, List<String>> groups = new LinkedHashMap<>();
            for (String p : byName.keySet()) {
                final Integer g = owner.get(p);
                if (g == null) {
                    keyed.put(p, new ArrayList<>(List.of(p)));
                } else if (!groups.containsKey(g)) {
                    final List<String> members = new ArrayList<>();
                    for (String n : explicit.get(g)) members.add(resolve(byName, n, source));
                    groups.put(g, members);
                    keyed.put("#" + g, members);
                }
            }
        } else {
            for (String p : byName.keySet()) {
                String key = p;
                if (name.equals("pairs") || name.equals("pairs-all")) {
                    final Matcher m = LAYERED.matcher(p);
                    final String bare = p.endsWith(".weight") ? p.substring(0, p.length() - ".weight".length()) : p;
                    final String type = bare.substring(bare.lastIndexOf('.') + 1);
                    if (m.matches() && (name.equals("pairs-all") || SHARED_TYPES.contains(type))) {
                        key = m.group(1) + "pair-" + Integer.parseInt(m.group(2)) / 2 + m.group(3);
                    }
                }
                keyed.computeIfAbsent(key, x -> new ArrayList<>()).add(p);
            }
        }
        final List<List<String>> out = new ArrayList<>();
        for (List<String> g : keyed.values()) {
            final Projection first = byName.get(g.get(0));
            for (String n : g) {
                final Projection p = byName.get(n);
                if (p.inFeatures() != first.inFeatures()) {
                    throw new IllegalArgumentException("group " + g + " mixes input sizes: '" + first.name() + "' has inFeatures="
                            + first.inFeatures() + ", '" + p.name() + "' has inFeatures=" + p.inFeatures()
                            + "; the members of a shared dictionary must have the same input size");
                }
            }
            out.add(List.copyOf(g));
        }
        return List.copyOf(out);
    }

    private static String resolve(Map<String, Projection> byName, String name, String source) {
        if (byName.containsKey(name)) return name;
        if (byName.containsKey(name + ".weight")) return name + ".weight";
        throw new IllegalArgumentException(source + " has no projection '" + name + "'");
    }

    @Override
    public String toString() {
        return explicit == null ? "Grouping[" + name + "]" : "Grouping" + explicit;
    }
}
