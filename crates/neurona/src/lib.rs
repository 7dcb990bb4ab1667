//! neurona: multilayer perceptrons in Rust, exact to scikit-learn.

pub mod error;
pub mod float;
pub mod optim;
pub mod rng;
pub mod data;

pub use error::{NeuronaError, Result};
pub use float::Float;
