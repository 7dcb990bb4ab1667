//! `neurona transform`: the hidden features of a saved RBM for a table.

use anyhow::Result;

use crate::cli::TransformArgs;
use crate::commands::predict::write_output;
use crate::model::AnyModel;
use crate::table::{Column, read_table};

pub fn run(args: &TransformArgs) -> Result<()> {
    let (model, extra) = AnyModel::load(&args.model)?;
    model.require_rbm()?;
    let table = read_table(&args.data)?;
    let x = extra.read_features(&table, &[], &args.data)?;
    let hidden = model.transform(&x)?;
    let names: Vec<String> = (0..hidden.ncols()).map(|j| format!("hidden_{j}")).collect();
    let columns: Vec<Column> = hidden.columns().into_iter().map(|c| Column::Numeric(c.to_vec())).collect();
    write_output(args.output.as_deref(), &names, &columns)
}
