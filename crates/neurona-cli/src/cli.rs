//! The command line, declared with clap. Raw arguments become core parameters through the
//! core's `FromStr` impls and `MlpParams::check`, so no rule is written twice.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use neurona::activation::Activation;
use neurona::prelude::*;

const EXIT_CODES: &str = "Exit codes:
  0  success
  1  runtime failure (unreadable or invalid data, a corrupted model file, training diverged)
  2  usage error (unknown flag, invalid parameter value)";

/// Neural networks on tables of data: train, predict, evaluate, inspect and trace
/// multilayer perceptrons, with scikit-learn's parameters and results.
#[derive(Debug, Parser)]
#[command(name = "neurona", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a network on a CSV or Parquet file, or on a bundled data set (digits by default),
    /// then save the model and write a report.
    #[command(allow_negative_numbers = true)]
    Train(Box<TrainArgs>),
    /// Predict with a saved model.
    Predict(PredictArgs),
    /// Score a saved model on labelled data.
    Evaluate(EvaluateArgs),
    /// Describe a model file: architecture, hyperparameters, classes, fit report.
    Inspect(InspectArgs),
    /// Show one forward and backward pass of a tiny network, neuron by neuron (the course's
    /// worked example by default).
    Trace(TraceArgs),
    /// List the bundled data sets.
    Datasets,
}

/// A bundled data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Bundled {
    /// Fisher's iris: 150 flowers, 4 features, 3 species.
    Iris,
    /// Handwritten digits: 1797 8x8 images, 64 features, 10 classes.
    Digits,
    /// Diabetes progression: 442 patients, 10 features, a continuous target.
    Diabetes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Task {
    Classification,
    Regression,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// Zero mean and unit variance per feature (scikit-learn's StandardScaler).
    Standard,
    /// Each feature mapped to [0, 1] (MinMaxScaler).
    Minmax,
    /// The features as they are.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dtype {
    F32,
    F64,
}

/// Hidden layer sizes as one comma-separated value (a newtype, so that clap takes the whole
/// list as one argument).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSizes(pub Vec<usize>);

fn parse_sizes(text: &str) -> Result<LayerSizes, String> {
    let text = text.trim();
    if text.is_empty() || text == "none" {
        return Ok(LayerSizes(Vec::new()));
    }
    text.split(',')
        .map(|part| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("expected layer sizes like 100,50 (or 'none'), got '{text}'"))
        })
        .collect::<Result<_, _>>()
        .map(LayerSizes)
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text {
        "true" | "True" | "1" | "yes" => Ok(true),
        "false" | "False" | "0" | "no" => Ok(false),
        other => Err(format!("expected true or false, got '{other}'")),
    }
}

/// Every MLP hyperparameter, named after scikit-learn's parameter in kebab-case, with its
/// default.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Network and solver (scikit-learn's MLP parameters)")]
pub struct MlpArgs {
    /// Units per hidden layer, comma-separated ('none' for no hidden layer).
    #[arg(long, value_name = "SIZES", default_value = "100", value_parser = parse_sizes)]
    pub hidden_layer_sizes: LayerSizes,
    /// Hidden activation: identity, logistic, tanh, relu.
    #[arg(long, default_value = "relu")]
    pub activation: Activation,
    /// Solver: lbfgs, sgd, adam.
    #[arg(long, default_value = "adam")]
    pub solver: Solver,
    /// L2 penalty on the weights.
    #[arg(long, default_value_t = 1e-4)]
    pub alpha: f64,
    /// Minibatch size, or 'auto' for min(200, n_samples).
    #[arg(long, default_value = "auto")]
    pub batch_size: BatchSize,
    /// SGD learning-rate schedule: constant, invscaling, adaptive.
    #[arg(long, default_value = "constant")]
    pub learning_rate: LearningRate,
    /// Initial learning rate (sgd, adam).
    #[arg(long, default_value_t = 1e-3)]
    pub learning_rate_init: f64,
    /// Exponent of the invscaling schedule.
    #[arg(long, default_value_t = 0.5)]
    pub power_t: f64,
    /// Maximum epochs (sgd, adam) or iterations (lbfgs).
    #[arg(long, default_value_t = 200)]
    pub max_iter: usize,
    /// Shuffle the samples every epoch.
    #[arg(long, default_value = "true", value_parser = parse_bool, value_name = "BOOL")]
    pub shuffle: bool,
    /// Seed of every random draw; the same seed gives scikit-learn's model for the same data.
    #[arg(long)]
    pub random_state: Option<u32>,
    /// Improvement threshold (sgd, adam) or gradient tolerance (lbfgs).
    #[arg(long, default_value_t = 1e-4)]
    pub tol: f64,
    /// Momentum (sgd).
    #[arg(long, default_value_t = 0.9)]
    pub momentum: f64,
    /// Use Nesterov's momentum (sgd).
    #[arg(long, default_value = "true", value_parser = parse_bool, value_name = "BOOL")]
    pub nesterovs_momentum: bool,
    /// Continue training the model in --model (when the file exists) instead of starting afresh.
    #[arg(long)]
    pub warm_start: bool,
    /// Hold out --validation-fraction of the training rows and stop when the validation score
    /// stops improving.
    #[arg(long)]
    pub early_stopping: bool,
    /// Fraction of the training rows held out for early stopping.
    #[arg(long, default_value_t = 0.1)]
    pub validation_fraction: f64,
    /// Adam's first-moment decay.
    #[arg(long, default_value_t = 0.9)]
    pub beta_1: f64,
    /// Adam's second-moment decay.
    #[arg(long, default_value_t = 0.999)]
    pub beta_2: f64,
    /// Adam's numerical-stability term.
    #[arg(long, default_value_t = 1e-8)]
    pub epsilon: f64,
    /// Epochs without improvement before stopping ('inf' never stops early).
    #[arg(long, default_value = "10")]
    pub n_iter_no_change: Patience,
    /// Maximum loss evaluations (lbfgs).
    #[arg(long, default_value_t = 15000)]
    pub max_fun: usize,
    /// Regression loss: squared_error or poisson.
    #[arg(long, default_value = "squared_error")]
    pub loss: RegressionLoss,
}

impl MlpArgs {
    /// The checked core parameters (the core's `check()` holds every rule).
    pub fn params(&self, verbose: bool) -> Result<MlpValidParams> {
        MlpParams::new()
            .hidden_layer_sizes(self.hidden_layer_sizes.0.clone())
            .activation(self.activation)
            .solver(self.solver)
            .alpha(self.alpha)
            .batch_size(self.batch_size)
            .learning_rate(self.learning_rate)
            .learning_rate_init(self.learning_rate_init)
            .power_t(self.power_t)
            .max_iter(self.max_iter)
            .shuffle(self.shuffle)
            .random_state_option(self.random_state)
            .tol(self.tol)
            .verbose(verbose)
            .warm_start(self.warm_start)
            .momentum(self.momentum)
            .nesterovs_momentum(self.nesterovs_momentum)
            .early_stopping(self.early_stopping)
            .validation_fraction(self.validation_fraction)
            .beta_1(self.beta_1)
            .beta_2(self.beta_2)
            .epsilon(self.epsilon)
            .n_iter_no_change(self.n_iter_no_change)
            .max_fun(self.max_fun)
            .loss(self.loss)
            .check()
    }
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// A CSV (with a header) or Parquet file.
    #[arg(long, value_name = "FILE", conflicts_with = "dataset")]
    pub data: Option<PathBuf>,
    /// The target column (repeat it for multi-output regression or multi-label classification).
    #[arg(long, value_name = "COLUMN", requires = "data")]
    pub target: Vec<String>,
    /// A bundled data set instead of --data (digits when neither is given).
    #[arg(long, value_enum)]
    pub dataset: Option<Bundled>,
    /// Classification or regression (inferred from the target when left out).
    #[arg(long, value_enum)]
    pub task: Option<Task>,
    #[command(flatten)]
    pub mlp: MlpArgs,
    /// Feature scaling, fitted on the training rows and stored in the model.
    #[arg(long, value_enum, default_value_t = Scale::Standard)]
    pub scale: Scale,
    /// Fraction of the rows held out as a test set (0 keeps every row for training).
    #[arg(long, default_value_t = 0.25)]
    pub test_fraction: f64,
    /// Where to write the model.
    #[arg(long, default_value = "model.safetensors")]
    pub model: PathBuf,
    /// Folder for the report (loss curve, confusion matrix, report.html).
    #[arg(long, value_name = "DIR", default_value = "neurona-report")]
    pub report: PathBuf,
    /// Write no report.
    #[arg(long, conflicts_with = "report")]
    pub no_report: bool,
    /// Float type of the training.
    #[arg(long, value_enum, default_value_t = Dtype::F64)]
    pub dtype: Dtype,
    /// No progress bar and no summary lines, only errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print scikit-learn's per-epoch lines instead of a progress bar.
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// A CSV or Parquet file with the model's feature columns (by name; others are ignored).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Write the predictions here (CSV or Parquet by extension) instead of to stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add one probability column per class (classifiers).
    #[arg(long)]
    pub proba: bool,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// A CSV or Parquet file with the model's feature columns and the target.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The target column(s); by default the ones the model was trained on.
    #[arg(long, value_name = "COLUMN")]
    pub target: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model file.
    pub model: PathBuf,
    /// Print the model file's whole JSON header.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// One layer's weights: neurons separated by ';', each neuron's incoming weights by ','
    /// (repeat for each layer, input side first). Default: the course's example.
    #[arg(long, value_name = "W", allow_hyphen_values = true)]
    pub weights: Vec<String>,
    /// One layer's biases, comma-separated, or one value for every neuron (repeat per layer).
    #[arg(long, value_name = "B", allow_hyphen_values = true)]
    pub biases: Vec<String>,
    /// The inputs, comma-separated.
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    pub inputs: Option<String>,
    /// The targets, comma-separated.
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub targets: Option<String>,
    /// The learning rate of the gradient step.
    #[arg(long)]
    pub learning_rate: Option<f64>,
}
