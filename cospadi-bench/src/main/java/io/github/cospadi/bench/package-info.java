/**
 * JMH benchmarks and benchmark mains; not an API.
 *
 * <p>Status: internal, unsupported.
 */
package io.github.cospadi.bench;
