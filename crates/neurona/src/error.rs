//! The one error type of neurona.
//!
//! Every message names the parameter or input, the rule it broke and the value found, so that a
//! user can fix the call without reading the source. Outcomes that are not failures (a fit that
//! did not converge) are not errors: they are data in the fit report.

/// Everything that can go wrong in neurona.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NeuronaError {
    /// A hyperparameter breaks its rule, e.g. `alpha must be >= 0, got -1`.
    #[error("{name} must be {rule}, got {value}")]
    InvalidParameter {
        /// scikit-learn's name of the parameter.
        name: &'static str,
        /// The rule, phrased to follow "must be".
        rule: String,
        /// The value found, as the user wrote it.
        value: String,
    },

    /// An input array or label set is unusable, e.g. `X contains NaN at row 3, column 0`.
    #[error("{input} {problem}")]
    InvalidInput {
        /// The input at fault: `X`, `y`, `sample_weight`, `classes`...
        input: &'static str,
        /// What is wrong with it, with the value found.
        problem: String,
    },

    /// Two inputs that must have one row per sample do not.
    #[error("found input variables with inconsistent numbers of samples: {input} has {found}, but X has {expected}")]
    InconsistentSamples {
        /// The input whose length is wrong (`y` or `sample_weight`).
        input: &'static str,
        /// The number of rows of X.
        expected: usize,
        /// The length found.
        found: usize,
    },

    /// X at predict time does not have the width the model was fitted with.
    #[error("X has {found} features, but {estimator} is expecting {expected} features as input")]
    FeatureMismatch {
        /// The estimator's name.
        estimator: &'static str,
        /// Features seen at fit.
        expected: usize,
        /// Features found now.
        found: usize,
    },

    /// The estimator was used before `fit`.
    #[error(
        "This {estimator} instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator."
    )]
    NotFitted {
        /// The estimator's name.
        estimator: &'static str,
    },

    /// A model file is unreadable, corrupted, of another kind or from a newer version.
    #[error("model file {problem}")]
    ModelFile {
        /// What is wrong, with the value found.
        problem: String,
    },

    /// Reading or writing a file failed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },

    /// The memory a fit needs cannot be reserved, e.g. for a network of a trillion units:
    /// an error before anything is built, not an aborted process (scikit-learn: numpy's
    /// `MemoryError`).
    #[error("{what} needs about {bytes:.3e} bytes, more than can be reserved")]
    OutOfMemory {
        /// What needs the memory, e.g. `a network with layers [64, 1000000000000, 10]`.
        what: String,
        /// The estimated size, in bytes (as a float: it may exceed every integer type).
        bytes: f64,
    },

    /// Training diverged: some weight is NaN or infinite.
    #[error(
        "Solver produced non-finite parameter weights. The input data may contain large values and need to be preprocessed."
    )]
    NonFiniteWeights,

    /// The caller interrupted a computation that returns values (a prediction, a transform)
    /// before it finished: nothing partial is returned (see [`crate::interrupt`]).
    #[error("interrupted by the caller before the call finished")]
    Interrupted,
}

/// `Result` with [`NeuronaError`].
pub type Result<T, E = NeuronaError> = std::result::Result<T, E>;

impl NeuronaError {
    /// Shorthand for [`NeuronaError::InvalidParameter`].
    pub(crate) fn parameter(name: &'static str, rule: impl Into<String>, value: impl ToString) -> Self {
        Self::InvalidParameter { name, rule: rule.into(), value: value.to_string() }
    }

    /// Shorthand for [`NeuronaError::ModelFile`].
    pub(crate) fn model_file(problem: impl Into<String>) -> Self {
        Self::ModelFile { problem: problem.into() }
    }

    /// Shorthand for [`NeuronaError::InvalidInput`].
    pub(crate) fn input(input: &'static str, problem: impl Into<String>) -> Self {
        Self::InvalidInput { input, problem: problem.into() }
    }
}
