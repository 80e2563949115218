/**
 * Datasets (CIFAR, Fashion-MNIST, image folders, generated images), transforms, samplers and the data
 * loader.
 */
package dev.panagrad.nn.data;
