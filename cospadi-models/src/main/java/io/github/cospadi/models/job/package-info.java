/**
 * Compression as a job of independent, restartable tasks (docs/design.md §13): a {@link
 * io.github.cospadi.models.job.JobPlan} split into capture, reduction, compression and assembly, each task's result
 * written atomically into a {@link io.github.cospadi.models.job.JobStore} with its checksum, so a re-run resumes and
 * any runner (one JVM, or the cospadi-spark module) produces the same bytes. The capture runs forward passes on the
 * whole model; a compression task reads only its own projections' weights ({@link
 * io.github.cospadi.models.ProjectionWeights}: the loaded model, or {@link io.github.cospadi.models.Models#weights}
 * decoding one tensor at a time from the model file).
 */
package io.github.cospadi.models.job;
