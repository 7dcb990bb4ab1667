//! Tables read from and written to files: CSV (or tab-separated) files with a header row
//! ([`csv`]), and Parquet files ([`parquet`]).
//!
//! Everything read here is untrusted user input. A problem is an error whose message names the
//! file, the place (line or row, and column) and the value found; a bad file never panics. Every
//! file is built in memory and then written atomically by the core's
//! [`neurona::persist::write_atomically`] (the one atomic writer of the project), so that a
//! failure never leaves a half-written file behind.
//!
//! A missing cell ([`is_missing`]: empty, `NA`, `NaN`, `?`, `null`) is NaN in a number column
//! (so that a column of numbers with holes stays numeric) and its text in a text column; "inf"
//! parses as a number and stays in the table. The caller fills or rejects them, naming the row
//! and column.

pub mod csv;
pub mod parquet;
pub mod parquet_stream;

use std::path::Path;

use anyhow::{Result, anyhow, bail};

pub use self::csv::{print_csv, write_csv};
pub use self::parquet::{write_parquet, write_parquet_groups};

/// Whether a cell's text means "no value": empty, `?`, or `NA`, `N/A`, `NaN`, `null` in any
/// case (what pandas' `read_csv(na_values=["?"])` reads as missing, but its rarer spellings).
pub fn is_missing(cell: &str) -> bool {
    cell.is_empty() || cell == "?" || ["na", "n/a", "nan", "-nan", "null"].iter().any(|t| cell.eq_ignore_ascii_case(t))
}

/// A table read from a file: named columns of equal length.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The column names in file order, unique and non-empty.
    pub names: Vec<String>,
    /// The columns, in the order of `names`, each `n_rows` long.
    pub columns: Vec<Column>,
    /// The number of data rows (the header is not counted).
    pub n_rows: usize,
}

impl Table {
    /// The column called `name`, if there is one.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.index_of(name).map(|j| &self.columns[j])
    }

    /// The position of the column called `name`, if there is one.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Every cell is a number (NaN and infinities included; booleans read as 0 and 1).
    Numeric(Vec<f64>),
    /// At least one cell is not a number: every cell is kept as the text the file has.
    Text(Vec<String>),
}

impl Column {
    /// The number of cells.
    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(values) => values.len(),
            Column::Text(values) => values.len(),
        }
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether cell `i` is missing: NaN in a number column, a missing token ([`is_missing`]) in
    /// a text column.
    pub fn is_missing(&self, i: usize) -> bool {
        match self {
            Column::Numeric(values) => values[i].is_nan(),
            Column::Text(values) => is_missing(&values[i]),
        }
    }

    /// The cells of `rows`, in this order.
    pub fn select(&self, rows: &[usize]) -> Column {
        match self {
            Column::Numeric(v) => Column::Numeric(rows.iter().map(|&i| v[i]).collect()),
            Column::Text(v) => Column::Text(rows.iter().map(|&i| v[i].clone()).collect()),
        }
    }

    /// The numbers, when the column is numeric.
    pub fn as_numeric(&self) -> Option<&[f64]> {
        match self {
            Column::Numeric(values) => Some(values),
            Column::Text(_) => None,
        }
    }

    /// The cells as labels, e.g. the classes of a classification target.
    ///
    /// Numbers are written by Rust's shortest round-trip `Display` (`3.0` gives "3", `0.5` gives
    /// "0.5"), not kept as the file spelled them: so the class 3 has the one label "3" whether a
    /// CSV file wrote it "3" or "3.0" and whether a Parquet file stored it as INT64 or DOUBLE, and
    /// the labels of a model trained on one file match those of a file it is evaluated on.
    pub fn as_text_labels(&self) -> Vec<String> {
        match self {
            Column::Numeric(values) => values.iter().map(|v| v.to_string()).collect(),
            Column::Text(values) => values.clone(),
        }
    }
}

/// Reads the table in `path`, choosing the format by the extension: `.csv` (comma-separated) or
/// `.tsv` (tab-separated), with a header row; `.parquet` or `.pq`.
///
/// A CSV column is numeric when every cell parses as a number (`f64`, so "nan" and "inf" too),
/// and text otherwise; cells are trimmed of surrounding spaces. A Parquet column is numeric when
/// its type is BOOLEAN, INT32, INT64, FLOAT or DOUBLE, and text when it is a UTF-8 BYTE_ARRAY;
/// a null is a missing cell (NaN in numbers, empty in text).
pub fn read_table(path: &Path) -> Result<Table> {
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("csv") => csv::read(path, b','),
        Some("tsv") => csv::read(path, b'\t'),
        Some("parquet" | "pq") => parquet::read(path),
        Some(other) => bail!(
            "{}: unknown table format '.{other}': use a .csv or .tsv file with a header row, or a .parquet file",
            path.display()
        ),
        None => bail!(
            "{}: no file extension to tell the format: use a .csv or .tsv file with a header row, or a .parquet file",
            path.display()
        ),
    }
}

/// Column names must be non-empty and unique, or a column could not be named on the command line.
fn check_names(path: &Path, names: &[String]) -> Result<()> {
    for (j, name) in names.iter().enumerate() {
        if name.is_empty() {
            bail!("{}: column {} has an empty name", path.display(), j + 1);
        }
        if let Some(first) = names[..j].iter().position(|n| n == name) {
            bail!("{}: the column name '{name}' appears twice (columns {} and {})", path.display(), first + 1, j + 1);
        }
    }
    Ok(())
}

/// Checks that `names` and `columns` make a table that [`read_table`] can read back, and returns
/// its number of rows.
fn check_table(path: &Path, names: &[String], columns: &[Column]) -> Result<usize> {
    if names.len() != columns.len() {
        bail!("cannot write {}: {} column names for {} columns", path.display(), names.len(), columns.len());
    }
    check_names(path, names)?;
    let n_rows = columns.first().map_or(0, Column::len);
    for (name, column) in names.iter().zip(columns) {
        if column.len() != n_rows {
            bail!(
                "cannot write {}: column '{name}' has {} rows, but column '{}' has {n_rows}",
                path.display(),
                column.len(),
                names[0]
            );
        }
    }
    Ok(n_rows)
}

/// Writes a table to `path`: Parquet for a `.parquet` or `.pq` file, CSV otherwise.
pub fn write_table(path: &Path, names: &[String], columns: &[Column]) -> Result<()> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("parquet" | "pq") => write_parquet(path, names, columns),
        _ => write_csv(path, names, columns),
    }
}

/// Writes a table to `output` ([`write_table`]), or as CSV to standard output.
pub fn write_output(output: Option<&Path>, names: &[String], columns: &[Column]) -> Result<()> {
    match output {
        Some(path) => write_table(path, names, columns),
        None => {
            print_csv(names, columns);
            Ok(())
        }
    }
}

/// Writes `bytes` to `path` atomically (a temporary file in the same folder, renamed into
/// place), with an error that names the file.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    neurona::persist::write_atomically(path, bytes).map_err(|e| match e {
        neurona::NeuronaError::Io { message, .. } => anyhow!("cannot write {}: {message}", path.display()),
        other => anyhow!("cannot write {}: {other}", path.display()),
    })
}

/// Helpers of the table tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::fs;
    use std::path::{Path, PathBuf};

    use anyhow::Result;

    use super::Table;

    /// Writes `contents` to `dir/name`.
    pub fn file(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, contents).unwrap();
        path
    }

    /// The table that a file `name` holding `contents` reads as (written in a temporary folder).
    pub fn table_of(name: &str, contents: &str) -> Table {
        let dir = tempfile::tempdir().unwrap();
        super::read_table(&file(dir.path(), name, contents)).unwrap()
    }

    pub fn error_of(result: Result<Table>) -> String {
        format!("{:#}", result.expect_err("expected an error"))
    }

    pub fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// The files in `dir`, sorted, to check that nothing was left behind.
    pub fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::testing::{error_of, file, files_in, strings, table_of};
    use super::*;

    #[test]
    fn the_extension_chooses_the_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(dir.path(), "t.xlsx", "a\n1\n");
        let message = error_of(read_table(&path));
        assert!(message.contains("t.xlsx") && message.contains("'.xlsx'"), "{message}");
        let path = file(dir.path(), "t", "a\n1\n");
        assert!(error_of(read_table(&path)).contains("no file extension"));
        let path = file(dir.path(), "UPPER.CSV", "a\n1\n");
        assert_eq!(read_table(&path).unwrap().n_rows, 1);
    }

    #[test]
    fn missing_empty_and_headless_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.csv");
        let message = error_of(read_table(&missing));
        assert!(message.contains("cannot open") && message.contains("nope.csv"), "{message}");
        let message = error_of(read_table(&dir.path().join("nope.parquet")));
        assert!(message.contains("cannot open") && message.contains("nope.parquet"), "{message}");

        let folder = dir.path().join("folder.csv");
        fs::create_dir(&folder).unwrap();
        assert!(error_of(read_table(&folder)).contains("folder.csv"));
        let folder = dir.path().join("folder.parquet");
        fs::create_dir(&folder).unwrap();
        assert!(error_of(read_table(&folder)).contains("folder.parquet"));

        let empty = file(dir.path(), "empty.csv", "");
        let message = error_of(read_table(&empty));
        assert!(message.contains("empty.csv is empty"), "{message}");
        let header_only = file(dir.path(), "header.csv", "a,b\n");
        assert!(error_of(read_table(&header_only)).contains("header.csv has a header but no rows"));
        let empty = file(dir.path(), "empty.parquet", "");
        assert!(error_of(read_table(&empty)).contains("empty.parquet is not a readable Parquet file"));
    }

    #[test]
    fn writers_reject_inconsistent_tables_and_leave_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let columns = [Column::Numeric(vec![1.0, 2.0]), Column::Numeric(vec![1.0])];
        let message = format!("{:#}", write_csv(&path, &strings(&["a", "b"]), &columns).unwrap_err());
        assert!(message.contains("column 'b' has 1 rows, but column 'a' has 2"), "{message}");
        let message = format!("{:#}", write_csv(&path, &strings(&["a"]), &columns).unwrap_err());
        assert!(message.contains("1 column names for 2 columns"), "{message}");
        let twice = [columns[0].clone(), columns[0].clone()];
        let message = format!("{:#}", write_csv(&path, &strings(&["a", "a"]), &twice).unwrap_err());
        assert!(message.contains("the column name 'a' appears twice"), "{message}");
        let parquet = dir.path().join("out.parquet");
        let message = format!("{:#}", write_parquet(&parquet, &strings(&["a", "b"]), &columns).unwrap_err());
        assert!(message.contains("out.parquet: column 'b' has 1 rows, but column 'a' has 2"), "{message}");
        assert!(files_in(dir.path()).is_empty());

        let nowhere = dir.path().join("no").join("such").join("folder.csv");
        let message = format!("{:#}", write_csv(&nowhere, &strings(&["a"]), &columns[..1]).unwrap_err());
        assert!(message.contains("cannot write") && message.contains("folder.csv"), "{message}");
    }

    /// Tables are built in memory and written by the core's atomic writer: a failure leaves the old
    /// file as it was and no temporary file behind.
    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(dir.path(), "keep.csv", "old");
        let ragged = [Column::Numeric(vec![1.0, 2.0]), Column::Numeric(vec![1.0])];
        let message = format!("{:#}", write_csv(&path, &strings(&["a", "b"]), &ragged).unwrap_err());
        assert!(message.contains("column 'b' has 1 rows"), "{message}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(files_in(dir.path()), ["keep.csv"]);

        // The rename onto a folder fails after the temporary file was written.
        fs::create_dir(dir.path().join("taken.csv")).unwrap();
        let message =
            format!("{:#}", write_csv(&dir.path().join("taken.csv"), &strings(&["a"]), &ragged[..1]).unwrap_err());
        assert!(message.starts_with("cannot write") && message.contains("taken.csv"), "{message}");
        assert_eq!(files_in(dir.path()), ["keep.csv", "taken.csv"]);

        write_csv(&path, &strings(&["a"]), &ragged[..1]).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "a\n1\n2\n");
        assert_eq!(files_in(dir.path()), ["keep.csv", "taken.csv"]);
    }

    #[test]
    fn csv_to_parquet_and_back() {
        let dir = tempfile::tempdir().unwrap();
        let csv_path =
            file(dir.path(), "in.csv", "sepal length,species,flag\n5.1,setosa,1\n4.9,versicolor,0\n6.3,é,1\n");
        let table = read_table(&csv_path).unwrap();
        let parquet_path = dir.path().join("t.parquet");
        write_parquet(&parquet_path, &table.names, &table.columns).unwrap();
        assert_eq!(read_table(&parquet_path).unwrap(), table);
        let pq = dir.path().join("t.pq");
        fs::copy(&parquet_path, &pq).unwrap();
        assert_eq!(read_table(&pq).unwrap(), table);
        assert_eq!(read_table(&pq).unwrap().columns[2].as_text_labels(), strings(&["1", "0", "1"]));
    }

    #[test]
    fn integer_labels_stay_integers() {
        let table = table_of("t.csv", "class\n3\n10\n3.0\n0.5\n");
        assert_eq!(table.columns[0].as_text_labels(), strings(&["3", "10", "3", "0.5"]));
        assert_eq!(Column::Text(strings(&["a", "03"])).as_text_labels(), strings(&["a", "03"]));
    }
}
