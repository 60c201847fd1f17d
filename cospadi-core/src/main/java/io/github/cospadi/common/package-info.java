/**
 * The vocabulary every other package shares and that depends on nothing else in cospadi: {@link
 * io.github.cospadi.common.Parallelism} (threads, results independent of their number), {@link
 * io.github.cospadi.common.ProgressListener} and {@link io.github.cospadi.common.ProgressEvent} (done / total, ETA,
 * cancellation), {@link io.github.cospadi.common.CompressionException} and {@link io.github.cospadi.common.Orientation}.
 *
 * <p>Status: API (listed in docs/api.md). It sits below every other package (docs/design.md §11), so the facade
 * ({@code io.github.cospadi}) and the packages it composes never import each other in a loop.
 */
package io.github.cospadi.common;
