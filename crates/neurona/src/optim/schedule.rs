//! Learning-rate schedules of the SGD solver (scikit-learn's `learning_rate`).

use std::fmt;
use std::str::FromStr;

use crate::error::NeuronaError;

/// How SGD's learning rate changes during training. Adam ignores it. Default: `Constant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LearningRate {
    /// `learning_rate_init` throughout.
    #[default]
    Constant,
    /// `η = learning_rate_init / (t + 1)^power_t` at the end of each epoch, `t` counting samples.
    Invscaling,
    /// Divided by 5 each time the no-improvement rule fires, until it falls to 1e-6.
    Adaptive,
}

impl LearningRate {
    /// scikit-learn's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Constant => "constant",
            Self::Invscaling => "invscaling",
            Self::Adaptive => "adaptive",
        }
    }
}

impl fmt::Display for LearningRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LearningRate {
    type Err = NeuronaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Constant, Self::Invscaling, Self::Adaptive].into_iter().find(|l| l.name() == s).ok_or_else(|| {
            NeuronaError::parameter("learning_rate", "one of 'constant', 'invscaling', 'adaptive'", format!("'{s}'"))
        })
    }
}
