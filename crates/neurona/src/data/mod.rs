//! Data handling: validation of user input, label encoding, the early-stopping split, and
//! sequences of unequal lengths (from arrays, long tables and `.ts` text), sparse (CSR) rows.

pub mod labels;
pub mod long_table;
pub mod sequences;
pub mod sparse;
pub mod split;
pub mod ts_format;
pub mod validate;
