/**
 * Compression as a job of independent, restartable tasks (docs/design.md §13): a {@link
 * io.github.cospadi.models.job.JobPlan} split into capture, reduction, compression and assembly, each task's result
 * written atomically into a {@link io.github.cospadi.models.job.JobStore} with its checksum, so a re-run resumes and
 * any runner (one JVM, or the cospadi-spark module) produces the same bytes.
 */
package io.github.cospadi.models.job;
