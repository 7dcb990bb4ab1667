//! Fitting the preprocessing on the training rows, with scikit-learn's numerics: the median of
//! an even count is the mean of the two middle values (`np.median`), the most frequent value
//! of a tie is the smallest (`SimpleImputer`), the categories are sorted (`OneHotEncoder`).

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use super::{Categories, Category, ColumnStep, Encoding, Preprocessor, RawColumn, RawFeatures};
use crate::args::{HandleUnknown, Missing};

/// What the command line chose.
#[derive(Debug, Clone, Copy)]
pub struct FitOptions<'a> {
    /// Columns to encode as categories whatever they hold (`--categorical`).
    pub categorical: &'a [String],
    pub missing: Missing,
    pub handle_unknown: HandleUnknown,
}

/// A text column with more distinct values than this share of the training rows (and more than
/// [`FEW_CATEGORIES`]) is refused unless named by `--categorical`: an identifier or free text,
/// which one-hot encoding would turn into hundreds of columns that say nothing.
const MOST_CATEGORIES_PER_ROW: f64 = 0.5;
const FEW_CATEGORIES: usize = 10;

impl Preprocessor {
    /// Fits every column of `raw` on its rows `rows` (the training rows).
    pub fn fit(raw: &RawFeatures, rows: &[usize], options: FitOptions) -> Result<Self> {
        let columns = raw
            .names
            .iter()
            .zip(&raw.columns)
            .map(|(name, column)| fit_column(name, column, rows, raw, options))
            .collect::<Result<Vec<ColumnStep>>>()?;
        Ok(Self { columns, missing: options.missing, handle_unknown: options.handle_unknown })
    }
}

fn fit_column(
    name: &str,
    column: &RawColumn,
    rows: &[usize],
    raw: &RawFeatures,
    options: FitOptions,
) -> Result<ColumnStep> {
    let present: Vec<usize> = rows.iter().copied().filter(|&i| !column.is_missing(i)).collect();
    if present.is_empty() {
        bail!(
            "{}: feature column '{name}' has no value in the {} training rows (every cell is missing): leave it out \
             with --drop {name}",
            raw.source,
            rows.len()
        );
    }
    let impute = options.missing == Missing::Impute;
    let forced = options.categorical.iter().any(|c| c == name);
    let encoding = match column {
        RawColumn::Numbers(values) if !forced => {
            let mut sorted: Vec<f64> = present.iter().map(|&i| values[i]).collect();
            sorted.sort_by(f64::total_cmp);
            Encoding::Number { median: impute.then(|| median(&sorted)) }
        }
        RawColumn::Numbers(values) => {
            let counts = count(present.iter().map(|&i| OrderedNumber(values[i])));
            let most = most_frequent(&counts);
            let categories = Categories(counts.keys().map(|k| Category::Number(k.0)).collect());
            Encoding::Categories { categories, most_frequent: impute.then_some(most), drop: None }
        }
        RawColumn::Text(cells) => {
            let counts = count(present.iter().map(|&i| cells[i].clone().unwrap_or_default()));
            let limit = ((present.len() as f64 * MOST_CATEGORIES_PER_ROW) as usize).max(FEW_CATEGORIES);
            if counts.len() > limit && !forced {
                bail!(
                    "{}: feature column '{name}' holds text with {} distinct values in {} training rows: an \
                     identifier or free text? Leave it out with --drop {name} (or encode it anyway, one column per \
                     value, with --categorical {name})",
                    raw.source,
                    counts.len(),
                    present.len()
                );
            }
            let most = most_frequent(&counts);
            let categories: Vec<String> = counts.into_keys().collect();
            let drop = yes_no_drop(&categories);
            Encoding::Categories {
                categories: Categories(categories.into_iter().map(Category::Text).collect()),
                most_frequent: impute.then_some(most),
                drop,
            }
        }
    };
    Ok(ColumnStep { name: name.to_owned(), encoding })
}

/// The median of sorted values, as `np.median`: the middle one, or the mean of the two.
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// A number with a total order, to count and sort categories that are numbers.
#[derive(Debug, Clone, Copy)]
struct OrderedNumber(f64);

impl PartialEq for OrderedNumber {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for OrderedNumber {}
impl PartialOrd for OrderedNumber {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrderedNumber {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // -0.0 and 0.0 are one category, as they are one value in Python.
        (self.0 + 0.0).total_cmp(&(other.0 + 0.0))
    }
}

/// How often each value occurs, sorted by value.
fn count<K: Ord>(values: impl Iterator<Item = K>) -> BTreeMap<K, usize> {
    let mut counts = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_insert(0) += 1;
    }
    counts
}

/// The index (in sorted order) of the most frequent value; on a tie, the smallest value, as
/// scikit-learn's `SimpleImputer(strategy="most_frequent")` takes.
fn most_frequent<K>(counts: &BTreeMap<K, usize>) -> usize {
    let top = counts.values().copied().max().unwrap_or(0);
    counts.values().position(|&n| n == top).unwrap_or(0)
}

/// For a yes/no or true/false column (two categories, in any case), the index of the "no" or
/// "false" one, which is dropped to leave one 0/1 column.
fn yes_no_drop(categories: &[String]) -> Option<usize> {
    let [a, b] = categories else { return None };
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    match (a.as_str(), b.as_str()) {
        ("no", "yes") | ("false", "true") => Some(0),
        ("yes", "no") | ("true", "false") => Some(1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_ties_and_yes_no_as_scikit_learn() {
        assert_eq!(median(&[1.0, 2.0, 4.0, 10.0]), 3.0);
        assert_eq!(median(&[1.0, 2.0, 4.0]), 2.0);
        let counts = count(["b", "a", "b", "a", "c"].into_iter());
        assert_eq!(most_frequent(&counts), 0);
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(yes_no_drop(&names(&["No", "Yes"])), Some(0));
        assert_eq!(yes_no_drop(&names(&["Yes", "no"])), Some(1));
        assert_eq!(yes_no_drop(&names(&["FALSE", "TRUE"])), Some(0));
        assert_eq!(yes_no_drop(&names(&["female", "male"])), None);
        assert_eq!(yes_no_drop(&names(&["yes"])), None);
    }
}
