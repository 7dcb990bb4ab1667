//! A table's feature columns as the preprocessing reads them: numbers, or text, each cell
//! possibly missing, with the row of the file it came from (for messages).

use std::borrow::Cow;

use anyhow::{Result, bail};

use crate::table::{Column, Table, is_missing};

/// One feature column: numbers (NaN where missing) or text (`None` where missing).
#[derive(Debug, Clone, PartialEq)]
pub enum RawColumn {
    Numbers(Vec<f64>),
    Text(Vec<Option<String>>),
}

impl RawColumn {
    fn len(&self) -> usize {
        match self {
            Self::Numbers(v) => v.len(),
            Self::Text(v) => v.len(),
        }
    }

    /// Whether the cell of row `i` is missing.
    pub fn is_missing(&self, i: usize) -> bool {
        match self {
            Self::Numbers(v) => v[i].is_nan(),
            Self::Text(v) => v[i].is_none(),
        }
    }

    /// The cell of row `i` as text (a number as Rust writes it), `None` when missing.
    pub fn text(&self, i: usize) -> Option<Cow<'_, str>> {
        match self {
            Self::Numbers(v) => (!v[i].is_nan()).then(|| Cow::Owned(v[i].to_string())),
            Self::Text(v) => v[i].as_deref().map(Cow::Borrowed),
        }
    }

    /// The cell of row `i` as a number: `Ok(None)` when missing, `Err(text)` when it is text
    /// that is not a number.
    pub fn number(&self, i: usize) -> std::result::Result<Option<f64>, &str> {
        match self {
            Self::Numbers(v) => Ok((!v[i].is_nan()).then_some(v[i])),
            Self::Text(v) => match v[i].as_deref() {
                None => Ok(None),
                Some(cell) => cell.parse::<f64>().map(Some).map_err(|_| cell),
            },
        }
    }
}

/// The feature columns of a table, by name, with the file row of each of their rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFeatures {
    pub names: Vec<String>,
    pub columns: Vec<RawColumn>,
    /// Each row's number in the file (from 1, the header not counted).
    pub file_rows: Vec<usize>,
    /// The file, for messages.
    pub source: String,
}

impl RawFeatures {
    /// The columns `names` of `table` (which must have them), every row. An infinite number is an
    /// error naming the column and the row: it is no value an imputer could stand for.
    pub fn from_table(table: &Table, names: &[String], source: &str) -> Result<Self> {
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            let Some(column) = table.column(name) else {
                bail!("{source}: no column '{name}'");
            };
            columns.push(match column {
                Column::Numeric(values) => {
                    if let Some(row) = values.iter().position(|v| v.is_infinite()) {
                        bail!("{source}: feature column '{name}' has infinity at row {}", row + 1);
                    }
                    RawColumn::Numbers(values.clone())
                }
                Column::Text(cells) => {
                    RawColumn::Text(cells.iter().map(|c| (!is_missing(c)).then(|| c.clone())).collect())
                }
            });
        }
        Ok(Self { names: names.to_vec(), columns, file_rows: (1..=table.n_rows).collect(), source: source.to_owned() })
    }

    pub fn n_rows(&self) -> usize {
        self.file_rows.len()
    }

    /// These rows, in this order.
    pub fn select(&self, rows: &[usize]) -> Self {
        let columns = self
            .columns
            .iter()
            .map(|column| match column {
                RawColumn::Numbers(v) => RawColumn::Numbers(rows.iter().map(|&i| v[i]).collect()),
                RawColumn::Text(v) => RawColumn::Text(rows.iter().map(|&i| v[i].clone()).collect()),
            })
            .collect();
        let file_rows = rows.iter().map(|&i| self.file_rows[i]).collect();
        Self { names: self.names.clone(), columns, file_rows, source: self.source.clone() }
    }

    /// The rows with no missing cell.
    pub fn complete_rows(&self) -> Vec<usize> {
        (0..self.n_rows()).filter(|&i| self.columns.iter().all(|c| !c.is_missing(i))).collect()
    }

    /// The number of missing cells of each column that has some, in column order.
    pub fn missing_counts(&self) -> Vec<(&str, usize)> {
        let counts = self
            .names
            .iter()
            .zip(&self.columns)
            .map(|(name, column)| (name.as_str(), (0..column.len()).filter(|&i| column.is_missing(i)).count()));
        counts.filter(|(_, n)| *n > 0).collect()
    }

    /// The first missing cell, as (column, file row), if any.
    pub fn first_missing(&self) -> Option<(&str, usize)> {
        (0..self.n_rows()).find_map(|i| {
            let j = self.columns.iter().position(|c| c.is_missing(i))?;
            Some((self.names[j].as_str(), self.file_rows[i]))
        })
    }
}

/// "13 cells imputed: sex 11, bill_length_mm 2", the missing cells of each column and what
/// became of them (`done`).
pub fn describe_missing(counts: &[(&str, usize)], done: &str) -> String {
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let each: Vec<String> = counts.iter().map(|(name, n)| format!("{name} {n}")).collect();
    format!("{total} cell{} {done}: {}", if total == 1 { "" } else { "s" }, each.join(", "))
}
