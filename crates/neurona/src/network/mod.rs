//! The networks: one flat parameter buffer, dense layers as forward/backward pairs, the
//! multilayer perceptron that chains them, the recurrent layers ([`recurrent`]: Elman, LSTM
//! and GRU with PyTorch's layout), and the [`Objective`] through which the training loop sees
//! any network.

pub mod dense;
pub mod mlp;
pub mod objective;
pub mod params;
pub mod recurrent;
pub mod recurrent_net;
mod step;
pub mod summed;
pub mod workspace;

pub use mlp::Mlp;
pub use objective::{Batch, ElementwiseUpdate, Objective};
pub use params::Layout;
pub use recurrent::{Cell, DropoutMasks, Nonlinearity, RecurrentShape, RecurrentWorkspace, Sequences};
pub use recurrent_net::{OutputPer, RecurrentNet};
pub use summed::{LossSums, chunk_sums};
pub use workspace::{PredictScratch, Workspace};
