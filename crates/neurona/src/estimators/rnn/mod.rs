//! Recurrent networks: [`RnnClassifier`] and [`RnnRegressor`] over sequences of unequal
//! lengths ([`SequenceSet`](crate::data::sequences::SequenceSet)), with Elman, LSTM or GRU
//! layers (PyTorch's maths and tensor names), a dense head, and the shared training loop.

pub mod algorithm;
mod classifier;
pub mod hyperparams;
mod model_file;
mod regressor;

pub use algorithm::RnnState;
pub use classifier::RnnClassifier;
pub use hyperparams::{RnnParams, RnnValidParams};
pub use regressor::RnnRegressor;
