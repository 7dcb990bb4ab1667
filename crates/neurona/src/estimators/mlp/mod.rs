//! Multilayer perceptrons: [`MlpClassifier`] and [`MlpRegressor`], scikit-learn's
//! `MLPClassifier` and `MLPRegressor` in Rust, sharing [`MlpParams`] and one training loop.

pub mod algorithm;
mod classifier;
pub mod hyperparams;
mod model_file;
mod regressor;
pub mod summed;

pub use algorithm::{EpochCallback, EpochProgress, FitOptions, FitReport, MlpState, OptimizerState};
pub use classifier::MlpClassifier;
pub use hyperparams::{BatchSize, MlpParams, MlpValidParams, Patience, RegressionLoss, Solver};
pub use regressor::MlpRegressor;
