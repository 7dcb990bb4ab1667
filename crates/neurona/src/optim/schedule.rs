//! Learning-rate schedules of the SGD solver (scikit-learn's `learning_rate`).

use crate::params::declare::named_enum;

named_enum! {
    /// How SGD's learning rate changes during training. Adam ignores it. Default: `Constant`.
    pub enum LearningRate for "learning_rate" {
        /// `learning_rate_init` throughout.
        #[default]
        Constant = "constant",
        /// `η = learning_rate_init / (t + 1)^power_t` at the end of each epoch, `t` counting samples.
        Invscaling = "invscaling",
        /// Divided by 5 each time the no-improvement rule fires, until it falls to 1e-6.
        Adaptive = "adaptive",
    }
}
