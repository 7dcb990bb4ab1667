//! # neurona-wasm: the playground, neurona's engine in the browser
//!
//! The crate compiles neurona's core to `wasm32-unknown-unknown` (single-threaded, portable
//! kernels) for a static page (`www/`, built by `scripts/playground`) in the spirit of
//! TensorFlow Playground: a two-dimensional data set, the input features, the network, the
//! solver; play, pause, step; the decision boundary, each unit's output and the weights drawn
//! as they learn; the loss curves; the model file to download, which `neurona predict` and
//! `neurona.load` read.
//!
//! The logic is ordinary Rust, compiled natively too, so that the tests compare the page's
//! numbers with the crate's: [`data`] (the data sets, features, grid), [`session`] (one run,
//! stepped an epoch at a time), [`worked`] (the course's 2-2-2 example) and [`api`] (the JSON
//! requests the page sends). `ffi` exports [`api::handle`] through a plain C ABI.
//!
//! ```
//! use neurona_wasm::session::{Session, Settings};
//!
//! let settings = Settings::from_json(&serde_json::json!({
//!     "dataset": "xor", "n_samples": 200, "model": "mlp",
//!     "params": {"hidden_layer_sizes": [8, 8], "activation": "tanh", "solver": "adam",
//!                "learning_rate_init": 0.03, "batch_size": 10}
//! }))?;
//! let mut session = Session::new(settings)?;
//! session.step(30)?;
//! let state = session.state_json()?;
//! assert!(state["test_score"][29].as_f64().unwrap() > 0.9);
//! # Ok::<(), neurona::NeuronaError>(())
//! ```

pub mod api;
pub mod data;
pub mod ffi;
pub mod session;
pub mod worked;
