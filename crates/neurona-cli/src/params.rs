//! The training flags turned into a family's checked parameters: each hyperparameter flag given
//! is set through the core's `set_text` (the one parser of a value written as text), a flag left
//! out keeps the core's default (the one place scikit-learn's defaults are written), and the
//! core's `check` applies every rule. A flag of another family, or an invalid value, is a usage
//! error (exit code 2).

use neurona::estimator::Family;
use neurona::params::{Hyperparams, Spec};
use neurona::prelude::*;

use crate::UsageError;
use crate::args::{TrainArgs, family_specs, flag_of};
use crate::labels::ClassLabel;
use crate::model::{Training, is_supervised, reads_sequences};

/// The checked hyperparameters of `--model-kind`, from the flags given and the family's own
/// defaults for the rest.
pub fn training(args: &TrainArgs) -> Result<Box<dyn Training>, UsageError> {
    let family = args.model_kind;
    check_flags_apply(args, family)?;
    // The command's registry of families: the builder of each one's parameters and its check.
    match family {
        Family::Mlp => build(args, family, MlpParams::check),
        Family::Perceptron => build(args, family, PerceptronParams::<ClassLabel>::check),
        Family::Rbm => build(args, family, RbmParams::check),
        Family::Rnn => build(args, family, RnnParams::check),
        other => Err(UsageError(format!("--model-kind {other} cannot be trained by this command"))),
    }
}

/// An error naming every flag given that `family` does not have.
fn check_flags_apply(args: &TrainArgs, family: Family) -> Result<(), UsageError> {
    let specs = family_specs(family);
    let mut wrong: Vec<String> = args
        .hyperparameters
        .given
        .iter()
        .filter(|(name, _)| !specs.iter().any(|spec| spec.name == *name))
        .map(|(name, _)| flag_of(name))
        .collect();
    if args.task.is_some() && !is_supervised(family) {
        wrong.push("--task".to_owned());
    }
    if !reads_sequences(family) {
        wrong.extend(args.sequence_columns.given().into_iter().map(str::to_owned));
    }
    if wrong.is_empty() {
        return Ok(());
    }
    let verb = if wrong.len() == 1 { "does" } else { "do" };
    Err(UsageError(format!("{} {verb} not apply to --model-kind {family}", wrong.join(", "))))
}

/// The checked MLP parameters of the flags (`--stream` trains the MLPs only).
pub fn mlp(args: &TrainArgs) -> Result<MlpValidParams, UsageError> {
    check_flags_apply(args, Family::Mlp)?;
    checked(args, Family::Mlp, MlpParams::check)
}

/// The family's parameters, checked, as a [`Training`].
fn build<P, V>(
    args: &TrainArgs,
    family: Family,
    check: fn(P) -> neurona::Result<V>,
) -> Result<Box<dyn Training>, UsageError>
where
    P: Hyperparams,
    V: Training + 'static,
{
    Ok(Box::new(checked(args, family, check)?))
}

/// The family's parameters: its defaults, `--verbose`, then each flag given, checked.
fn checked<P: Hyperparams, V>(
    args: &TrainArgs,
    family: Family,
    check: fn(P) -> neurona::Result<V>,
) -> Result<V, UsageError> {
    let usage = |e: NeuronaError| UsageError(e.to_string());
    let mut params = P::default();
    params.set_text("verbose", &args.verbose.to_string()).map_err(usage)?;
    for (name, text) in &args.hyperparameters.given {
        params.set_text(name, text).map_err(|e| value_error(family, name, text, e))?;
    }
    check(params).map_err(usage)
}

/// The error of a value the family refuses. A flag that takes another kind of value in another
/// family (`--learning-rate`: the MLP's schedule, the RBM's step size) says what it takes for
/// this one; any other value gets the core's message.
fn value_error(family: Family, name: &str, text: &str, error: NeuronaError) -> UsageError {
    let specs = family_specs(family);
    let Some(spec) = specs.iter().find(|spec| spec.name == name) else { return UsageError(error.to_string()) };
    let elsewhere = Family::ALL
        .into_iter()
        .filter(|other| *other != family)
        .flat_map(family_specs)
        .any(|other| other.name == name && other.kind != spec.kind);
    if !elsewhere {
        return UsageError(error.to_string());
    }
    if let Some(message) = historic_message(family, name, text) {
        return UsageError(message);
    }
    UsageError(format!(
        "{} must be {} for --model-kind {family}, got '{text}' (its default is {})",
        flag_of(name),
        takes(spec, text),
        spec.default
    ))
}

/// What a spec's values are, in words: a word where a number belongs is "not a number", a
/// fraction or `inf` where a count belongs is "not a whole number".
fn takes(spec: &Spec, text: &str) -> String {
    match spec.kind {
        "float" => "a number".to_owned(),
        "integer" if text.trim().parse::<f64>().is_ok() => "a whole number".to_owned(),
        "integer" => "a number".to_owned(),
        _ if !spec.choices.is_empty() => format!("one of {}", spec.choices.join(", ")),
        kind => kind.to_owned(),
    }
}

/// The MLP's `--learning-rate` given the RBM's step size: the message the command has always
/// given, which points to the MLP's step size.
fn historic_message(family: Family, name: &str, text: &str) -> Option<String> {
    (family == Family::Mlp && name == "learning_rate").then(|| {
        format!(
            "learning_rate must be a schedule for --model-kind mlp (constant, invscaling, adaptive; its step size \
             is --learning-rate-init), got {text}"
        )
    })
}
