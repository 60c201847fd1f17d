/**
 * The ./cospadi command line; its classes are not an API (use the libraries).
 *
 * <p>Status: internal, unsupported.
 */
package io.github.cospadi.cli;
