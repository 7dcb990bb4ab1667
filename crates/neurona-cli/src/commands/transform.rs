//! `neurona transform`: the learned features of a saved model (an RBM's hidden units) for a
//! table.

use anyhow::Result;

use crate::args::ApplyArgs;
use crate::model::Model;
use crate::table::{Column, read_table, write_output};

pub fn run(args: &ApplyArgs) -> Result<()> {
    let (model, extra) = Model::load(&args.model)?;
    model.require_transformer()?;
    let table = read_table(&args.data)?;
    let x = extra.read_features(&table, &[], &args.data)?;
    let hidden = model.transform(&x)?;
    let names: Vec<String> = (0..hidden.ncols()).map(|j| format!("hidden_{j}")).collect();
    let columns: Vec<Column> = hidden.columns().into_iter().map(|c| Column::Numeric(c.to_vec())).collect();
    write_output(args.output.as_deref(), &names, &columns)
}
