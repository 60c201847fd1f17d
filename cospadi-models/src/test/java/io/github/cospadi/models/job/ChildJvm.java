package io.github.cospadi.models.job;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A child JVM on the test class path running a test's main class, for the tests that kill a process mid-job. */
final class ChildJvm {
    private ChildJvm() {}

    /** Starts {@code main} with {@code args}, this JVM's heap and module options, and stderr discarded. */
    static Process start(Class<?> main, String... args) throws IOException {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) if (a.startsWith("--add-modules") || a.startsWith("-Xmx")) cmd.add(a);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** The first line the child prints (it says when it has reached the point to test), waiting at most 60 s. */
    static String firstLine(Process p) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                return r.readLine();
            } catch (IOException e) {
                return "error " + e;
            }
        }).get(60, TimeUnit.SECONDS);
    }
}
