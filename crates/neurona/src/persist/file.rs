//! Files on disk: read whole, written atomically. Model files go through here, and the command
//! line writes its other outputs through [`write_atomically`] too. This knows nothing of the
//! format, so that [`ModelFile`](crate::estimator::ModelFile)'s `save` and `load` can use it
//! without the envelope and the registry of kinds importing each other.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{NeuronaError, Result};

/// Reads a whole file, naming it in the error.
pub fn read_file(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    std::fs::read(path).map_err(|e| NeuronaError::Io { path: path.display().to_string(), message: e.to_string() })
}

/// Writes `bytes` to `path` through a temporary file in the same folder renamed into place, so
/// that the file is either the old one or the complete new one, never a half-written mix.
pub fn write_atomically(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let path = path.as_ref();
    let io = |e: std::io::Error| NeuronaError::Io { path: path.display().to_string(), message: e.to_string() };
    let name = path.file_name().ok_or_else(|| NeuronaError::Io {
        path: path.display().to_string(),
        message: "is not a file path".to_owned(),
    })?;
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = path.with_file_name(format!(".{}.{}-{unique}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(io)
}
