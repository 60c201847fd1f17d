package io.github.cospadi.cli;

import java.io.PrintStream;

/** One subcommand of the launcher. */
public interface Command {
    /** One line for {@code cospadi help}. */
    String summary();

    /** The options part of the usage line, e.g. {@code "--model DIR --ratio G [--json]"}. */
    String usage();

    /** Runs the command; returns the process exit code. */
    int run(Options options, PrintStream out, PrintStream err) throws Exception;
}
