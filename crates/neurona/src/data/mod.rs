//! Data handling.
