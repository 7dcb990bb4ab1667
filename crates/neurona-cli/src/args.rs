//! The command line, declared with clap, and nothing else: [`crate::params`] turns the training
//! flags into core parameters (through the core's `set_text` and the estimators' `check`, so no
//! rule is written twice).
//!
//! `train` fits a family of the core's registry (`--model-kind mlp|perceptron|rbm|rnn`). Its
//! hyperparameter flags come from the core's spec tables ([`hyperparameter_flags`]): one flag per
//! hyperparameter name, scikit-learn's name in kebab-case, whose help is the spec's doc and
//! default. Every one is optional: a flag left out takes the chosen family's default from the
//! core (so `--max-iter` means 200 epochs for the MLP and 1000 for the perceptron, as in
//! scikit-learn). A flag of another family is a usage error.

use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use neurona::estimator::{EstimatorKind, Family};
use neurona::network::recurrent::Cell;
use neurona::params::Spec;

const EXIT_CODES: &str = "Exit codes:
  0  success
  1  runtime failure (unreadable or invalid data, a corrupted model file, training diverged)
  2  usage error (unknown flag, invalid parameter value)";

/// Neural networks on tables of data and on sequences: train, predict, evaluate, inspect and
/// trace multilayer perceptrons, perceptrons, restricted Boltzmann machines (with
/// scikit-learn's parameters and results) and recurrent networks (Elman, LSTM, GRU).
#[derive(Debug, Parser)]
#[command(name = "neurona", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a network on a CSV or Parquet file (a long table of sequences for rnn), a .ts file
    /// (rnn), or a bundled data set (digits by default; japanese-vowels for rnn), then save the
    /// model and write a report.
    #[command(allow_negative_numbers = true)]
    Train(Box<TrainArgs>),
    /// Predict with a saved model.
    Predict(PredictArgs),
    /// Score a saved model on labelled data.
    Evaluate(EvaluateArgs),
    /// Write the hidden features of a saved RBM for a table.
    Transform(ApplyArgs),
    /// Describe a model file: architecture, hyperparameters, classes, fit report.
    Inspect(InspectArgs),
    /// Export a saved model to an ONNX file, for ONNX Runtime.
    ///
    /// The graph begins with the model's own preparation of its features, so that ONNX Runtime
    /// on the raw table gives `neurona predict`'s answers: for a model trained on text categories
    /// or missing cells the filling and the one-hot encoding, then the scaler (--scale). Such a
    /// model's graph takes one (N, 1) input per feature column, named as the column: numbers in
    /// the model's float type (NaN where missing), text as strings; any other model takes one
    /// input X (N, n_features). A graph cannot stop with an error: an unseen category gives
    /// zeros, even for a model trained with --handle-unknown error (the output says so).
    Export(ExportArgs),
    /// Show one forward and backward pass of a tiny network, neuron by neuron (the course's
    /// worked example by default), or with --cell of a tiny recurrent network through time.
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
    /// Japanese vowels (sequences, for --model-kind rnn): 640 utterances of 7 to 29 steps, 12
    /// features per step, 9 speakers; its own train and test split.
    JapaneseVowels,
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

/// What training does with a missing feature cell (empty, `NA`, `NaN`, `?` or `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Missing {
    /// Fill it with the training median of a number column and the most frequent value of a
    /// category column (scikit-learn's SimpleImputer), kept in the model for predict.
    Impute,
    /// Leave the rows with a missing feature out of training.
    DropRows,
    /// Refuse the table.
    Error,
}

/// What a category the model did not see in training becomes (scikit-learn's OneHotEncoder
/// `handle_unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HandleUnknown {
    /// An error naming the column, the row and the value.
    Error,
    /// Zeros in every column of its category.
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dtype {
    F32,
    F64,
}

/// The hyperparameters the command sets itself rather than by a flag of their own (`--verbose`
/// serves every family).
const SET_BY_THE_COMMAND: [&str; 1] = ["verbose"];

/// The spec table of a family (the same for each of its kinds), without the hyperparameters the
/// command sets itself.
pub fn family_specs(family: Family) -> Vec<Spec> {
    let specs = family.kinds().next().map(EstimatorKind::specs).unwrap_or_default();
    specs.into_iter().filter(|spec| !SET_BY_THE_COMMAND.contains(&spec.name)).collect()
}

/// The flag of a hyperparameter: scikit-learn's name in kebab-case.
pub fn flag_of(name: &str) -> String {
    format!("--{}", name.replace('_', "-"))
}

/// One hyperparameter flag, and the spec of each family that has it.
#[derive(Debug, Clone)]
pub struct HyperparameterFlag {
    pub name: &'static str,
    pub specs: Vec<(Family, Spec)>,
}

/// Every family's hyperparameters as one list of flags, in the order of the families and of
/// their spec tables; a name several families share is one flag.
pub fn hyperparameter_flags() -> Vec<HyperparameterFlag> {
    let mut flags: Vec<HyperparameterFlag> = Vec::new();
    for family in Family::ALL {
        for spec in family_specs(family) {
            match flags.iter_mut().find(|flag| flag.name == spec.name) {
                Some(flag) => flag.specs.push((family, spec)),
                None => flags.push(HyperparameterFlag { name: spec.name, specs: vec![(family, spec)] }),
            }
        }
    }
    flags
}

/// clap wants `'static` names and headings; the flags are built once per run, so leaking their
/// few dozen short strings costs nothing.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

impl HyperparameterFlag {
    /// The flag's help: each family's doc and choices (one line per family where they differ),
    /// the families that have it when not all do, and each family's default, all from the spec
    /// table.
    fn help(&self) -> String {
        let same_doc = self.specs.iter().all(|(_, spec)| spec.doc == self.specs[0].1.doc);
        let doc = |spec: &Spec| match spec.choices.as_slice() {
            [] => spec.doc.to_owned(),
            choices => format!("{} ({})", spec.doc, choices.join(", ")),
        };
        let mut lines: Vec<String> = if same_doc || self.specs.len() == 1 {
            vec![doc(&self.specs[0].1)]
        } else {
            self.specs.iter().map(|(family, spec)| format!("{family}: {}", doc(spec))).collect()
        };
        let same_default = self.specs.iter().all(|(_, spec)| spec.default == self.specs[0].1.default);
        // An empty list (the rnn's dense head) is written as nothing at all: say so.
        let default = |spec: &Spec| if spec.default.is_empty() { "empty".to_owned() } else { spec.default.clone() };
        let defaults: Vec<String> = if same_default {
            vec![default(&self.specs[0].1)]
        } else {
            self.specs.iter().map(|(family, spec)| format!("{} for {family}", default(spec))).collect()
        };
        let families: Vec<&str> = self.specs.iter().map(|(family, _)| family.name()).collect();
        let which = if self.specs.len() > 1 && self.specs.len() < Family::ALL.len() {
            format!("--model-kind {}; ", families.join(", "))
        } else {
            String::new()
        };
        lines.push(format!("[{which}default: {}]", defaults.join(", ")));
        lines.join("\n")
    }

    fn arg(&self) -> clap::Arg {
        let heading = match self.specs.as_slice() {
            [(family, _)] => format!("Hyperparameters of --model-kind {family}"),
            _ => "Hyperparameters of several model kinds".to_owned(),
        };
        let long = leak(self.name.replace('_', "-"));
        let arg = clap::Arg::new(self.name)
            .long(long)
            .value_name(leak(self.name.to_uppercase()))
            .help(self.help())
            .help_heading(leak(heading));
        if self.specs.iter().all(|(_, spec)| spec.kind == "bool") {
            // A bare `--early-stopping` means true, as a switch; `--shuffle false` still works.
            arg.value_name("BOOL").num_args(0..=1).default_missing_value("true")
        } else {
            arg.num_args(1)
        }
    }
}

/// The hyperparameter flags given on the command line, as text, in the order of
/// [`hyperparameter_flags`]. A flag left out takes the chosen family's default from the core;
/// [`crate::params`] sets the given ones through the core's `set_text` and checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hyperparameters {
    pub given: Vec<(&'static str, String)>,
}

impl clap::FromArgMatches for Hyperparameters {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut given = Self::default();
        given.update_from_arg_matches(matches)?;
        Ok(given)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        for flag in hyperparameter_flags() {
            if let Some(text) = matches.get_one::<String>(flag.name) {
                self.given.retain(|(name, _)| *name != flag.name);
                self.given.push((flag.name, text.clone()));
            }
        }
        Ok(())
    }
}

impl clap::Args for Hyperparameters {
    fn augment_args(command: clap::Command) -> clap::Command {
        hyperparameter_flags().iter().fold(command, |command, flag| command.arg(flag.arg()))
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

/// `--model-kind`: a family of the core's registry, by its command-line name.
fn family_parser() -> impl TypedValueParser<Value = Family> {
    let names = Family::ALL.map(Family::name);
    clap::builder::PossibleValuesParser::new(names)
        .try_map(|name: String| name.parse::<Family>().map_err(|e| e.to_string()))
}

/// Where a long table keeps its sequences (one row per step): the recurrent family's columns.
#[derive(Debug, Clone, Default, Args)]
pub struct SequenceColumns {
    /// The column naming each row's sequence, in a long table (one row per step; required to
    /// train --model-kind rnn on a table; predict and evaluate default to the model's).
    #[arg(long, value_name = "COLUMN", help_heading = "Sequences (--model-kind rnn)")]
    pub sequence_id: Option<String>,
    /// The column to order each sequence's steps by (numbers; the table's row order when left
    /// out; predict and evaluate default to the model's).
    #[arg(long, value_name = "COLUMN", help_heading = "Sequences (--model-kind rnn)")]
    pub step: Option<String>,
}

impl SequenceColumns {
    /// The flags given, as they are written.
    pub fn given(&self) -> Vec<&'static str> {
        let mut given = Vec::new();
        if self.sequence_id.is_some() {
            given.push("--sequence-id");
        }
        if self.step.is_some() {
            given.push("--step");
        }
        given
    }
}

/// Which columns of a --data table are features, and how text categories and missing values
/// become numbers (stored in the model, applied again by predict and evaluate).
#[derive(Debug, Clone, Args)]
pub struct ColumnArgs {
    /// Only these feature columns (comma-separated), instead of every column but the target(s).
    #[arg(long, value_name = "COL,...", value_delimiter = ',', help_heading = "Columns of a table")]
    pub features: Vec<String>,
    /// Every column but these (and the target(s)).
    #[arg(
        long,
        value_name = "COL,...",
        value_delimiter = ',',
        conflicts_with = "features",
        help_heading = "Columns of a table"
    )]
    pub drop: Vec<String>,
    /// Columns to one-hot encode although they hold numbers (integer-coded categories), or text
    /// with more distinct values than half the training rows. A text column is always encoded.
    #[arg(long, value_name = "COL,...", value_delimiter = ',', help_heading = "Columns of a table")]
    pub categorical: Vec<String>,
    /// Missing feature cells (empty, NA, NaN, ?, null). Rows without a target are always left
    /// out.
    #[arg(long, value_enum, default_value_t = Missing::Impute, help_heading = "Columns of a table")]
    pub missing: Missing,
    /// A category not seen in training, at predict and evaluate (they may override it).
    #[arg(long, value_enum, default_value_t = HandleUnknown::Error, help_heading = "Columns of a table")]
    pub handle_unknown: HandleUnknown,
}

impl ColumnArgs {
    /// The flags given that choose or encode columns, as they are written.
    pub fn given(&self) -> Vec<&'static str> {
        let mut given = Vec::new();
        for (flag, names) in
            [("--features", &self.features), ("--drop", &self.drop), ("--categorical", &self.categorical)]
        {
            if !names.is_empty() {
                given.push(flag);
            }
        }
        given
    }
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// What to train: an MLP, a perceptron (classification), an RBM (unsupervised features;
    /// see `neurona transform`) or a recurrent network (rnn: sequences, from a long table with
    /// --sequence-id or a .ts file).
    #[arg(long, value_name = "KIND", value_parser = family_parser(), default_value_t = Family::Mlp)]
    pub model_kind: Family,
    /// A CSV (with a header) or Parquet file; for rnn, a long table (one row per step, see
    /// --sequence-id) or a .ts file (the UCR/UEA archives' format).
    #[arg(long, value_name = "FILE", conflicts_with = "dataset")]
    pub data: Option<PathBuf>,
    /// Train out of core on --data, a Parquet file or a folder of Parquet files with the same
    /// columns, larger than memory: one row group at a time, in an order drawn from the
    /// random state (0 when none). mlp only: sgd and adam make one pass per epoch, a
    /// `partial_fit` per row group; lbfgs one pass per evaluation, the loss and gradient summed
    /// over the row groups. The scaler is fitted in a first pass, which also finds the classes.
    /// Every row trains (no test rows and no report: score the model with `neurona evaluate`);
    /// feature columns must be numbers without missing cells.
    #[arg(
        long,
        requires = "data",
        conflicts_with_all = ["test_data", "test_fraction", "report"],
        help_heading = "Data and output"
    )]
    pub stream: bool,
    /// A test set in a second file, read as --data is, instead of holding out --test-fraction
    /// of --data.
    #[arg(long, value_name = "FILE", requires = "data", conflicts_with = "test_fraction")]
    pub test_data: Option<PathBuf>,
    /// The target column (repeat it for multi-output regression or multi-label classification
    /// with the mlp and rnn). An rbm needs none: every column is a feature but those named here.
    /// In a long table, a missing cell (empty, NA, NaN, ?, null) has no target: a target per sequence
    /// may be given on some of its rows only. A .ts file has its own.
    #[arg(long, value_name = "COLUMN", requires = "data")]
    pub target: Vec<String>,
    #[command(flatten)]
    pub sequence_columns: SequenceColumns,
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// A bundled data set instead of --data (digits when neither is given; japanese-vowels for
    /// rnn).
    #[arg(long, value_enum)]
    pub dataset: Option<Bundled>,
    /// Classification or regression (when left out: inferred from the target, or as a .ts file
    /// declares it; mlp, rnn and perceptron, which always classifies).
    #[arg(long, value_enum)]
    pub task: Option<Task>,
    #[command(flatten)]
    pub hyperparameters: Hyperparameters,
    /// Feature scaling, fitted on the training rows and stored in the model. [default: standard
    /// for mlp and perceptron; minmax for rbm, whose units are probabilities in [0, 1]]
    #[arg(long, value_enum, help_heading = "Data and output")]
    pub scale: Option<Scale>,
    /// Fraction of the rows (of the sequences, for rnn) held out as a test set (0 keeps every
    /// row for training), drawn from --random-state (0 when it is none). Not used with
    /// --test-data or japanese-vowels, which has its own test set.
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
    /// Most threads per matrix product (at least 1) [default: every core, or OMP_NUM_THREADS
    /// where the environment sets it]. Results do not depend on it.
    #[arg(long, value_name = "N", help_heading = "Data and output")]
    pub threads: Option<usize>,
    /// No progress bar and no summary lines, only errors.
    #[arg(long, short, help_heading = "Data and output")]
    pub quiet: bool,
    /// Print scikit-learn's per-epoch lines instead of a progress bar.
    #[arg(long, short, help_heading = "Data and output")]
    pub verbose: bool,
}

/// `export`: a model file to ONNX.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The model file (from `neurona train`, the Python package or the Rust crate).
    #[arg(long)]
    pub model: PathBuf,
    /// The ONNX file to write (replaced atomically; nothing is written on an error).
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
}

/// A saved model applied to a table: `predict` and `transform`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The model file (from `neurona train`, the Python package or the Rust crate).
    #[arg(long)]
    pub model: PathBuf,
    /// A CSV or Parquet file with the model's feature columns (by name, others are ignored; a
    /// model fitted without column names takes every column, in order); for an rnn, a long table
    /// or a .ts file.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Write the result (predictions, or the hidden features hidden_0, hidden_1, ...) here, CSV
    /// or Parquet by extension, instead of to stdout. An rnn's predictions come one per
    /// sequence, after its id, or one per step, in the table's row order.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    #[command(flatten)]
    pub apply: ApplyArgs,
    #[command(flatten)]
    pub sequence_columns: SequenceColumns,
    /// Add one probability column per class (MLP classifiers).
    #[arg(long)]
    pub proba: bool,
    /// A category the model did not see in training: an error, or zeros [default: as trained].
    #[arg(long, value_enum)]
    pub handle_unknown: Option<HandleUnknown>,
    /// Add the perceptron's decision scores: one column for two classes (positive means the
    /// second class), one per class otherwise.
    #[arg(long)]
    pub decision_function: bool,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model file (from `neurona train`, the Python package or the Rust crate).
    #[arg(long)]
    pub model: PathBuf,
    /// A CSV or Parquet file with the model's feature columns and the target; for an rnn, a long
    /// table or a .ts file.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The target column(s); by default the ones the model was trained on (a model from the
    /// Python package or the Rust crate names none).
    #[arg(long, value_name = "COLUMN")]
    pub target: Vec<String>,
    #[command(flatten)]
    pub sequence_columns: SequenceColumns,
    /// A category the model did not see in training: an error, or zeros [default: as trained].
    #[arg(long, value_enum)]
    pub handle_unknown: Option<HandleUnknown>,
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
    /// Trace a tiny recurrent network through time instead (2 inputs, 2 hidden units, 3 steps,
    /// one linear output): `rnn` (Elman's, tanh), `lstm` or `gru`. --inputs then takes the steps
    /// separated by ';' (features by ','), and --targets one value.
    #[arg(long, value_name = "CELL", value_parser = trace_cell_parser(), conflicts_with_all = ["weights", "biases"])]
    pub cell: Option<Cell>,
}

/// `trace --cell`: a recurrent cell, by its name.
fn trace_cell_parser() -> impl TypedValueParser<Value = Cell> {
    clap::builder::PossibleValuesParser::new(Cell::ALL.map(Cell::name))
        .try_map(|name: String| name.parse::<Cell>().map_err(|e| e.to_string()))
}
