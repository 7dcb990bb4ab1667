//! The feed-forward network: one flat parameter buffer, dense layers as forward/backward
//! pairs, and the multilayer perceptron that chains them.

pub mod dense;
pub mod mlp;
pub mod params;
pub mod workspace;

pub use mlp::Mlp;
pub use params::Layout;
pub use workspace::{PredictScratch, Workspace};
