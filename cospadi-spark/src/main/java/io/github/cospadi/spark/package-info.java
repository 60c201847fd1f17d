/**
 * Runs a cospadi compression job ({@code io.github.cospadi.models.job}) on Apache Spark: capture as
 * {@code mapPartitions} over the calibration chunks, the reduction as one task per Gram group (a fixed-order sum),
 * compression as one task per projection, the job directory on any Hadoop file system. Spark is a provided dependency.
 */
package io.github.cospadi.spark;
