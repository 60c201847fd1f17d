package io.github.cospadi.cli;

import io.github.cospadi.Compressor;
import io.github.cospadi.common.Orientation;
import io.github.cospadi.dictionary.Initialization;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The CoSpaDi schedule options of the commands that compress matrices ({@code demo}, {@code layers},
 * {@code compress}, {@code bench-matrix}).
 *
 * <p>The base schedule is the fast one ({@link Compressor.Builder#fast()}: 2 refresh steps per iteration, one power
 * step per atom, OMP only every 10th iteration and only on layers where a pass is cheap, extrapolation after each
 * iteration) or the reference, the paper's
 * schedule (the builder's defaults: OMP every iteration, 8 power steps per atom). {@code --fast} or
 * {@code --reference} picks it; without either the command's default applies (fast for the whole-model commands,
 * docs/benchmarks.md §11; the reference for {@code bench-matrix}). Then each of {@code --coding-interval},
 * {@code --warmup}, {@code --refresh-steps}, {@code --power-iterations} and {@code --extrapolation on|off} that is given overrides that one part of the
 * base schedule, whichever it is: {@code --coding-interval 4} alone is the fast schedule with OMP every 4th iteration
 * (no warm-up: {@code fast()} sets it to 0), {@code --reference --coding-interval 4} the reference recoding every 4th
 * after 5 warm-up iterations. {@code --iterations} is read by each command (its own default) and applies to both.
 * {@code --init} and {@code --orientation} set the initialisation and where the dictionary lives when given;
 * {@code --square input|output} makes AUTO compress square matrices one way only (both ways by default);
 * {@code compress} also takes {@code --square type}: the job chooses each square projection type's side on three of its
 * members (docs/design.md §4.1).
 */
final class Schedule implements Consumer<Compressor.Builder> {
    private final boolean fast;
    private final Integer interval, warmup, refresh, power;
    private final Boolean extrapolation;
    private final Initialization initialization;
    private final Orientation orientation, square;
    private final boolean squareByType, squareGiven;

    private Schedule(boolean fast, Integer interval, Integer warmup, Integer refresh, Integer power, Boolean extrapolation,
                     Initialization initialization, Orientation orientation, Orientation square, boolean squareByType, boolean squareGiven) {
        this.fast = fast;
        this.interval = interval;
        this.warmup = warmup;
        this.refresh = refresh;
        this.power = power;
        this.extrapolation = extrapolation;
        this.initialization = initialization;
        this.orientation = orientation;
        this.square = square;
        this.squareByType = squareByType;
        this.squareGiven = squareGiven;
    }

    /** Reads the schedule options; {@code fastByDefault} is the base schedule when neither --fast nor --reference is given. */
    static Schedule parse(Options o, boolean fastByDefault) {
        return parse(o, fastByDefault, false);
    }

    /** As {@link #parse(Options, boolean)}; {@code squareByTypeAllowed}: whether {@code --square type} is accepted (jobs). */
    static Schedule parse(Options o, boolean fastByDefault, boolean squareByTypeAllowed) {
        final boolean fastFlag = o.flag("fast"), referenceFlag = o.flag("reference");
        if (fastFlag && referenceFlag) throw new Options.UsageException("--fast and --reference exclude each other");
        final boolean fast = fastFlag || (!referenceFlag && fastByDefault);
        final Integer interval = optionalInteger(o, "coding-interval");
        final Integer warmup = optionalInteger(o, "warmup");
        final Integer refresh = optionalInteger(o, "refresh-steps");
        final Integer power = optionalInteger(o, "power-iterations");
        final String ex = o.string("extrapolation", null);
        final Boolean extrapolation;
        if (ex == null) extrapolation = null;
        else if (ex.equals("on")) extrapolation = Boolean.TRUE;
        else if (ex.equals("off")) extrapolation = Boolean.FALSE;
        else throw new Options.UsageException("--extrapolation must be on or off, got '" + ex + "'");
        final String init = o.string("init", null);
        final Initialization initialization;
        if (init == null) initialization = null;
        else if (init.equals("svd")) initialization = Initialization.SVD;
        else if (init.equals("random-columns")) initialization = Initialization.RANDOM_COLUMNS;
        else throw new Options.UsageException("--init must be svd or random-columns, got '" + init + "'");
        final String side = o.string("orientation", null);
        final String sq = o.string("square", null);
        final Orientation square;
        final boolean byType = squareByTypeAllowed && "type".equals(sq);
        if (sq == null || sq.equals("both") || byType) square = null;
        else if (sq.equals("input")) square = Orientation.INPUT;
        else if (sq.equals("output")) square = Orientation.OUTPUT;
        else throw new Options.UsageException("--square must be both, input, output" + (squareByTypeAllowed ? " or type" : "") + ", got '" + sq + "'");
        return new Schedule(fast, interval, warmup, refresh, power, extrapolation, initialization, side == null ? null : LayersCommand.orientation(side),
                square, byType, sq != null);
    }

    /** Whether --square was given (any value). */
    boolean squareGiven() {
        return squareGiven;
    }

    /** Whether the side of each square projection type is the job's choice ({@code --square type}). */
    boolean squareByType() {
        return squareByType;
    }

    /** This schedule with {@code --square type} (a job's default when --square is not given). */
    Schedule withSquareByType() {
        return new Schedule(fast, interval, warmup, refresh, power, extrapolation, initialization, orientation, null, true, squareGiven);
    }

    private static Integer optionalInteger(Options o, String name) {
        return o.string(name, null) == null ? null : o.integer(name, 0);
    }

    /** Whether the base schedule is the fast one. */
    boolean fast() {
        return fast;
    }

    /** The orientation given by --orientation, or {@code otherwise}. */
    Orientation orientation(Orientation otherwise) {
        return orientation == null ? otherwise : orientation;
    }

    /** Sets the base schedule, then the overrides that were given (the builder validates their values). */
    @Override
    public void accept(Compressor.Builder b) {
        if (initialization != null) b.initialization(initialization);
        if (orientation != null) b.orientation(orientation);
        if (square != null) b.squareOrientation(square);
        if (fast) b.fast();
        if (interval != null) b.codingInterval(interval);
        if (warmup != null) b.codingWarmup(warmup);
        if (refresh != null) b.refreshSteps(refresh);
        if (power != null) b.powerIterations(power);
        if (extrapolation != null) b.extrapolation(extrapolation);
    }

    /** The schedule as settings of a job plan ({@code io.github.cospadi.models.job.JobPlan}'s compressor keys). */
    java.util.Map<String, String> settings() {
        final java.util.Map<String, String> m = new java.util.TreeMap<>();
        m.put("schedule", fast ? "fast" : "reference");
        if (interval != null) m.put("coding-interval", interval.toString());
        if (warmup != null) m.put("warmup", warmup.toString());
        if (refresh != null) m.put("refresh-steps", refresh.toString());
        if (power != null) m.put("power-iterations", power.toString());
        if (extrapolation != null) m.put("extrapolation", extrapolation ? "on" : "off");
        if (initialization != null) m.put("init", initialization.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        if (orientation != null) m.put("orientation", orientation.name().toLowerCase(Locale.ROOT));
        if (square != null) m.put("square", square.name().toLowerCase(Locale.ROOT));
        if (squareByType) m.put("square", "type");
        return m;
    }

    /** One line for titles and logs, e.g. "fast schedule, 60 iterations" or "reference schedule, 60 iterations, coding every 4". */
    String describe(int iterations) {
        final List<String> parts = new ArrayList<>();
        parts.add((fast ? "fast schedule" : "reference schedule") + ", " + iterations + " iterations");
        if (interval != null) parts.add("coding every " + interval);
        if (warmup != null) parts.add(warmup + " warm-up iterations");
        if (refresh != null) parts.add(refresh + " refresh steps");
        if (power != null) parts.add(power + " power steps");
        if (extrapolation != null) parts.add("extrapolation " + (extrapolation ? "on" : "off"));
        if (initialization != null) parts.add(initialization.name().toLowerCase(Locale.ROOT).replace('_', '-') + " init");
        if (square != null) parts.add("square matrices " + square.name().toLowerCase(Locale.ROOT) + " only");
        if (squareByType) parts.add("square matrices on one side per projection type");
        return String.join(", ", parts);
    }
}
