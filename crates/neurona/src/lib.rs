//! # neurona: multilayer perceptrons in Rust, exact to scikit-learn
//!
//! neurona implements the neural networks an introductory deep-learning course teaches as real
//! software: neurons with weights, a bias and an activation; the multilayer perceptron trained by
//! forward propagation, back-propagation (the chain rule) and gradient descent; the activations
//! identity, logistic, tanh and ReLU, with softmax and cross-entropy at the output; L2
//! regularisation (`alpha`); and the solvers SGD (with momentum and Nesterov), Adam and L-BFGS.
//!
//! It speaks scikit-learn's language: [`MlpClassifier`](prelude::MlpClassifier) and
//! [`MlpRegressor`](prelude::MlpRegressor) take the parameters of `MLPClassifier` and
//! `MLPRegressor` with the same names and defaults ([`MlpParams`](prelude::MlpParams)), expose
//! the same fitted attributes ([`MlpState`](prelude::MlpState)), and, for the same
//! `random_state`, draw the same initial weights, shuffles and validation split, so that a fit
//! reproduces scikit-learn's (up to floating-point summation order; see the guide's page on parity,
//! `docs/guide/parity.rst`, for how close).
//!
//! ```
//! use neurona::prelude::*;
//!
//! // Bundled data: 1797 handwritten digits, 8x8 pixels valued 0..16.
//! let digits = neurona::datasets::digits();
//! let x = digits.data.mapv(|v| v / 16.0);
//! let params = MlpParams::new().hidden_layer_sizes([32]).solver(Solver::Lbfgs).max_iter(100).random_state(0).check()?;
//! let mut clf = MlpClassifier::<f64, usize>::new(params);
//! let report = clf.fit(x.view(), &digits.target)?;
//! println!("{} iterations, final loss {:.4}", report.n_iter, report.loss);
//! assert!(clf.score(x.view(), &digits.target)? > 0.95);
//! # Ok::<(), neurona::NeuronaError>(())
//! ```
//!
//! ## The flow of one fit
//!
//! [`MlpParams::check`](prelude::MlpParams::check) applies scikit-learn's rules; the data are
//! validated (finite, consistent shapes, labels encoded); the weights are drawn Glorot-uniform
//! ([`init`]); then each epoch shuffles sample indices, and each minibatch runs
//! [`Mlp::forward`](network::Mlp::forward), the [`OutputHead`](loss::OutputHead)'s loss and
//! `y_pred - y` delta, back-propagation into one flat gradient
//! ([`Mlp::loss_and_gradient`](network::Mlp::loss_and_gradient)) and the optimizer's update
//! ([`optim`]). L-BFGS runs the same forward and backward pass over the whole set. The loop
//! itself, the stopping rule and the L-BFGS adapter are [`train`]'s, written once for any network
//! that implements [`Objective`](network::Objective).

// Every public item is documented (`cargo doc` is the crate's reference, linked from the site).
#![deny(missing_docs)]

pub mod activation;
mod clock;
pub mod data;
pub mod datasets;
pub mod error;
pub mod estimator;
pub mod estimators;
pub mod explain;
pub mod export;
pub mod float;
pub mod init;
pub mod interrupt;
pub mod linalg;
pub mod loss;
pub mod metrics;
pub mod network;
pub mod optim;
pub mod params;
pub mod persist;
pub mod rng;
pub mod train;

pub use error::{NeuronaError, Result};
pub use float::Float;

/// The types most programs need.
pub mod prelude {
    pub use crate::activation::Activation;
    pub use crate::data::{
        sequences::SequenceLayout,
        sequences::SequenceSet,
        sparse::{CsrMatrix, Samples},
        ts_format::TsDataset,
    };
    pub use crate::error::{NeuronaError, Result};
    pub use crate::estimator::{
        Estimator, EstimatorKind, Family, IncrementalClassifier, ModelFile, MultilabelClassifier, Regressor,
    };
    pub use crate::estimators::mlp::{
        BatchSize, FitOptions, FitReport, MlpClassifier, MlpParams, MlpRegressor, MlpState, MlpValidParams, Patience,
        RegressionLoss, Solver,
    };
    pub use crate::estimators::perceptron::{
        ClassWeight, Penalty, Perceptron, PerceptronFitOptions, PerceptronParams, PerceptronReport, PerceptronState,
        PerceptronValidParams,
    };
    pub use crate::estimators::rbm::{
        BernoulliRbm, RbmEpochProgress, RbmFitOptions, RbmParams, RbmState, RbmValidParams,
    };
    pub use crate::estimators::rnn::{RnnClassifier, RnnParams, RnnRegressor, RnnState, RnnValidParams};
    pub use crate::export::ToOnnx;
    pub use crate::float::Float;
    pub use crate::network::{Cell, Nonlinearity, OutputPer};
    pub use crate::optim::schedule::LearningRate;
    pub use crate::params::{Hyperparams, SolverParams, SolverSettings};
    pub use crate::rng::RandomState;
}
