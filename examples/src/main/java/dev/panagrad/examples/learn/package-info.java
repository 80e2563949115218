/**
 * The walkthrough's small programs ({@code ./panagrad learn ...}): autodiff on numbers, a perceptron
 * from scratch, a custom op, and distilling your own model.
 */
package dev.panagrad.examples.learn;
