//! Optimizers over one flat parameter buffer.
//!
//! They see only `&mut [F]` (the parameters) and `&[F]` (the gradient) and own their state; none
//! of them knows what a network is. The training loop builds sgd and adam from scikit-learn's
//! parameters in one place, [`crate::train::OptimizerState`].
//!
//! * [`lbfgs`]: L-BFGS as scipy's `L-BFGS-B` runs it with no bounds (`solver="lbfgs"`); it
//!   takes a closure returning the loss and writing the gradient.

pub mod adam;
pub mod lbfgs;
pub mod schedule;
pub mod sgd;
