//! What a supervised model learns: the task (classification or regression, inferred from the
//! target when `--task` is left out) and the targets of that task.

use anyhow::{Result, bail};
use neurona::estimator::{Family, OutputKind};

use crate::UsageError;
use crate::args::Task;
use crate::data::{Dataset, Targets, numeric_targets};
use crate::table::Column;

/// The most distinct values an integer-valued numeric target may have and still be read as
/// class labels when `--task` is left out.
const MAX_INFERRED_CLASSES: usize = 20;

/// The tasks a family learns, from the outputs of its kinds in the core's registry (none for a
/// family that learns features without targets).
fn tasks_of(family: Family) -> Vec<Task> {
    let mut tasks: Vec<Task> = family
        .kinds()
        .filter_map(|kind| match kind.output() {
            OutputKind::Classes => Some(Task::Classification),
            OutputKind::Values => Some(Task::Regression),
            _ => None,
        })
        .collect();
    tasks.dedup();
    tasks
}

fn task_name(task: Task) -> String {
    format!("{task:?}").to_lowercase()
}

/// The task the target suggests, and why.
fn infer_task(data: &Dataset) -> (Task, String) {
    let name = &data.target_names[0];
    match &data.targets[0] {
        Column::Text(values) => {
            let mut distinct = values.clone();
            distinct.sort();
            distinct.dedup();
            (Task::Classification, format!("target '{name}' holds text: {} classes", distinct.len()))
        }
        Column::Numeric(values) => {
            let mut distinct: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            let integers = values.iter().all(|v| v.fract() == 0.0);
            if integers && distinct.len() <= MAX_INFERRED_CLASSES {
                (
                    Task::Classification,
                    format!("target '{name}' holds whole numbers: {} integer classes", distinct.len()),
                )
            } else {
                (Task::Regression, format!("target '{name}' holds {} distinct numbers", distinct.len()))
            }
        }
    }
}

/// The task of `family` on `data` (`given` by `--task`, or inferred), and the line that says
/// how it was chosen. A family that only classifies takes one target column and refuses a
/// target that looks like a regression's unless `--task classification` says otherwise.
pub fn choose_task(given: Option<Task>, family: Family, data: &Dataset) -> Result<(Task, String)> {
    let tasks = tasks_of(family);
    let classifies_only = tasks == [Task::Classification];
    if let Some(task) = given.filter(|task| !tasks.contains(task)) {
        let which = if classifies_only { ", which classifies" } else { "" };
        let message = format!("--task {} does not apply to --model-kind {family}{which}", task_name(task));
        return Err(UsageError(message).into());
    }
    if !classifies_only {
        return Ok(given.map_or_else(
            || {
                let (task, why) = infer_task(data);
                (task, format!("task: {} (inferred: {why}; --task overrides)", task_name(task)))
            },
            |task| (task, format!("task: {}", task_name(task))),
        ));
    }
    if data.targets.len() != 1 {
        let message =
            format!("the {family} predicts one target column, but {} were given with --target", data.targets.len());
        return Err(UsageError(message).into());
    }
    match (given, infer_task(data)) {
        (Some(task), _) => Ok((task, format!("task: {}", task_name(task)))),
        (None, (Task::Classification, why)) => {
            Ok((Task::Classification, format!("task: classification (the {family} classifies; {why})")))
        }
        (None, (Task::Regression, why)) => bail!(
            "the {family} classifies, but {why}, which looks like a regression target (--task classification \
             treats each value as a class)"
        ),
    }
}

/// The targets of `task`: labels from one column, multi-label indicators (0 or 1) from
/// several, numbers for regression.
pub fn targets_for(task: Task, data: &Dataset) -> Result<Targets> {
    let columns: Vec<&Column> = data.targets.iter().collect();
    Ok(match task {
        Task::Regression => Targets::Values(numeric_targets(&columns, &data.target_names, "target")?),
        Task::Classification if columns.len() == 1 => Targets::Labels(columns[0].as_text_labels()),
        Task::Classification => {
            let values = numeric_targets(&columns, &data.target_names, "label")?;
            if let Some(((row, k), v)) = values.indexed_iter().find(|(_, v)| **v != 0.0 && **v != 1.0) {
                bail!(
                    "several --target columns make a multi-label problem, whose labels must be 0 or 1: column '{}' \
                     has {v} at row {}",
                    data.target_names[k],
                    row + 1
                );
            }
            Targets::Indicators(values.mapv(|v| v == 1.0))
        }
    })
}
