//! The command line, declared with clap, and nothing else: [`crate::params`] turns the training
//! flags into core parameters (through the core's `FromStr` impls and the estimators' `check`,
//! so no rule is written twice).
//!
//! `train` fits one of three model kinds (`--model-kind mlp|perceptron|rbm`). Every
//! hyperparameter flag is optional: a flag left out takes the chosen estimator's scikit-learn
//! default from the core (so `--max-iter` means 200 epochs for the MLP and 1000 for the
//! perceptron, as in scikit-learn), and each flag's help names its kinds and defaults. A flag of
//! another kind is a usage error.

use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use neurona::activation::Activation;
use neurona::estimator::Family;
use neurona::prelude::*;

use crate::labels::ClassLabel;

const EXIT_CODES: &str = "Exit codes:
  0  success
  1  runtime failure (unreadable or invalid data, a corrupted model file, training diverged)
  2  usage error (unknown flag, invalid parameter value)";

/// Neural networks on tables of data: train, predict, evaluate, inspect and trace multilayer
/// perceptrons, perceptrons and restricted Boltzmann machines, with scikit-learn's parameters
/// and results.
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
    /// Write the hidden features of a saved RBM for a table.
    Transform(TransformArgs),
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

/// `--tol`: a number, or `none` (the perceptron's `tol=None`: run `max_iter` epochs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance(pub Option<f64>);

fn parse_tol(text: &str) -> Result<Tolerance, String> {
    match text {
        "none" | "None" => Ok(Tolerance(None)),
        _ => text
            .parse::<f64>()
            .map(|v| Tolerance(Some(v)))
            .map_err(|_| format!("expected a number or 'none', got '{text}'")),
    }
}

/// `--learning-rate`: the MLP's schedule name, or the RBM's step size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LearningRateArg {
    Schedule(LearningRate),
    Value(f64),
}

fn parse_learning_rate(text: &str) -> Result<LearningRateArg, String> {
    if let Ok(value) = text.parse::<f64>() {
        return Ok(LearningRateArg::Value(value));
    }
    text.parse::<LearningRate>().map(LearningRateArg::Schedule).map_err(|_| {
        format!("expected a schedule (constant, invscaling, adaptive) for mlp or a number for rbm, got '{text}'")
    })
}

/// `--class-weight`: `balanced`, `none`, or per-class weights `LABEL=W,LABEL=W`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassWeightArg(pub ClassWeight<ClassLabel>);

fn parse_class_weight(text: &str) -> Result<ClassWeightArg, String> {
    match text {
        "balanced" => return Ok(ClassWeightArg(ClassWeight::Balanced)),
        "none" | "None" => return Ok(ClassWeightArg(ClassWeight::Uniform)),
        _ => {}
    }
    text.split(',')
        .map(|pair| {
            let (label, weight) = pair.rsplit_once('=').ok_or(())?;
            Ok((ClassLabel::Text(label.trim().to_owned()), weight.trim().parse::<f64>().map_err(|_| ())?))
        })
        .collect::<Result<Vec<_>, ()>>()
        .map(|weights| ClassWeightArg(ClassWeight::PerClass(weights)))
        .map_err(|()| format!("expected 'balanced', 'none' or weights like setosa=2,virginica=0.5, got '{text}'"))
}

/// `--model-kind`: a family of the core's registry, by its command-line name.
fn family_parser() -> impl TypedValueParser<Value = Family> {
    let names = Family::ALL.map(Family::name);
    clap::builder::PossibleValuesParser::new(names)
        .try_map(|name: String| name.parse::<Family>().map_err(|e| e.to_string()))
}

/// The training flags shared by several model kinds. None has a default here: a flag left out
/// takes the chosen estimator's own scikit-learn default, which its help gives.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Training (shared; a flag left out takes each estimator's scikit-learn default)")]
pub struct SharedArgs {
    /// L2 penalty on the weights (mlp), or the strength of --penalty (perceptron). [default: 0.0001]
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Maximum epochs (mlp: sgd, adam, or iterations for lbfgs; perceptron). [default: 200 for
    /// mlp, 1000 for perceptron]
    #[arg(long)]
    pub max_iter: Option<usize>,
    /// Stopping tolerance (mlp, perceptron); 'none' runs every epoch (perceptron). [default:
    /// 1e-4 for mlp, 1e-3 for perceptron]
    #[arg(long, value_parser = parse_tol, value_name = "TOL")]
    pub tol: Option<Tolerance>,
    /// Shuffle the samples every epoch (mlp, perceptron). [default: true]
    #[arg(long, value_parser = parse_bool, value_name = "BOOL")]
    pub shuffle: Option<bool>,
    /// Seed of every random draw; the same seed gives scikit-learn's model for the same data.
    /// It also picks the --test-fraction rows (0 when not given). [default: none for mlp and
    /// rbm, 0 for perceptron]
    #[arg(long)]
    pub random_state: Option<u32>,
    /// Hold out --validation-fraction of the training rows and stop when the validation score
    /// stops improving (mlp, perceptron).
    #[arg(long)]
    pub early_stopping: bool,
    /// Fraction of the training rows held out for early stopping (mlp, perceptron). [default: 0.1]
    #[arg(long)]
    pub validation_fraction: Option<f64>,
    /// Epochs without improvement before stopping (mlp, perceptron); 'inf' never stops early
    /// (mlp). [default: 10 for mlp, 5 for perceptron]
    #[arg(long)]
    pub n_iter_no_change: Option<Patience>,
    /// Continue training the model in --model (when the file exists) instead of starting afresh
    /// (mlp, perceptron).
    #[arg(long)]
    pub warm_start: bool,
    /// Minibatch size (mlp: sgd, adam; rbm); 'auto' is min(200, n_samples) (mlp). [default: auto
    /// for mlp, 10 for rbm]
    #[arg(long, value_name = "SIZE")]
    pub batch_size: Option<BatchSize>,
    /// mlp: the sgd schedule, constant, invscaling or adaptive [default: constant]; rbm: the step
    /// size, a number [default: 0.1].
    #[arg(long, value_parser = parse_learning_rate, value_name = "RATE")]
    pub learning_rate: Option<LearningRateArg>,
}

/// The MLP's own hyperparameters, named after scikit-learn's parameters in kebab-case.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "MLP (--model-kind mlp, the default)")]
pub struct MlpArgs {
    /// Units per hidden layer, comma-separated ('none' for no hidden layer). [default: 100]
    #[arg(long, value_name = "SIZES", value_parser = parse_sizes)]
    pub hidden_layer_sizes: Option<LayerSizes>,
    /// Hidden activation: identity, logistic, tanh, relu. [default: relu]
    #[arg(long)]
    pub activation: Option<Activation>,
    /// Solver: lbfgs, sgd, adam. [default: adam]
    #[arg(long)]
    pub solver: Option<Solver>,
    /// Initial learning rate (sgd, adam). [default: 0.001]
    #[arg(long)]
    pub learning_rate_init: Option<f64>,
    /// Exponent of the invscaling schedule. [default: 0.5]
    #[arg(long)]
    pub power_t: Option<f64>,
    /// Momentum (sgd). [default: 0.9]
    #[arg(long)]
    pub momentum: Option<f64>,
    /// Use Nesterov's momentum (sgd). [default: true]
    #[arg(long, value_parser = parse_bool, value_name = "BOOL")]
    pub nesterovs_momentum: Option<bool>,
    /// Adam's first-moment decay. [default: 0.9]
    #[arg(long)]
    pub beta_1: Option<f64>,
    /// Adam's second-moment decay. [default: 0.999]
    #[arg(long)]
    pub beta_2: Option<f64>,
    /// Adam's numerical-stability term. [default: 1e-8]
    #[arg(long)]
    pub epsilon: Option<f64>,
    /// Maximum loss evaluations (lbfgs). [default: 15000]
    #[arg(long)]
    pub max_fun: Option<usize>,
    /// Regression loss: squared_error or poisson. [default: squared_error]
    #[arg(long)]
    pub loss: Option<RegressionLoss>,
}

/// The perceptron's own hyperparameters.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Perceptron (--model-kind perceptron)")]
pub struct PerceptronArgs {
    /// Regularisation: none, l2, l1, elasticnet. [default: none]
    #[arg(long)]
    pub penalty: Option<Penalty>,
    /// The L1 share of the elastic net, in [0, 1]. [default: 0.15]
    #[arg(long)]
    pub l1_ratio: Option<f64>,
    /// Learn a bias. [default: true]
    #[arg(long, value_parser = parse_bool, value_name = "BOOL")]
    pub fit_intercept: Option<bool>,
    /// The constant learning rate of the perceptron rule. [default: 1]
    #[arg(long)]
    pub eta0: Option<f64>,
    /// Class weights: 'balanced' (inversely proportional to the class counts), 'none', or
    /// LABEL=W,LABEL=W. [default: none]
    #[arg(long, value_parser = parse_class_weight, value_name = "WEIGHTS")]
    pub class_weight: Option<ClassWeightArg>,
}

/// The RBM's own hyperparameters (its learning rate and batch size are shared flags).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "RBM (--model-kind rbm)")]
pub struct RbmArgs {
    /// Number of hidden units. [default: 256]
    #[arg(long)]
    pub n_components: Option<usize>,
    /// Epochs over the training rows. [default: 10]
    #[arg(long)]
    pub n_iter: Option<usize>,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// What to train: an MLP, a perceptron (classification) or an RBM (unsupervised features;
    /// see `neurona transform`).
    #[arg(long, value_name = "KIND", value_parser = family_parser(), default_value = "mlp")]
    pub model_kind: Family,
    /// A CSV (with a header) or Parquet file.
    #[arg(long, value_name = "FILE", conflicts_with = "dataset")]
    pub data: Option<PathBuf>,
    /// The target column (repeat it for multi-output regression or multi-label classification
    /// with the mlp). An rbm needs none: every column is a feature but those named here.
    #[arg(long, value_name = "COLUMN", requires = "data")]
    pub target: Vec<String>,
    /// A bundled data set instead of --data (digits when neither is given).
    #[arg(long, value_enum)]
    pub dataset: Option<Bundled>,
    /// Classification or regression (inferred from the target when left out; mlp and
    /// perceptron, which always classifies).
    #[arg(long, value_enum)]
    pub task: Option<Task>,
    #[command(flatten)]
    pub shared: SharedArgs,
    #[command(flatten)]
    pub mlp: MlpArgs,
    #[command(flatten)]
    pub perceptron: PerceptronArgs,
    #[command(flatten)]
    pub rbm: RbmArgs,
    /// Feature scaling, fitted on the training rows and stored in the model. [default: standard
    /// for mlp and perceptron; minmax for rbm, whose units are probabilities in [0, 1]]
    #[arg(long, value_enum, help_heading = "Data and output")]
    pub scale: Option<Scale>,
    /// Fraction of the rows held out as a test set (0 keeps every row for training).
    #[arg(long, default_value_t = 0.25, help_heading = "Data and output")]
    pub test_fraction: f64,
    /// Where to write the model.
    #[arg(long, default_value = "model.safetensors", help_heading = "Data and output")]
    pub model: PathBuf,
    /// Folder for the report (learning curve, confusion matrix, report.html).
    #[arg(long, value_name = "DIR", default_value = "neurona-report", help_heading = "Data and output")]
    pub report: PathBuf,
    /// Write no report.
    #[arg(long, conflicts_with = "report", help_heading = "Data and output")]
    pub no_report: bool,
    /// Float type of the training.
    #[arg(long, value_enum, default_value_t = Dtype::F64, help_heading = "Data and output")]
    pub dtype: Dtype,
    /// Most threads per matrix product (at least 1) [default: every core]. Results do not
    /// depend on it.
    #[arg(long, value_name = "N", help_heading = "Data and output")]
    pub threads: Option<usize>,
    /// No progress bar and no summary lines, only errors.
    #[arg(long, short, help_heading = "Data and output")]
    pub quiet: bool,
    /// Print scikit-learn's per-epoch lines instead of a progress bar.
    #[arg(long, short, help_heading = "Data and output")]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model file (from `neurona train`, the Python package or the Rust crate).
    #[arg(long)]
    pub model: PathBuf,
    /// A CSV or Parquet file with the model's feature columns (by name, others are ignored; a
    /// model fitted without column names takes every column, in order).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Write the predictions here (CSV or Parquet by extension) instead of to stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add one probability column per class (MLP classifiers).
    #[arg(long)]
    pub proba: bool,
    /// Add the perceptron's decision scores: one column for two classes (positive means the
    /// second class), one per class otherwise.
    #[arg(long)]
    pub decision_function: bool,
}

#[derive(Debug, Args)]
pub struct TransformArgs {
    /// The model file (an RBM trained with `neurona train --model-kind rbm`, or saved by the
    /// Python package or the Rust crate).
    #[arg(long)]
    pub model: PathBuf,
    /// A CSV or Parquet file with the model's feature columns (by name, others are ignored; a
    /// model fitted without column names takes every column, in order).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Write the hidden features (hidden_0, hidden_1, ...) here (CSV or Parquet by extension)
    /// instead of to stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model file (from `neurona train`, the Python package or the Rust crate).
    #[arg(long)]
    pub model: PathBuf,
    /// A CSV or Parquet file with the model's feature columns and the target.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The target column(s); by default the ones the model was trained on (a model from the
    /// Python package or the Rust crate names none).
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
