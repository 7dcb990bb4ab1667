//! Reading and writing tables: CSV (or tab-separated) files with a header row, and Parquet files.
//!
//! Everything read here is untrusted user input. A problem is an error whose message names the
//! file, the place (line or row, and column) and the value found; a bad file never panics. Every
//! file is written atomically ([`write_atomically`]), so that a failure never leaves a
//! half-written file behind.
//!
//! "nan" and "inf" parse as numbers and stay in the table, so that the caller can reject them
//! with their row and column.

use std::cell::Cell;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};

use anyhow::{Result, anyhow, bail};
use parquet::basic::{Compression, ConvertedType, LogicalType, Repetition, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, ByteArrayType, DataType, DoubleType};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type as SchemaType;

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
/// its type is BOOLEAN, INT32, INT64, FLOAT or DOUBLE, and text when it is a UTF-8 BYTE_ARRAY.
pub fn read_table(path: &Path) -> Result<Table> {
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("csv") => read_delimited(path, b','),
        Some("tsv") => read_delimited(path, b'\t'),
        Some("parquet" | "pq") => read_parquet(path),
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

fn read_delimited(path: &Path, delimiter: u8) -> Result<Table> {
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
            if cell.is_empty() {
                bail!("{}: missing value in column '{name}' at line {line}", path.display());
            }
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
            match cell.parse::<f64>() {
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

/// How the values of one Parquet column become a [`Column`].
#[derive(Debug, Clone, Copy)]
enum ParquetKind {
    Boolean,
    Int32 { unsigned: bool },
    Int64 { unsigned: bool },
    Float,
    Double,
    Utf8,
}

impl ParquetKind {
    /// The kind of a flat (primitive) column, or `None` for a type that is neither a plain number
    /// nor a string: decimals, dates and times would read as misleading raw integers.
    fn of(field: &SchemaType) -> Option<ParquetKind> {
        let info = field.get_basic_info();
        let logical = info.logical_type_ref();
        let converted = info.converted_type();
        let integer = |signed: ConvertedType, unsigned: ConvertedType| match (logical, converted) {
            (Some(LogicalType::Integer(int)), _) => Some(!int.is_signed),
            (None, ConvertedType::NONE) => Some(false),
            (None, c) if c == signed => Some(false),
            (None, c) if c == unsigned => Some(true),
            _ => None,
        };
        let plain = logical.is_none() && converted == ConvertedType::NONE;
        match field.get_physical_type() {
            PhysicalType::BOOLEAN if plain => Some(ParquetKind::Boolean),
            PhysicalType::INT32 => match (logical, converted) {
                (None, ConvertedType::INT_8 | ConvertedType::INT_16) => Some(ParquetKind::Int32 { unsigned: false }),
                (None, ConvertedType::UINT_8 | ConvertedType::UINT_16) => Some(ParquetKind::Int32 { unsigned: true }),
                _ => integer(ConvertedType::INT_32, ConvertedType::UINT_32)
                    .map(|unsigned| ParquetKind::Int32 { unsigned }),
            },
            PhysicalType::INT64 => {
                integer(ConvertedType::INT_64, ConvertedType::UINT_64).map(|unsigned| ParquetKind::Int64 { unsigned })
            }
            PhysicalType::FLOAT if plain => Some(ParquetKind::Float),
            PhysicalType::DOUBLE if plain => Some(ParquetKind::Double),
            PhysicalType::BYTE_ARRAY => match (logical, converted) {
                (Some(LogicalType::String | LogicalType::Enum), _) => Some(ParquetKind::Utf8),
                (None, ConvertedType::NONE | ConvertedType::UTF8 | ConvertedType::ENUM) => Some(ParquetKind::Utf8),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The type of a Parquet column as its schema writes it, e.g. "INT32 (DATE)".
fn describe_parquet_type(field: &SchemaType) -> String {
    let info = field.get_basic_info();
    let physical = field.get_physical_type();
    match (info.logical_type_ref(), info.converted_type()) {
        (_, converted) if converted != ConvertedType::NONE => format!("{physical} ({converted})"),
        (Some(logical), _) => format!("{physical} ({logical:?})"),
        (None, _) => physical.to_string(),
    }
}

/// Where an error in a Parquet column happened, for its message.
#[derive(Debug, Clone, Copy)]
struct ParquetPlace<'a> {
    path: &'a Path,
    column: &'a str,
    /// The index of the chunk's first row in the whole file.
    first_row: usize,
}

impl ParquetPlace<'_> {
    fn corrupt(&self, error: ParquetError) -> anyhow::Error {
        anyhow!(
            "{}: cannot read column '{}' (the file is corrupt or truncated): {error}",
            self.path.display(),
            self.column
        )
    }
}

fn read_parquet(path: &Path) -> Result<Table> {
    // The parquet crate panics on some corrupt files (a dictionary page that is missing, say)
    // instead of returning an error: such a panic becomes an error like any other corruption.
    match catch_panic(|| read_parquet_unguarded(path)) {
        Ok(result) => result,
        Err(panic) => bail!("{} is not a readable Parquet file (it is corrupt): {panic}", path.display()),
    }
}

fn read_parquet_unguarded(path: &Path) -> Result<Table> {
    let file = File::open(path).map_err(|e| anyhow!("cannot open {}: {e}", path.display()))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        bail!("cannot read {}: it is a folder", path.display());
    }
    let reader = SerializedFileReader::new(file)
        .map_err(|e| anyhow!("{} is not a readable Parquet file: {e}", path.display()))?;
    let schema = reader.metadata().file_metadata().schema_descr();
    let root = schema.root_schema();
    if !root.is_group() {
        bail!("{} is not a readable Parquet file: its schema has no columns", path.display());
    }
    let fields = root.get_fields();
    if fields.is_empty() {
        bail!("{} has no columns", path.display());
    }
    let mut names = Vec::with_capacity(fields.len());
    let mut kinds = Vec::with_capacity(fields.len());
    for field in fields {
        let name = field.name();
        let info = field.get_basic_info();
        if field.is_group() || (info.has_repetition() && info.repetition() == Repetition::REPEATED) {
            bail!(
                "{}: column '{name}' is nested (a group, list or map); only flat columns of numbers or strings can be read",
                path.display()
            );
        }
        let kind = ParquetKind::of(field).ok_or_else(|| {
            anyhow!(
                "{}: column '{name}' has the Parquet type {}, which is neither a number \
                 (BOOLEAN, INT32, INT64, FLOAT, DOUBLE) nor a UTF-8 string",
                path.display(),
                describe_parquet_type(field)
            )
        })?;
        names.push(name.to_owned());
        kinds.push(kind);
    }
    check_names(path, &names)?;
    // Every field is flat, so there is one leaf column per field, in the same order; a schema
    // that says otherwise is corrupt.
    if schema.num_columns() != fields.len() {
        bail!("{} is not a readable Parquet file: its schema is inconsistent", path.display());
    }

    // The row counts come from the file: check them before reading, so that a corrupt or
    // malicious file cannot make the reader decode (and this process allocate) without bound.
    let claimed_rows =
        reader.metadata().row_groups().iter().try_fold(0u64, |total, group| {
            u64::try_from(group.num_rows()).ok().and_then(|rows| total.checked_add(rows))
        });
    check_size(path, claimed_rows, names.len())?;

    let mut columns: Vec<Column> = kinds
        .iter()
        .map(|kind| match kind {
            ParquetKind::Utf8 => Column::Text(Vec::new()),
            _ => Column::Numeric(Vec::new()),
        })
        .collect();
    let mut n_rows = 0usize;
    for group in 0..reader.num_row_groups() {
        let row_group = reader
            .get_row_group(group)
            .map_err(|e| anyhow!("{}: cannot read row group {group} (the file is corrupt): {e}", path.display()))?;
        let rows = usize::try_from(row_group.metadata().num_rows()).map_err(|_| {
            anyhow!(
                "{}: row group {group} claims {} rows (the file is corrupt)",
                path.display(),
                row_group.metadata().num_rows()
            )
        })?;
        for (j, (kind, column)) in kinds.iter().zip(&mut columns).enumerate() {
            let place = ParquetPlace { path, column: &names[j], first_row: n_rows };
            let reader = row_group.get_column_reader(j).map_err(|e| place.corrupt(e))?;
            let max_definition = schema.column(j).max_def_level();
            read_parquet_chunk(reader, *kind, column, rows, max_definition, &place)?;
        }
        n_rows = n_rows
            .checked_add(rows)
            .ok_or_else(|| anyhow!("{}: the row counts overflow (the file is corrupt)", path.display()))?;
    }
    if n_rows == 0 {
        bail!("{} has columns but no rows", path.display());
    }
    Ok(Table { names, columns, n_rows })
}

/// The most cells a Parquet file may claim: 2^28 numbers are 2 GiB, more than a table for this
/// tool will hold, and far less than the memory a bogus count in a corrupt file could ask for.
const MAX_PARQUET_CELLS: u64 = 1 << 28;

/// Refuses a row count that is negative or overflows (`None`), or a table past [`MAX_PARQUET_CELLS`].
fn check_size(path: &Path, rows: Option<u64>, columns: usize) -> Result<()> {
    let Some(rows) = rows else {
        bail!("{} is not a readable Parquet file: its row counts are invalid (the file is corrupt)", path.display());
    };
    if rows.saturating_mul(columns as u64) > MAX_PARQUET_CELLS {
        bail!(
            "{}: {rows} rows of {columns} columns is more than the {MAX_PARQUET_CELLS} values neurona reads from a Parquet file",
            path.display()
        );
    }
    Ok(())
}

/// Appends the `rows` values of one column chunk to `column`.
fn read_parquet_chunk(
    reader: ColumnReader,
    kind: ParquetKind,
    column: &mut Column,
    rows: usize,
    max_definition: i16,
    place: &ParquetPlace,
) -> Result<()> {
    // Both branches hold `column`'s variant by construction; matching keeps that panic-free.
    match (reader, kind, column) {
        (ColumnReader::BoolColumnReader(r), ParquetKind::Boolean, Column::Numeric(out)) => {
            read_values(r, rows, max_definition, place, |v, _| {
                out.extend(v.iter().map(|&b| f64::from(u8::from(b))));
                Ok(())
            })
        }
        (ColumnReader::Int32ColumnReader(r), ParquetKind::Int32 { unsigned }, Column::Numeric(out)) => {
            read_values(r, rows, max_definition, place, |v, _| {
                out.extend(v.iter().map(|&x| if unsigned { f64::from(x as u32) } else { f64::from(x) }));
                Ok(())
            })
        }
        (ColumnReader::Int64ColumnReader(r), ParquetKind::Int64 { unsigned }, Column::Numeric(out)) => {
            // Integers past 2^53 round to the nearest f64, as every number in a table does.
            read_values(r, rows, max_definition, place, |v, _| {
                out.extend(v.iter().map(|&x| if unsigned { x as u64 as f64 } else { x as f64 }));
                Ok(())
            })
        }
        (ColumnReader::FloatColumnReader(r), ParquetKind::Float, Column::Numeric(out)) => {
            read_values(r, rows, max_definition, place, |v, _| {
                out.extend(v.iter().map(|&x| f64::from(x)));
                Ok(())
            })
        }
        (ColumnReader::DoubleColumnReader(r), ParquetKind::Double, Column::Numeric(out)) => {
            read_values(r, rows, max_definition, place, |v, _| {
                out.extend_from_slice(v);
                Ok(())
            })
        }
        (ColumnReader::ByteArrayColumnReader(r), ParquetKind::Utf8, Column::Text(out)) => {
            read_values(r, rows, max_definition, place, |v, first| {
                for (k, bytes) in v.iter().enumerate() {
                    let text = bytes.as_utf8().map_err(|_| {
                        anyhow!(
                            "{}: invalid UTF-8 in column '{}' at row {}",
                            place.path.display(),
                            place.column,
                            first + k + 1
                        )
                    })?;
                    out.push(text.to_owned());
                }
                Ok(())
            })
        }
        _ => bail!(
            "{}: column '{}' changes type between row groups (the file is corrupt)",
            place.path.display(),
            place.column
        ),
    }
}

/// Reads the `rows` values of one column chunk in bounded batches, handing each batch and the
/// file-wide index of its first row to `push`. A null is an error naming its row.
fn read_values<T: DataType>(
    mut reader: ColumnReaderImpl<T>,
    rows: usize,
    max_definition: i16,
    place: &ParquetPlace,
    mut push: impl FnMut(&[T::T], usize) -> Result<()>,
) -> Result<()> {
    // Batches bound what one read allocates, whatever sizes a corrupt file claims.
    const BATCH: usize = 8192;
    let mut values = Vec::new();
    let mut definitions = Vec::new();
    let mut done = 0;
    while done < rows {
        values.clear();
        definitions.clear();
        let (records, _, _) = reader
            .read_records((rows - done).min(BATCH), Some(&mut definitions), None, &mut values)
            .map_err(|e| place.corrupt(e))?;
        if records == 0 {
            break;
        }
        let first = place.first_row + done;
        if max_definition > 0
            && let Some(k) = definitions[..records.min(definitions.len())].iter().position(|&d| d < max_definition)
        {
            bail!("{}: null in column '{}' at row {}", place.path.display(), place.column, first + k + 1);
        }
        if values.len() != records {
            bail!(
                "{}: column '{}' holds {} values for {records} rows near row {} (the file is corrupt)",
                place.path.display(),
                place.column,
                values.len(),
                first + 1
            );
        }
        push(&values, first)?;
        done += records;
    }
    if done != rows {
        bail!(
            "{}: column '{}' ends after {} rows, but its row group has {} (the file is corrupt or truncated)",
            place.path.display(),
            place.column,
            place.first_row + done,
            place.first_row + rows
        );
    }
    Ok(())
}

thread_local! {
    /// Set while [`catch_panic`] runs on this thread: the panic hook then stays quiet, since the
    /// panic is reported as an error.
    static CATCHING_PANIC: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into `Err` with the panic's message, printed by nobody.
///
/// Only for code that parses untrusted bytes with a library that can panic on them; it relies on
/// the workspace's default `panic = "unwind"`.
fn catch_panic<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    // One hook for the whole process, installed once: swapping hooks around each call would race
    // with other threads. It defers to the previous hook except on a thread inside this function.
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CATCHING_PANIC.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was_catching = CATCHING_PANIC.with(|c| c.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING_PANIC.with(|c| c.set(was_catching));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".to_string());
        format!("the Parquet reader failed: {message}")
    })
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

/// Writes a CSV file with a header row, atomically. Numbers are written by Rust's `Display`,
/// which round-trips every `f64` exactly ("NaN" and "inf" included).
pub fn write_csv(path: &Path, names: &[String], columns: &[Column]) -> Result<()> {
    let n_rows = check_table(path, names, columns)?;
    let failed = |e: &dyn std::fmt::Display| anyhow!("cannot write {}: {e}", path.display());
    write_atomically(path, |temporary| {
        let file = File::create(temporary).map_err(|e| failed(&e))?;
        let mut writer = csv::Writer::from_writer(BufWriter::new(file));
        writer.write_record(names).map_err(|e| failed(&e))?;
        let mut record = Vec::with_capacity(columns.len());
        for i in 0..n_rows {
            record.clear();
            record.extend(columns.iter().map(|column| match column {
                Column::Numeric(values) => values[i].to_string(),
                Column::Text(values) => values[i].clone(),
            }));
            writer.write_record(&record).map_err(|e| failed(&e))?;
        }
        let buffered = writer.into_inner().map_err(|e| failed(e.error()))?;
        buffered.into_inner().map_err(|e| failed(e.error()))?;
        Ok(())
    })
}

/// Rows per Parquet row group: bounds what the writer buffers before it writes.
const ROW_GROUP_ROWS: usize = 64 * 1024;

/// Writes a Parquet file, atomically: numeric columns as required DOUBLE, text columns as
/// required UTF-8 BYTE_ARRAY, snappy-compressed.
pub fn write_parquet(path: &Path, names: &[String], columns: &[Column]) -> Result<()> {
    let n_rows = check_table(path, names, columns)?;
    let failed = |e: &dyn std::fmt::Display| anyhow!("cannot write {}: {e}", path.display());
    let fields = names
        .iter()
        .zip(columns)
        .map(|(name, column)| {
            let field = match column {
                Column::Numeric(_) => SchemaType::primitive_type_builder(name, PhysicalType::DOUBLE),
                Column::Text(_) => SchemaType::primitive_type_builder(name, PhysicalType::BYTE_ARRAY)
                    .with_logical_type(Some(LogicalType::String)),
            };
            field.with_repetition(Repetition::REQUIRED).build().map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| failed(&e))?;
    let schema =
        Arc::new(SchemaType::group_type_builder("schema").with_fields(fields).build().map_err(|e| failed(&e))?);
    let properties = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    write_atomically(path, |temporary| {
        let file = File::create(temporary).map_err(|e| failed(&e))?;
        let mut writer = SerializedFileWriter::new(file, schema, properties).map_err(|e| failed(&e))?;
        for start in (0..n_rows).step_by(ROW_GROUP_ROWS) {
            let rows = start..(start + ROW_GROUP_ROWS).min(n_rows);
            let mut row_group = writer.next_row_group().map_err(|e| failed(&e))?;
            for column in columns {
                let mut column_writer = row_group
                    .next_column()
                    .map_err(|e| failed(&e))?
                    .ok_or_else(|| failed(&"the writer has fewer columns than the schema"))?;
                match column {
                    Column::Numeric(values) => {
                        column_writer.typed::<DoubleType>().write_batch(&values[rows.clone()], None, None)
                    }
                    Column::Text(values) => {
                        let bytes: Vec<ByteArray> =
                            values[rows.clone()].iter().map(|s| ByteArray::from(s.as_str())).collect();
                        column_writer.typed::<ByteArrayType>().write_batch(&bytes, None, None)
                    }
                }
                .map_err(|e| failed(&e))?;
                column_writer.close().map_err(|e| failed(&e))?;
            }
            row_group.close().map_err(|e| failed(&e))?;
        }
        writer.close().map_err(|e| failed(&e))?;
        Ok(())
    })
}

/// Writes `path` atomically: `write` writes a temporary file (the path it is given) in the same
/// folder, which is flushed to disk and then renamed onto `path`. A failure, or a panic inside
/// `write`, removes the temporary file, so `path` is either left as it was or fully written.
///
/// The temporary file keeps `path`'s extension, since some writers (image encoders) choose the
/// format by it.
pub(crate) fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    // A rename is atomic only within one file system, hence the same folder.
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let (stem, extension) = match (path.file_stem(), path.extension()) {
        (Some(stem), extension) => (stem.to_string_lossy(), extension.map(|e| e.to_string_lossy())),
        (None, _) => bail!("cannot write {}: not a file name", path.display()),
    };
    let temporary = TemporaryFile::create(folder, &stem, extension.as_deref())
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    write(&temporary.path)?;
    // Without the sync, a crash soon after the rename could leave an empty file under the new name.
    OpenOptions::new()
        .write(true)
        .open(&temporary.path)
        .and_then(|file| file.sync_all())
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    fs::rename(&temporary.path, path).map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    temporary.keep();
    Ok(())
}

/// A temporary file that is removed when dropped, unless kept.
#[derive(Debug)]
struct TemporaryFile {
    path: PathBuf,
    keep: bool,
}

impl TemporaryFile {
    /// Creates a new, empty, hidden file `.{stem}.{pid}-{n}.tmp.{extension}` in `folder`.
    fn create(folder: &Path, stem: &str, extension: Option<&str>) -> io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let mut name = format!(".{stem}.{}-{n}.tmp", std::process::id());
            if let Some(extension) = extension {
                name.push('.');
                name.push_str(extension);
            }
            let path = folder.join(name);
            // `create_new` never opens a file that someone else made, e.g. a leftover of a
            // killed process with the same id: the loop tries the next name instead.
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    file.flush()?;
                    return Ok(TemporaryFile { path, keep: false });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for TemporaryFile {
    fn drop(&mut self) {
        if !self.keep {
            // Nothing better to do if this fails: the original error is the one to report.
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::data_type::{BoolType, FloatType, Int32Type, Int64Type};
    use parquet::schema::parser::parse_message_type;

    fn write_file(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, contents).unwrap();
        path
    }

    fn error_of(result: Result<Table>) -> String {
        format!("{:#}", result.expect_err("expected an error"))
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// The files in `dir`, sorted, to check that nothing was left behind.
    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn csv_columns_are_numeric_when_every_cell_is_a_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "t.csv", "x,label,y\n1.5,cat,3\n-2e3,7,nan\n0,dog,-inf\n");
        let table = read_table(&path).unwrap();
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

    #[test]
    fn integer_labels_stay_integers() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "t.csv", "class\n3\n10\n3.0\n0.5\n");
        let table = read_table(&path).unwrap();
        assert_eq!(table.columns[0].as_text_labels(), strings(&["3", "10", "3", "0.5"]));
        assert_eq!(Column::Text(strings(&["a", "03"])).as_text_labels(), strings(&["a", "03"]));
    }

    #[test]
    fn tsv_quotes_spaces_and_a_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "t.tsv", "\u{feff}a\t b \n 1 \t x y \n2\t\"z\"\n");
        let table = read_table(&path).unwrap();
        assert_eq!(table.names, strings(&["a", "b"]));
        assert_eq!(table.columns, vec![Column::Numeric(vec![1.0, 2.0]), Column::Text(strings(&["x y", "z"]))]);

        let path = write_file(dir.path(), "q.csv", "a,b\n\"1,5\",\"two\nlines\"\n3,4\n");
        let table = read_table(&path).unwrap();
        assert_eq!(table.columns[0], Column::Text(strings(&["1,5", "3"])));
        assert_eq!(table.columns[1], Column::Text(strings(&["two\nlines", "4"])));
    }

    #[test]
    fn the_extension_chooses_the_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "t.xlsx", "a\n1\n");
        let message = error_of(read_table(&path));
        assert!(message.contains("t.xlsx") && message.contains("'.xlsx'"), "{message}");
        let path = write_file(dir.path(), "t", "a\n1\n");
        assert!(error_of(read_table(&path)).contains("no file extension"));
        let path = write_file(dir.path(), "UPPER.CSV", "a\n1\n");
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

        let empty = write_file(dir.path(), "empty.csv", "");
        let message = error_of(read_table(&empty));
        assert!(message.contains("empty.csv is empty"), "{message}");
        let header_only = write_file(dir.path(), "header.csv", "a,b\n");
        assert!(error_of(read_table(&header_only)).contains("header.csv has a header but no rows"));
        let empty = write_file(dir.path(), "empty.parquet", "");
        assert!(error_of(read_table(&empty)).contains("empty.parquet is not a readable Parquet file"));
    }

    #[test]
    fn ragged_rows_name_the_line_and_both_lengths() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "r.csv", "a,b,c,d\n1,2,3,4\n\"multi\nline\",2,3,4\n1,2,3\n");
        let message = error_of(read_table(&path));
        assert!(message.contains("r.csv: line 5 has 3 fields, but the header has 4"), "{message}");
        let path = write_file(dir.path(), "long.csv", "a\n1\n2,3\n");
        assert!(error_of(read_table(&path)).contains("line 3 has 2 fields, but the header has 1"));
    }

    #[test]
    fn column_names_must_be_unique_and_non_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "d.csv", "a,b,a\n1,2,3\n");
        let message = error_of(read_table(&path));
        assert!(message.contains("the column name 'a' appears twice (columns 1 and 3)"), "{message}");
        let path = write_file(dir.path(), "e.csv", "a,,c\n1,2,3\n");
        assert!(error_of(read_table(&path)).contains("column 2 has an empty name"));
    }

    #[test]
    fn an_empty_cell_is_a_missing_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "m.csv", "x,y\n1,2\n3,4\n5, \n");
        let message = error_of(read_table(&path));
        assert!(message.contains("m.csv: missing value in column 'y' at line 4"), "{message}");
        let path = write_file(dir.path(), "m2.csv", "x,y\n1,2\n,4\n");
        assert!(error_of(read_table(&path)).contains("missing value in column 'x' at line 3"));
    }

    #[test]
    fn invalid_utf8_names_the_column_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "u.csv", b"x,y\n1,2\n3,caf\xe9\n");
        let message = error_of(read_table(&path));
        assert!(message.contains("u.csv: invalid UTF-8 in column 'y' at line 3"), "{message}");
        let path = write_file(dir.path(), "h.csv", b"x,\xff\xfe\n1,2\n");
        assert!(error_of(read_table(&path)).contains("column 2 in the header is not valid UTF-8"));
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

    #[test]
    fn writers_reject_inconsistent_tables_and_leave_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let columns = [Column::Numeric(vec![1.0, 2.0]), Column::Numeric(vec![1.0])];
        let message = format!("{:#}", write_csv(&path, &strings(&["a", "b"]), &columns).unwrap_err());
        assert!(message.contains("column 'b' has 1 rows, but column 'a' has 2"), "{message}");
        assert!(write_csv(&path, &strings(&["a"]), &columns).is_err());
        assert!(write_csv(&path, &strings(&["a", "a"]), &[columns[0].clone(), columns[0].clone()]).is_err());
        assert!(write_parquet(&dir.path().join("out.parquet"), &strings(&["a", "b"]), &columns).is_err());
        assert!(files_in(dir.path()).is_empty());

        let nowhere = dir.path().join("no").join("such").join("folder.csv");
        let message = format!("{:#}", write_csv(&nowhere, &strings(&["a"]), &columns[..1]).unwrap_err());
        assert!(message.contains("cannot write") && message.contains("folder.csv"), "{message}");
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "keep.csv", "old");
        let result = write_atomically(&path, |temporary| {
            fs::write(temporary, "half written").unwrap();
            bail!("disk full")
        });
        assert_eq!(result.unwrap_err().to_string(), "disk full");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(files_in(dir.path()), ["keep.csv"]);

        let panicked = std::panic::catch_unwind(|| {
            write_atomically(&path, |temporary| {
                fs::write(temporary, "half written").unwrap();
                panic!("a bug in a writer");
            })
        });
        assert!(panicked.is_err());
        assert_eq!(files_in(dir.path()), ["keep.csv"]);

        write_atomically(&path, |temporary| {
            assert!(temporary.extension().is_some_and(|e| e == "csv"));
            assert_eq!(temporary.parent(), Some(dir.path()));
            Ok(fs::write(temporary, "new")?)
        })
        .unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(files_in(dir.path()), ["keep.csv"]);
    }

    #[test]
    fn csv_to_parquet_and_back() {
        let dir = tempfile::tempdir().unwrap();
        let csv_path =
            write_file(dir.path(), "in.csv", "sepal length,species,flag\n5.1,setosa,1\n4.9,versicolor,0\n6.3,é,1\n");
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
    fn parquet_spans_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let n = ROW_GROUP_ROWS + 1000;
        let numbers: Vec<f64> = (0..n).map(|i| i as f64 * 0.25).collect();
        let text: Vec<String> = (0..n).map(|i| format!("c{}", i % 7)).collect();
        let names = strings(&["x", "c"]);
        let columns = vec![Column::Numeric(numbers), Column::Text(text)];
        let path = dir.path().join("big.parquet");
        write_parquet(&path, &names, &columns).unwrap();
        let table = read_table(&path).unwrap();
        assert_eq!(table, Table { names, columns, n_rows: n });
        assert_eq!(files_in(dir.path()), ["big.parquet"]);
    }

    /// Writes a one-row-group Parquet file with `schema`, filling column `j` through `fill`.
    fn write_raw_parquet(
        path: &Path,
        schema: &str,
        fill: impl Fn(usize, &mut parquet::file::writer::SerializedColumnWriter<'_>),
    ) {
        let schema = Arc::new(parse_message_type(schema).unwrap());
        let file = File::create(path).unwrap();
        let mut writer = SerializedFileWriter::new(file, schema, Default::default()).unwrap();
        let mut row_group = writer.next_row_group().unwrap();
        let mut j = 0;
        while let Some(mut column) = row_group.next_column().unwrap() {
            fill(j, &mut column);
            column.close().unwrap();
            j += 1;
        }
        row_group.close().unwrap();
        writer.close().unwrap();
    }

    #[test]
    fn parquet_numeric_types_become_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("types.parquet");
        let schema = "message m {
            required int32 i32; required int64 i64; required float f32; required boolean b;
            required int32 u32 (INTEGER(32,false)); required int64 u64 (UINT_64); required int32 small (INT_8);
            required binary s (UTF8); required binary raw; optional double maybe;
        }";
        write_raw_parquet(&path, schema, |j, column| {
            match j {
                0 => column.typed::<Int32Type>().write_batch(&[-1, 2], None, None),
                1 => column.typed::<Int64Type>().write_batch(&[1 << 40, -3], None, None),
                2 => column.typed::<FloatType>().write_batch(&[0.5, f32::NAN], None, None),
                3 => column.typed::<BoolType>().write_batch(&[true, false], None, None),
                4 => column.typed::<Int32Type>().write_batch(&[-1, 7], None, None),
                5 => column.typed::<Int64Type>().write_batch(&[-1, 7], None, None),
                6 => column.typed::<Int32Type>().write_batch(&[-8, 9], None, None),
                7 | 8 => column.typed::<ByteArrayType>().write_batch(&["a".into(), "b c".into()], None, None),
                _ => column.typed::<DoubleType>().write_batch(&[1.0, 2.0], Some(&[1, 1]), None),
            }
            .unwrap();
        });
        let table = read_table(&path).unwrap();
        assert_eq!(table.n_rows, 2);
        let numeric = |name: &str| table.column(name).unwrap().as_numeric().unwrap().to_vec();
        assert_eq!(numeric("i32"), [-1.0, 2.0]);
        assert_eq!(numeric("i64"), [(1u64 << 40) as f64, -3.0]);
        assert_eq!(numeric("f32")[0], 0.5);
        assert!(numeric("f32")[1].is_nan());
        assert_eq!(numeric("b"), [1.0, 0.0]);
        assert_eq!(numeric("u32"), [f64::from(u32::MAX), 7.0]);
        assert_eq!(numeric("u64"), [u64::MAX as f64, 7.0]);
        assert_eq!(numeric("small"), [-8.0, 9.0]);
        assert_eq!(numeric("maybe"), [1.0, 2.0]);
        assert_eq!(table.column("s"), Some(&Column::Text(strings(&["a", "b c"]))));
        assert_eq!(table.column("raw"), Some(&Column::Text(strings(&["a", "b c"]))));
    }

    #[test]
    fn parquet_nulls_name_the_column_and_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nulls.parquet");
        write_raw_parquet(&path, "message m { required double a; optional double b; }", |j, column| {
            let writer = column.typed::<DoubleType>();
            match j {
                0 => writer.write_batch(&[1.0, 2.0, 3.0], None, None),
                _ => writer.write_batch(&[1.0, 3.0], Some(&[1, 0, 1]), None),
            }
            .unwrap();
        });
        let message = error_of(read_table(&path));
        assert!(message.contains("nulls.parquet: null in column 'b' at row 2"), "{message}");
    }

    #[test]
    fn parquet_unsupported_types_name_the_column_and_type() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("message m { required int32 day (DATE); }", "column 'day' has the Parquet type INT32 (DATE)"),
            (
                "message m { required int64 price (DECIMAL(10,2)); }",
                "column 'price' has the Parquet type INT64 (DECIMAL)",
            ),
            ("message m { required int96 t; }", "column 't' has the Parquet type INT96"),
            ("message m { required fixed_len_byte_array(16) id (UUID); }", "column 'id' has the Parquet type"),
            ("message m { required group g { required double x; } }", "column 'g' is nested"),
            ("message m { repeated double xs; }", "column 'xs' is nested"),
            (
                "message m { optional group l (LIST) { repeated group list { optional double element; } } }",
                "column 'l' is nested",
            ),
        ];
        for (k, (schema, expected)) in cases.iter().enumerate() {
            let path = dir.path().join(format!("u{k}.parquet"));
            // No rows: the schema alone must be refused.
            write_raw_parquet(&path, schema, |_, _| {});
            let message = error_of(read_table(&path));
            assert!(message.contains(expected) && message.contains(&format!("u{k}.parquet")), "{message}");
        }
    }

    #[test]
    fn parquet_without_rows_or_with_duplicate_names_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.parquet");
        write_parquet(&path, &strings(&["a"]), &[Column::Numeric(vec![])]).unwrap();
        assert!(error_of(read_table(&path)).contains("none.parquet has columns but no rows"));

        let path = dir.path().join("dup.parquet");
        write_raw_parquet(&path, "message m { required double a; required double a; }", |_, column| {
            column.typed::<DoubleType>().write_batch(&[1.0], None, None).unwrap();
        });
        assert!(error_of(read_table(&path)).contains("the column name 'a' appears twice"));
    }

    #[test]
    fn parquet_row_counts_are_checked_before_reading() {
        let path = Path::new("huge.parquet");
        assert!(check_size(path, Some(1000), 64).is_ok());
        let message = format!("{:#}", check_size(path, Some(1 << 40), 2).unwrap_err());
        assert!(message.contains("huge.parquet: 1099511627776 rows of 2 columns is more than"), "{message}");
        assert!(format!("{:#}", check_size(path, None, 2).unwrap_err()).contains("row counts are invalid"));
    }

    /// A corrupt Parquet file, truncated or with flipped bytes, is an error or, where the damage
    /// hit only values, a table; never a panic.
    #[test]
    fn corrupt_parquet_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let n = 300;
        let names = strings(&["x", "label"]);
        let columns = vec![
            Column::Numeric((0..n).map(|i| i as f64).collect()),
            Column::Text((0..n).map(|i| format!("l{}", i % 3)).collect()),
        ];
        let good = dir.path().join("good.parquet");
        write_parquet(&good, &names, &columns).unwrap();
        let bytes = fs::read(&good).unwrap();
        let bad = dir.path().join("bad.parquet");

        for len in (0..bytes.len()).step_by(7) {
            fs::write(&bad, &bytes[..len]).unwrap();
            let message = error_of(read_table(&bad));
            assert!(message.contains("bad.parquet"), "{message}");
        }
        // A deterministic scramble: every position, with varied flips.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for position in 0..bytes.len() {
            for _ in 0..3 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let mut corrupt = bytes.clone();
                corrupt[position] ^= (state as u8) | 1;
                fs::write(&bad, &corrupt).unwrap();
                if let Err(error) = read_table(&bad) {
                    assert!(format!("{error:#}").contains("bad.parquet"));
                }
            }
        }
    }
}
