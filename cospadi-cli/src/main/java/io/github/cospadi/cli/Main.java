package io.github.cospadi.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/** Entry point of the {@code ./cospadi} launcher: {@code cospadi <command> [options]}. */
public final class Main {
    private Main() {}

    /** The registered commands, in the order {@code cospadi help} lists them. */
    static Map<String, Command> commands() {
        final Map<String, Command> commands = new LinkedHashMap<>();
        // one line per command; keep this list sorted by the order users meet them
        commands.put("demo", new DemoCommand());
        commands.put("layers", new LayersCommand());
        commands.put("compress", new CompressModelCommand(false));
        commands.put("plan", new PlanCommand());
        commands.put("perplexity", new PerplexityCommand());
        commands.put("generate", new GenerateCommand());
        commands.put("capture-grams", new CompressModelCommand(true));
        commands.put("tokenize", new TokenizeCommand());
        commands.put("bench-matrix", new BenchMatrixCommand());
        commands.put("bench-omp", new BenchOmpCommand());
        commands.put("bench-kernel", new BenchKernelCommand());
        commands.put("gguf-info", new GgufInfoCommand());
        commands.put("gguf-dump", new GgufDumpCommand());
        return commands;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        final Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            out.println("usage: cospadi <command> [options]\n\ncommands:");
            commands.forEach((name, c) -> out.printf("  %-14s %s%n", name, c.summary()));
            return args.length == 0 ? 2 : 0;
        }
        final Command command = commands.get(args[0]);
        if (command == null) {
            err.println("cospadi: unknown command '" + args[0] + "'; run 'cospadi help'");
            return 2;
        }
        final String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        try {
            return command.run(Options.parse(rest), out, err);
        } catch (Options.UsageException e) {
            err.println("cospadi " + args[0] + ": " + e.getMessage());
            err.println("usage: cospadi " + args[0] + " " + command.usage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("cospadi " + args[0] + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("cospadi " + args[0] + ": " + e);
            return 1;
        }
    }
}
