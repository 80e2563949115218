/**
 * ResNets: the CIFAR ones (resnet8 to resnet110, and x4) and the ImageNet ones (resnet18, 34, 50).
 */
package dev.panagrad.nn.models;
