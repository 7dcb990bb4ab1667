//! numpy-compatible RandomState.
