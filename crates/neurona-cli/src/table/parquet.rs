//! Parquet files: flat columns of numbers or UTF-8 strings.

use std::cell::Cell;
use std::fs::File;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
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

use super::{Column, Table, check_names, check_table, write_file};

/// How the values of one Parquet column become a [`Column`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ParquetKind {
    Boolean,
    Int32 { unsigned: bool },
    Int64 { unsigned: bool },
    Float,
    Double,
    Utf8,
}

impl ParquetKind {
    /// A column of no cells, of the variant this kind reads into.
    pub(super) fn empty_column(self) -> Column {
        match self {
            ParquetKind::Utf8 => Column::Text(Vec::new()),
            _ => Column::Numeric(Vec::new()),
        }
    }

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

/// Reads a Parquet file (see [`super::read_table`]).
pub(super) fn read(path: &Path) -> Result<Table> {
    // The parquet crate panics on some corrupt files (a dictionary page that is missing, say)
    // instead of returning an error: such a panic becomes an error like any other corruption.
    match catch_panic(|| read_parquet_unguarded(path)) {
        Ok(result) => result,
        Err(panic) => bail!("{} is not a readable Parquet file (it is corrupt): {panic}", path.display()),
    }
}

fn read_parquet_unguarded(path: &Path) -> Result<Table> {
    let reader = open(path)?;
    let (names, kinds) = columns_of(path, &reader)?;

    // The row counts come from the file: check them before reading, so that a corrupt or
    // malicious file cannot make the reader decode (and this process allocate) without bound.
    let claimed_rows =
        reader.metadata().row_groups().iter().try_fold(0u64, |total, group| {
            u64::try_from(group.num_rows()).ok().and_then(|rows| total.checked_add(rows))
        });
    check_size(path, claimed_rows, names.len())?;

    let mut columns: Vec<Column> = kinds.iter().map(|kind| kind.empty_column()).collect();
    let every: Vec<usize> = (0..names.len()).collect();
    let mut n_rows = 0usize;
    for group in 0..reader.num_row_groups() {
        let rows = read_row_group(&reader, path, group, (&every, &names, &kinds), n_rows, &mut columns)?;
        n_rows = n_rows
            .checked_add(rows)
            .ok_or_else(|| anyhow!("{}: the row counts overflow (the file is corrupt)", path.display()))?;
    }
    if n_rows == 0 {
        bail!("{} has columns but no rows", path.display());
    }
    Ok(Table { names, columns, n_rows })
}

/// Opens a Parquet file's reader (its footer read, no data yet).
pub(super) fn open(path: &Path) -> Result<SerializedFileReader<File>> {
    let file = File::open(path).map_err(|e| anyhow!("cannot open {}: {e}", path.display()))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        bail!("cannot read {}: it is a folder", path.display());
    }
    SerializedFileReader::new(file).map_err(|e| anyhow!("{} is not a readable Parquet file: {e}", path.display()))
}

/// The names and kinds of a Parquet file's columns: flat columns of numbers or strings with
/// distinct names, or an error naming the column that is not.
pub(super) fn columns_of(path: &Path, reader: &SerializedFileReader<File>) -> Result<(Vec<String>, Vec<ParquetKind>)> {
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
    Ok((names, kinds))
}

/// The columns [`read_row_group`] reads: their indices in the file, and the names and kinds of
/// every column of the file.
pub(super) type Selection<'a> = (&'a [usize], &'a [String], &'a [ParquetKind]);

/// Appends the cells of row group `group` in the `selected` columns to `columns` (one per
/// selected column, each of the kind's variant), and returns the group's row count.
/// `first_row` is the index of the group's first row in the data, for messages.
pub(super) fn read_row_group(
    reader: &SerializedFileReader<File>,
    path: &Path,
    group: usize,
    (selected, names, kinds): Selection<'_>,
    first_row: usize,
    columns: &mut [Column],
) -> Result<usize> {
    let schema = reader.metadata().file_metadata().schema_descr();
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
    for (&j, column) in selected.iter().zip(columns) {
        let place = ParquetPlace { path, column: &names[j], first_row };
        let reader = row_group.get_column_reader(j).map_err(|e| place.corrupt(e))?;
        let max_definition = schema.column(j).max_def_level();
        read_parquet_chunk(reader, kinds[j], column, rows, max_definition, &place)?;
    }
    Ok(rows)
}

/// The most cells a Parquet file may claim: 2^28 numbers are 2 GiB, more than a table for this
/// tool will hold, and far less than the memory a bogus count in a corrupt file could ask for.
const MAX_PARQUET_CELLS: u64 = 1 << 28;

/// Refuses a row count that is negative or overflows (`None`), or a table past [`MAX_PARQUET_CELLS`].
pub(super) fn check_size(path: &Path, rows: Option<u64>, columns: usize) -> Result<()> {
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
                out.push(v.map_or(f64::NAN, |&b| f64::from(u8::from(b))));
                Ok(())
            })
        }
        (ColumnReader::Int32ColumnReader(r), ParquetKind::Int32 { unsigned }, Column::Numeric(out)) => {
            read_values(r, rows, max_definition, place, |v, _| {
                out.push(v.map_or(f64::NAN, |&x| if unsigned { f64::from(x as u32) } else { f64::from(x) }));
                Ok(())
            })
        }
        (ColumnReader::Int64ColumnReader(r), ParquetKind::Int64 { unsigned }, Column::Numeric(out)) => {
            // Integers past 2^53 round to the nearest f64, as every number in a table does.
            read_values(r, rows, max_definition, place, |v, _| {
                out.push(v.map_or(f64::NAN, |&x| if unsigned { x as u64 as f64 } else { x as f64 }));
                Ok(())
            })
        }
        (ColumnReader::FloatColumnReader(r), ParquetKind::Float, Column::Numeric(out)) => {
            read_values(r, rows, max_definition, place, |v, _| {
                out.push(v.map_or(f64::NAN, |&x| f64::from(x)));
                Ok(())
            })
        }
        (ColumnReader::DoubleColumnReader(r), ParquetKind::Double, Column::Numeric(out)) => {
            read_values(r, rows, max_definition, place, |v, _| {
                out.push(v.map_or(f64::NAN, |&x| x));
                Ok(())
            })
        }
        (ColumnReader::ByteArrayColumnReader(r), ParquetKind::Utf8, Column::Text(out)) => {
            read_values(r, rows, max_definition, place, |v, row| {
                // A null is an empty cell, which reads as missing.
                let Some(bytes) = v else {
                    out.push(String::new());
                    return Ok(());
                };
                let text = bytes.as_utf8().map_err(|_| {
                    anyhow!("{}: invalid UTF-8 in column '{}' at row {}", place.path.display(), place.column, row + 1)
                })?;
                out.push(text.to_owned());
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

/// Reads the `rows` values of one column chunk in bounded batches, handing each cell (`None`
/// for a null, a missing cell) and its file-wide row index to `push`.
fn read_values<T: DataType>(
    mut reader: ColumnReaderImpl<T>,
    rows: usize,
    max_definition: i16,
    place: &ParquetPlace,
    mut push: impl FnMut(Option<&T::T>, usize) -> Result<()>,
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
        let corrupt = || {
            anyhow!(
                "{}: column '{}' holds {} values for {records} rows near row {} (the file is corrupt)",
                place.path.display(),
                place.column,
                values.len(),
                first + 1
            )
        };
        let mut next = 0;
        for k in 0..records {
            // A definition level below the maximum is a null.
            if max_definition > 0 && definitions.get(k).is_none_or(|&d| d < max_definition) {
                push(None, first + k)?;
                continue;
            }
            push(Some(values.get(next).ok_or_else(corrupt)?), first + k)?;
            next += 1;
        }
        if next != values.len() {
            return Err(corrupt());
        }
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
pub(super) fn catch_panic<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
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

/// Rows per Parquet row group: bounds what a reader of the file decodes at once.
const ROW_GROUP_ROWS: usize = 64 * 1024;

/// Writes a Parquet file, atomically: numeric columns as required DOUBLE, text columns as
/// required UTF-8 BYTE_ARRAY, snappy-compressed.
pub fn write_parquet(path: &Path, names: &[String], columns: &[Column]) -> Result<()> {
    write_parquet_groups(path, names, columns, ROW_GROUP_ROWS)
}

/// [`write_parquet`] with row groups of `group_rows` rows (the last may have fewer), which
/// `--stream` reads one at a time.
pub fn write_parquet_groups(path: &Path, names: &[String], columns: &[Column], group_rows: usize) -> Result<()> {
    if group_rows == 0 {
        bail!("cannot write {}: row groups need at least 1 row", path.display());
    }
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
    let mut writer = SerializedFileWriter::new(Vec::new(), schema, properties).map_err(|e| failed(&e))?;
    for start in (0..n_rows).step_by(group_rows) {
        let rows = start..(start + group_rows).min(n_rows);
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
    let bytes = writer.into_inner().map_err(|e| failed(&e))?;
    write_file(path, &bytes)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use parquet::data_type::{BoolType, FloatType, Int32Type, Int64Type};
    use parquet::schema::parser::parse_message_type;

    use super::super::read_table;
    use super::super::testing::{error_of, files_in, strings};
    use super::*;

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
    fn parquet_nulls_are_missing_cells() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nulls.parquet");
        let schema = "message m { required double a; optional double b; optional binary c (UTF8); }";
        write_raw_parquet(&path, schema, |j, column| {
            match j {
                0 => column.typed::<DoubleType>().write_batch(&[1.0, 2.0, 3.0], None, None),
                1 => column.typed::<DoubleType>().write_batch(&[1.0, 3.0], Some(&[1, 0, 1]), None),
                _ => column.typed::<ByteArrayType>().write_batch(&["x".into()], Some(&[0, 1, 0]), None),
            }
            .unwrap();
        });
        let table = read_table(&path).unwrap();
        let b = table.column("b").unwrap().as_numeric().unwrap();
        assert_eq!((b[0], b[2]), (1.0, 3.0));
        assert!(b[1].is_nan() && table.columns[1].is_missing(1) && !table.columns[1].is_missing(0));
        assert_eq!(table.column("c"), Some(&Column::Text(strings(&["", "x", ""]))));
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
