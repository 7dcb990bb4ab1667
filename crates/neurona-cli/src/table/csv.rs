//! CSV and tab-separated files with a header row.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use anyhow::{Result, anyhow, bail};

use super::{Column, Table, check_names, check_table, is_missing, write_file};

/// Reads a delimited file with a header row (see [`super::read_table`]).
pub(super) fn read(path: &Path, delimiter: u8) -> Result<Table> {
    let file = File::open(path).map_err(|e| anyhow!("cannot open {}: {e}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        // Ragged rows are reported by our own message, which names the line and both lengths.
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(file);
    let header = reader.byte_headers().map_err(|e| csv_error(path, e))?.clone();
    if header.is_empty() {
        bail!("{} is empty: expected a header row with the column names", path.display());
    }
    let mut names = Vec::with_capacity(header.len());
    for (j, raw) in header.iter().enumerate() {
        let name = std::str::from_utf8(raw).map_err(|_| {
            anyhow!(
                "{}: the name of column {} in the header is not valid UTF-8 (is it a text file?)",
                path.display(),
                j + 1
            )
        })?;
        names.push(name.to_owned());
    }
    check_names(path, &names)?;

    let mut builders: Vec<CsvColumn> = names.iter().map(|_| CsvColumn::new()).collect();
    let mut record = csv::ByteRecord::new();
    let mut n_rows = 0usize;
    while reader.read_byte_record(&mut record).map_err(|e| csv_error(path, e))? {
        // The header is line 1; a quoted cell may span lines, so ask the reader where the row began.
        let line = record.position().map_or(n_rows as u64 + 2, csv::Position::line);
        if record.len() != names.len() {
            bail!("{}: line {line} has {} fields, but the header has {}", path.display(), record.len(), names.len());
        }
        for ((raw, builder), name) in record.iter().zip(&mut builders).zip(&names) {
            let cell = std::str::from_utf8(raw)
                .map_err(|_| anyhow!("{}: invalid UTF-8 in column '{name}' at line {line}", path.display()))?;
            builder.push(cell);
        }
        n_rows += 1;
    }
    if n_rows == 0 {
        bail!("{} has a header but no rows", path.display());
    }
    Ok(Table { names, columns: builders.into_iter().map(CsvColumn::finish).collect(), n_rows })
}

fn csv_error(path: &Path, error: csv::Error) -> anyhow::Error {
    match error.kind() {
        csv::ErrorKind::Io(e) => anyhow!("cannot read {}: {e}", path.display()),
        _ => anyhow!("{}: {error}", path.display()),
    }
}

/// The cells of one CSV column while it is read: the numbers while every cell so far is one, and
/// the text of every cell in one buffer (one allocation per column, not per cell), kept in case
/// a later cell turns out not to be a number.
#[derive(Debug)]
struct CsvColumn {
    numbers: Vec<f64>,
    all_numeric: bool,
    text: String,
    ends: Vec<usize>,
}

impl CsvColumn {
    fn new() -> Self {
        CsvColumn { numbers: Vec::new(), all_numeric: true, text: String::new(), ends: Vec::new() }
    }

    fn push(&mut self, cell: &str) {
        if self.all_numeric {
            // A missing cell keeps a column of numbers numeric, as NaN.
            let parsed = if is_missing(cell) { Ok(f64::NAN) } else { cell.parse::<f64>() };
            match parsed {
                Ok(value) => self.numbers.push(value),
                Err(_) => {
                    self.all_numeric = false;
                    self.numbers = Vec::new();
                }
            }
        }
        self.text.push_str(cell);
        self.ends.push(self.text.len());
    }

    fn finish(self) -> Column {
        if self.all_numeric {
            return Column::Numeric(self.numbers);
        }
        let mut start = 0;
        let cells = self
            .ends
            .iter()
            .map(|&end| {
                let cell = self.text[start..end].to_owned();
                start = end;
                cell
            })
            .collect();
        Column::Text(cells)
    }
}

/// Writes a CSV file with a header row, atomically. Numbers are written by Rust's `Display`,
/// which round-trips every `f64` exactly ("NaN" and "inf" included).
pub fn write_csv(path: &Path, names: &[String], columns: &[Column]) -> Result<()> {
    let n_rows = check_table(path, names, columns)?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    write_records(&mut writer, names, columns, n_rows).map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    let bytes = writer.into_inner().map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error()))?;
    write_file(path, &bytes)
}

/// Prints a table as CSV to standard output. A failed write is not reported: it is a reader that
/// went away (`| head`), which ends the process by SIGPIPE where there is one.
pub fn print_csv(names: &[String], columns: &[Column]) {
    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    let rows = columns.first().map_or(0, Column::len);
    let _ = write_records(&mut writer, names, columns, rows);
    let _ = writer.flush();
}

/// The header and the first `n_rows` rows of the table.
fn write_records<W: Write>(
    writer: &mut csv::Writer<W>,
    names: &[String],
    columns: &[Column],
    n_rows: usize,
) -> csv::Result<()> {
    writer.write_record(names)?;
    let mut record = Vec::with_capacity(columns.len());
    for i in 0..n_rows {
        record.clear();
        record.extend(columns.iter().map(|column| match column {
            Column::Numeric(values) => values[i].to_string(),
            Column::Text(values) => values[i].clone(),
        }));
        writer.write_record(&record)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::read_table;
    use super::super::testing::{error_of, file, files_in, strings, table_of};
    use super::*;

    #[test]
    fn csv_columns_are_numeric_when_every_cell_is_a_number() {
        let table = table_of("t.csv", "x,label,y\n1.5,cat,3\n-2e3,7,nan\n0,dog,-inf\n");
        assert_eq!(table.names, strings(&["x", "label", "y"]));
        assert_eq!(table.n_rows, 3);
        assert_eq!(table.column("x"), Some(&Column::Numeric(vec![1.5, -2000.0, 0.0])));
        assert_eq!(table.column("label"), Some(&Column::Text(strings(&["cat", "7", "dog"]))));
        let y = table.column("y").unwrap().as_numeric().unwrap();
        assert_eq!(y[0], 3.0);
        assert!(y[1].is_nan());
        assert_eq!(y[2], f64::NEG_INFINITY);
        assert_eq!(table.index_of("y"), Some(2));
        assert_eq!(table.index_of("z"), None);
        assert!(table.column("z").is_none());
        assert!(table.column("label").unwrap().as_numeric().is_none());
        assert_eq!(table.columns.iter().map(Column::len).collect::<Vec<_>>(), [3, 3, 3]);
        assert!(!table.columns[0].is_empty() && Column::Text(vec![]).is_empty());
    }

    /// Missing cells keep a column of numbers numeric (as NaN) and stay as written in text.
    #[test]
    fn missing_cells_are_nan_in_numbers_and_kept_in_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(dir.path(), "t.csv", "x,c,e\n1,a,\nNA,?,\n,b, \nnull,NaN,?\n");
        let table = read_table(&path).unwrap();
        let x = table.columns[0].as_numeric().unwrap();
        assert_eq!(x[0], 1.0);
        assert!(x[1..].iter().all(|v| v.is_nan()));
        assert_eq!(table.columns[1], Column::Text(strings(&["a", "?", "b", "NaN"])));
        assert!(table.columns[2].as_numeric().unwrap().iter().all(|v| v.is_nan()));
    }

    #[test]
    fn tsv_quotes_spaces_and_a_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(dir.path(), "t.tsv", "\u{feff}a\t b \n 1 \t x y \n2\t\"z\"\n");
        let table = read_table(&path).unwrap();
        assert_eq!(table.names, strings(&["a", "b"]));
        assert_eq!(table.columns, vec![Column::Numeric(vec![1.0, 2.0]), Column::Text(strings(&["x y", "z"]))]);

        let path = file(dir.path(), "q.csv", "a,b\n\"1,5\",\"two\nlines\"\n3,4\n");
        let table = read_table(&path).unwrap();
        assert_eq!(table.columns[0], Column::Text(strings(&["1,5", "3"])));
        assert_eq!(table.columns[1], Column::Text(strings(&["two\nlines", "4"])));
    }

    /// Each bad file is an error naming the file and the place: ragged rows (the line and both
    /// lengths), empty cells, invalid UTF-8, duplicate and empty column names.
    #[test]
    fn bad_csv_files_are_errors_that_name_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, &[u8], &str); 6] = [
            (
                "r.csv",
                b"a,b,c,d\n1,2,3,4\n\"multi\nline\",2,3,4\n1,2,3\n",
                "r.csv: line 5 has 3 fields, but the header has 4",
            ),
            ("long.csv", b"a\n1\n2,3\n", "long.csv: line 3 has 2 fields, but the header has 1"),
            ("u.csv", b"x,y\n1,2\n3,caf\xe9\n", "u.csv: invalid UTF-8 in column 'y' at line 3"),
            ("h.csv", b"x,\xff\xfe\n1,2\n", "h.csv: the name of column 2 in the header is not valid UTF-8"),
            ("d.csv", b"a,b,a\n1,2,3\n", "d.csv: the column name 'a' appears twice (columns 1 and 3)"),
            ("e.csv", b"a,,c\n1,2,3\n", "e.csv: column 2 has an empty name"),
        ];
        for (name, contents, expected) in cases {
            let message = error_of(read_table(&file(dir.path(), name, contents)));
            assert!(message.contains(expected), "{name}: expected '{expected}' in: {message}");
        }
    }

    #[test]
    fn write_csv_round_trips_every_value_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let numbers = vec![0.1 + 0.2, 1e-300, -0.0, f64::MAX, 3.0, f64::INFINITY, f64::MIN_POSITIVE];
        let text = strings(&["a,b", "quote \"q\"", "new\nline", "é", "x", "3", "tab\there"]);
        let names = strings(&["number", "text"]);
        write_csv(&path, &names, &[Column::Numeric(numbers.clone()), Column::Text(text.clone())]).unwrap();
        let table = read_table(&path).unwrap();
        assert_eq!(table.names, names);
        let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(table.columns[0].as_numeric().unwrap()), bits(&numbers));
        assert_eq!(table.columns[1], Column::Text(text));
        assert_eq!(files_in(dir.path()), ["out.csv"]);

        // NaN is written so that it reads back as NaN.
        write_csv(&path, &strings(&["v"]), &[Column::Numeric(vec![f64::NAN, 1.0])]).unwrap();
        assert!(read_table(&path).unwrap().columns[0].as_numeric().unwrap()[0].is_nan());
    }
}
