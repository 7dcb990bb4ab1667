//! One module per subcommand.

pub mod datasets;
pub mod evaluate;
pub mod export;
pub mod inspect;
pub mod predict;
pub mod trace;
pub mod train;
pub mod transform;
