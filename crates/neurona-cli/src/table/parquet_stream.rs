//! Parquet data too large for memory, read one row group at a time: a file, or a folder of files
//! with the same columns (`neurona train --stream`). Only the footers are read up front; each
//! [`ParquetStream::read`] decodes one row group's chosen columns, so that what is held at once
//! is about one row group.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use parquet::file::reader::FileReader;

use super::Column;
use super::parquet::{ParquetKind, catch_panic, check_size, columns_of, open, read_row_group};

/// One row group of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowGroup {
    /// Which file (an index into the stream's files, in name order).
    file: usize,
    /// Its index within that file.
    index: usize,
    /// Its number of rows (at least 1: empty groups are skipped).
    pub rows: usize,
    /// The index of its first row in the whole data (files in name order, groups in file order).
    pub first_row: usize,
}

/// A Parquet file, or a folder of them, as a sequence of row groups.
#[derive(Debug, Clone)]
pub struct ParquetStream {
    /// The data as the user named it.
    pub source: String,
    files: Vec<PathBuf>,
    /// The column names, the same in every file.
    pub names: Vec<String>,
    kinds: Vec<ParquetKind>,
    /// The non-empty row groups, in file order.
    pub groups: Vec<RowGroup>,
    /// The rows of every group.
    pub n_rows: usize,
}

/// Whether `path` names Parquet data that `--stream` reads: a `.parquet` (or `.pq`) file, or a
/// folder.
pub fn is_parquet_source(path: &Path) -> bool {
    path.is_dir() || has_parquet_extension(path)
}

fn has_parquet_extension(path: &Path) -> bool {
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    matches!(extension.as_deref(), Some("parquet" | "pq"))
}

impl ParquetStream {
    /// Reads the footers of `path` (a file, or every `.parquet`/`.pq` file of a folder, in name
    /// order): the columns, which must be the same in every file, and the row groups.
    pub fn open(path: &Path) -> Result<Self> {
        let files = files_of(path)?;
        let source = path.display().to_string();
        let mut stream =
            Self { source, files: Vec::new(), names: Vec::new(), kinds: Vec::new(), groups: Vec::new(), n_rows: 0 };
        for (k, file) in files.into_iter().enumerate() {
            let reader = guarded(&file, || open(&file))?;
            let (names, kinds) = guarded(&file, || columns_of(&file, &reader))?;
            if k == 0 {
                (stream.names, stream.kinds) = (names, kinds);
            } else if names != stream.names || kinds != stream.kinds {
                bail!(
                    "{}: its columns ({}) differ from those of {} ({}): every file of a folder needs the same \
                     columns, of the same types",
                    file.display(),
                    describe(&names, &kinds),
                    stream.files[0].display(),
                    describe(&stream.names, &stream.kinds)
                );
            }
            stream.add_groups(k, &file, &reader)?;
            stream.files.push(file);
        }
        if stream.n_rows == 0 {
            bail!("{} has columns but no rows", stream.source);
        }
        Ok(stream)
    }

    /// Records the non-empty row groups of file `k`, each checked to fit in memory.
    fn add_groups(
        &mut self,
        k: usize,
        file: &Path,
        reader: &parquet::file::reader::SerializedFileReader<std::fs::File>,
    ) -> Result<()> {
        for (index, group) in reader.metadata().row_groups().iter().enumerate() {
            let claimed = u64::try_from(group.num_rows()).ok();
            // One group is decoded at a time: it is the one that must fit, not the whole data.
            check_size(file, claimed, self.names.len())?;
            let rows = claimed.and_then(|rows| usize::try_from(rows).ok()).unwrap_or(0);
            if rows == 0 {
                continue;
            }
            self.groups.push(RowGroup { file: k, index, rows, first_row: self.n_rows });
            self.n_rows = self
                .n_rows
                .checked_add(rows)
                .ok_or_else(|| anyhow!("{}: the row counts overflow (the file is corrupt)", file.display()))?;
        }
        Ok(())
    }

    /// The position of the column called `name`, if there is one.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Whether column `j` holds text (a UTF-8 column).
    pub fn is_text(&self, j: usize) -> bool {
        self.kinds.get(j) == Some(&ParquetKind::Utf8)
    }

    /// The number of files.
    pub fn n_files(&self) -> usize {
        self.files.len()
    }

    /// The columns `columns` (indices into [`names`](Self::names)) of row group `group`, in
    /// that order, each `groups[group].rows` long.
    pub fn read(&self, group: usize, columns: &[usize]) -> Result<Vec<Column>> {
        let Some(&RowGroup { file, index, first_row, .. }) = self.groups.get(group) else {
            bail!("{} has {} row groups; there is no group {group}", self.source, self.groups.len());
        };
        let path = &self.files[file];
        guarded(path, || {
            let reader = open(path)?;
            let mut out: Vec<Column> = columns.iter().map(|&j| self.kinds[j].empty_column()).collect();
            read_row_group(&reader, path, index, (columns, &self.names, &self.kinds), first_row, &mut out)?;
            Ok(out)
        })
    }

    /// "120000 rows in 30 row groups of 2 files".
    pub fn describe(&self) -> String {
        let files = if self.files.len() == 1 { "1 file".to_owned() } else { format!("{} files", self.files.len()) };
        format!("{} rows in {} row groups of {files}", self.n_rows, self.groups.len())
    }
}

/// `f`, with a panic of the parquet crate on a corrupt file turned into an error naming it.
fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_panic(f)
        .unwrap_or_else(|panic| bail!("{} is not a readable Parquet file (it is corrupt): {panic}", path.display()))
}

/// The Parquet files of `path`: itself, or a folder's `.parquet`/`.pq` files in name order.
fn files_of(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        if !has_parquet_extension(path) {
            bail!("--stream reads a Parquet file (.parquet, .pq) or a folder of them, got {}", path.display());
        }
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| anyhow!("cannot read the folder {}: {e}", path.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| anyhow!("cannot read the folder {}: {e}", path.display()))?;
        let file = entry.path();
        if file.is_file() && has_parquet_extension(&file) {
            files.push(file);
        }
    }
    if files.is_empty() {
        bail!("the folder {} holds no Parquet file (.parquet, .pq)", path.display());
    }
    files.sort();
    Ok(files)
}

/// A schema in a message: "'a' (number), 'b' (text)".
fn describe(names: &[String], kinds: &[ParquetKind]) -> String {
    let typed: Vec<String> = names
        .iter()
        .zip(kinds)
        .map(|(name, kind)| format!("'{name}' ({})", if *kind == ParquetKind::Utf8 { "text" } else { "number" }))
        .collect();
    typed.join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::testing::strings;
    use super::super::write_parquet;
    use super::*;

    #[test]
    fn a_folder_streams_its_files_groups_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let names = strings(&["x", "y"]);
        for (file, start) in [("b.parquet", 10.0), ("a.parquet", 0.0)] {
            let columns = vec![
                Column::Numeric((0..3).map(|i| start + f64::from(i)).collect()),
                Column::Numeric(vec![1.0, 2.0, 3.0]),
            ];
            write_parquet(&dir.path().join(file), &names, &columns).unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "not data").unwrap();
        let stream = ParquetStream::open(dir.path()).unwrap();
        assert_eq!((stream.n_rows, stream.groups.len(), stream.n_files()), (6, 2, 2));
        assert_eq!(stream.groups[1].first_row, 3);
        assert_eq!(stream.read(0, &[0]).unwrap(), [Column::Numeric(vec![0.0, 1.0, 2.0])]);
        assert_eq!(stream.read(1, &[1, 0]).unwrap()[1], Column::Numeric(vec![10.0, 11.0, 12.0]));
        assert!(format!("{:#}", stream.read(2, &[0]).unwrap_err()).contains("there is no group 2"));
    }

    #[test]
    fn files_with_other_columns_or_no_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        write_parquet(&dir.path().join("a.parquet"), &strings(&["x"]), &[Column::Numeric(vec![1.0])]).unwrap();
        write_parquet(&dir.path().join("b.parquet"), &strings(&["x"]), &[Column::Text(strings(&["u"]))]).unwrap();
        let message = format!("{:#}", ParquetStream::open(dir.path()).unwrap_err());
        assert!(message.contains("b.parquet: its columns ('x' (text)) differ from those of"), "{message}");
        let empty = tempfile::tempdir().unwrap();
        let message = format!("{:#}", ParquetStream::open(empty.path()).unwrap_err());
        assert!(message.contains("holds no Parquet file"), "{message}");
        let message = format!("{:#}", ParquetStream::open(Path::new("data.csv")).unwrap_err());
        assert!(message.contains("--stream reads a Parquet file"), "{message}");
    }
}
