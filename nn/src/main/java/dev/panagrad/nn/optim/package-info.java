/**
 * Optimisers (SGD, Adam) and learning-rate schedules.
 */
package dev.panagrad.nn.optim;
