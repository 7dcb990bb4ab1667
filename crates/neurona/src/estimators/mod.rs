//! The estimators: one folder each, with its hyperparameters and its algorithm.

pub mod mlp;
pub mod perceptron;
pub mod rbm;
