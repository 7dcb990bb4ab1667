//! Data handling: validation of user input, label encoding, the early-stopping split.

pub mod labels;
pub mod split;
pub mod validate;
