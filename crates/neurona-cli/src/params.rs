//! The training flags turned into a family's checked parameters: each flag given sets its
//! hyperparameter, a flag left out keeps the core's default (the one place scikit-learn's
//! defaults are written), and the core's `check` applies every rule. A flag of another family,
//! or an invalid value, is a usage error (exit code 2).

use neurona::estimator::Family;
use neurona::prelude::*;

use crate::UsageError;
use crate::args::{LearningRateArg, Tolerance, TrainArgs};
use crate::labels::ClassLabel;
use crate::model::Training;

/// The flags given on the command line that do not apply to `kind`, by name.
fn flags_not_for(args: &TrainArgs, family: Family) -> Vec<&'static str> {
    let (s, m, p, r) = (&args.shared, &args.mlp, &args.perceptron, &args.rbm);
    let mlp_only = [
        ("--hidden-layer-sizes", m.hidden_layer_sizes.is_some()),
        ("--activation", m.activation.is_some()),
        ("--solver", m.solver.is_some()),
        ("--learning-rate-init", m.learning_rate_init.is_some()),
        ("--power-t", m.power_t.is_some()),
        ("--momentum", m.momentum.is_some()),
        ("--nesterovs-momentum", m.nesterovs_momentum.is_some()),
        ("--beta-1", m.beta_1.is_some()),
        ("--beta-2", m.beta_2.is_some()),
        ("--epsilon", m.epsilon.is_some()),
        ("--max-fun", m.max_fun.is_some()),
        ("--loss", m.loss.is_some()),
    ];
    let perceptron_only = [
        ("--penalty", p.penalty.is_some()),
        ("--l1-ratio", p.l1_ratio.is_some()),
        ("--fit-intercept", p.fit_intercept.is_some()),
        ("--eta0", p.eta0.is_some()),
        ("--class-weight", p.class_weight.is_some()),
    ];
    let rbm_only = [("--n-components", r.n_components.is_some()), ("--n-iter", r.n_iter.is_some())];
    let supervised = [
        ("--alpha", s.alpha.is_some()),
        ("--max-iter", s.max_iter.is_some()),
        ("--tol", s.tol.is_some()),
        ("--shuffle", s.shuffle.is_some()),
        ("--early-stopping", s.early_stopping),
        ("--validation-fraction", s.validation_fraction.is_some()),
        ("--n-iter-no-change", s.n_iter_no_change.is_some()),
        ("--warm-start", s.warm_start),
        ("--task", args.task.is_some()),
    ];
    let minibatch = [("--batch-size", s.batch_size.is_some()), ("--learning-rate", s.learning_rate.is_some())];
    let groups: Vec<&[(&'static str, bool)]> = match family {
        Family::Mlp => vec![&perceptron_only, &rbm_only],
        Family::Perceptron => vec![&mlp_only, &rbm_only, &minibatch],
        _ => vec![&mlp_only, &perceptron_only, &supervised],
    };
    groups.into_iter().flatten().filter(|(_, given)| *given).map(|(name, _)| *name).collect()
}

/// The hyperparameters of `--model-kind`, from the flags given and the estimator's own
/// defaults for the rest, checked by the core (every rule lives in its `check`). A flag of
/// another model kind, or an invalid value, is a usage error.
pub fn training(args: &TrainArgs) -> Result<Box<dyn Training>, UsageError> {
    let family = args.model_kind;
    let wrong = flags_not_for(args, family);
    if !wrong.is_empty() {
        return Err(UsageError(format!(
            "{} {} not apply to --model-kind {}",
            wrong.join(", "),
            if wrong.len() == 1 { "does" } else { "do" },
            family
        )));
    }
    let usage = |e: neurona::NeuronaError| UsageError(e.to_string());
    // The command's registry of families: how each one's flags become its checked parameters.
    Ok(match family {
        Family::Mlp => Box::new(mlp_params(args).map_err(usage)?),
        Family::Perceptron => Box::new(perceptron_params(args)?.check().map_err(usage)?),
        Family::Rbm => Box::new(rbm_params(args)?.check().map_err(usage)?),
        other => return Err(UsageError(format!("--model-kind {other} cannot be trained by this command"))),
    })
}

/// The MLP's checked parameters (see [`training`]).
fn mlp_params(args: &TrainArgs) -> Result<MlpValidParams> {
    let (s, m) = (&args.shared, &args.mlp);
    if let Some(LearningRateArg::Value(rate)) = s.learning_rate {
        return Err(neurona::NeuronaError::InvalidParameter {
            name: "learning_rate",
            rule: "a schedule for --model-kind mlp (constant, invscaling, adaptive; its step size is \
                   --learning-rate-init)"
                .to_owned(),
            value: rate.to_string(),
        });
    }
    if let Some(Tolerance(None)) = s.tol {
        return Err(neurona::NeuronaError::InvalidParameter {
            name: "tol",
            rule: "a number for --model-kind mlp".to_owned(),
            value: "none".to_owned(),
        });
    }
    let mut p = MlpParams::new().verbose(args.verbose);
    set(&mut p, s.alpha, MlpParams::alpha);
    set(&mut p, s.max_iter, MlpParams::max_iter);
    set(&mut p, s.tol.and_then(|t| t.0), MlpParams::tol);
    set(&mut p, s.shuffle, MlpParams::shuffle);
    set(&mut p, s.random_state, MlpParams::random_state);
    set(&mut p, s.validation_fraction, MlpParams::validation_fraction);
    set(&mut p, s.n_iter_no_change, MlpParams::n_iter_no_change);
    set(&mut p, s.batch_size, MlpParams::batch_size);
    if let Some(LearningRateArg::Schedule(schedule)) = s.learning_rate {
        p = p.learning_rate(schedule);
    }
    set(&mut p, m.hidden_layer_sizes.clone().map(|l| l.0), |p, v: Vec<usize>| p.hidden_layer_sizes(v));
    set(&mut p, m.activation, MlpParams::activation);
    set(&mut p, m.solver, MlpParams::solver);
    set(&mut p, m.learning_rate_init, MlpParams::learning_rate_init);
    set(&mut p, m.power_t, MlpParams::power_t);
    set(&mut p, m.momentum, MlpParams::momentum);
    set(&mut p, m.nesterovs_momentum, MlpParams::nesterovs_momentum);
    set(&mut p, m.beta_1, MlpParams::beta_1);
    set(&mut p, m.beta_2, MlpParams::beta_2);
    set(&mut p, m.epsilon, MlpParams::epsilon);
    set(&mut p, m.max_fun, MlpParams::max_fun);
    set(&mut p, m.loss, MlpParams::loss);
    p.early_stopping(s.early_stopping).warm_start(s.warm_start).check()
}

/// The perceptron's parameters, unchecked.
fn perceptron_params(args: &TrainArgs) -> Result<PerceptronParams<ClassLabel>, UsageError> {
    let (s, given) = (&args.shared, &args.perceptron);
    let mut p = PerceptronParams::<ClassLabel>::new().verbose(args.verbose);
    set(&mut p, s.alpha, PerceptronParams::alpha);
    set(&mut p, s.max_iter, PerceptronParams::max_iter);
    set(&mut p, s.tol.map(|t| t.0), PerceptronParams::tol_option);
    set(&mut p, s.shuffle, PerceptronParams::shuffle);
    set(&mut p, s.random_state, PerceptronParams::random_state);
    set(&mut p, s.validation_fraction, PerceptronParams::validation_fraction);
    match s.n_iter_no_change {
        Some(Patience::Epochs(n)) => p = p.n_iter_no_change(n),
        Some(Patience::Never) => {
            return Err(UsageError(
                "--n-iter-no-change must be a whole number for --model-kind perceptron, got inf (--tol none \
                 runs every epoch)"
                    .to_owned(),
            ));
        }
        None => {}
    }
    set(&mut p, given.penalty, PerceptronParams::penalty);
    set(&mut p, given.l1_ratio, PerceptronParams::l1_ratio);
    set(&mut p, given.fit_intercept, PerceptronParams::fit_intercept);
    set(&mut p, given.eta0, PerceptronParams::eta0);
    set(&mut p, given.class_weight.clone().map(|w| w.0), PerceptronParams::class_weight);
    Ok(p.early_stopping(s.early_stopping).warm_start(s.warm_start))
}

/// The RBM's parameters, unchecked.
fn rbm_params(args: &TrainArgs) -> Result<RbmParams, UsageError> {
    let s = &args.shared;
    let mut p = RbmParams::new().verbose(args.verbose);
    set(&mut p, args.rbm.n_components, RbmParams::n_components);
    set(&mut p, args.rbm.n_iter, RbmParams::n_iter);
    set(&mut p, s.random_state, RbmParams::random_state);
    match s.batch_size {
        Some(BatchSize::Fixed(n)) => p = p.batch_size(n),
        Some(BatchSize::Auto) => {
            return Err(UsageError(
                "--batch-size must be a number for --model-kind rbm, got 'auto' (its default is 10)".to_owned(),
            ));
        }
        None => {}
    }
    match s.learning_rate {
        Some(LearningRateArg::Value(rate)) => p = p.learning_rate(rate),
        Some(LearningRateArg::Schedule(name)) => {
            return Err(UsageError(format!(
                "--learning-rate must be a number for --model-kind rbm (its step size, default 0.1), got '{name}'"
            )));
        }
        None => {}
    }
    Ok(p)
}

/// Applies a consuming setter when the flag was given, so that a flag left out keeps the core's
/// default (the one place scikit-learn's defaults are written).
fn set<P: Default, T>(params: &mut P, value: Option<T>, setter: impl FnOnce(P, T) -> P) {
    if let Some(value) = value {
        *params = setter(std::mem::take(params), value);
    }
}
