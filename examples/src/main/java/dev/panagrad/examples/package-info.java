/**
 * The {@code panagrad} command line: training a teacher, distilling students, comparing methods,
 * reports, charts and export.
 */
package dev.panagrad.examples;
