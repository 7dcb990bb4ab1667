//! Optimizers over one flat parameter buffer.
