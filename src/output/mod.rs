//! Result files. One module per format; [`ResultDir`] makes them appear atomically.
//!
//! A result folder is first written as a hidden temporary sibling, then renamed into place,
//! so readers never see half a result. An existing folder is replaced only if it is a
//! floodsim result (it holds the marker file [`MARKER`]) or empty.

pub mod graph_export;
pub mod nodes_csv;
pub mod queries_csv;
pub mod run_json;
pub mod summary_json;
pub mod sweep_csv;
pub mod temp;
pub mod timeseries_csv;
pub mod trace_csv;

use crate::error::{Error, InputError};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file that marks a folder as a floodsim result.
pub const MARKER: &str = ".floodsim-result";

/// A result folder being written.
pub struct ResultDir {
    target: PathBuf,
    temp: PathBuf,
    _registered: temp::Registered,
}

/// Refuses a target that exists and is neither a floodsim result nor an empty folder.
/// Call before simulating, so that a long run never ends in this error.
pub fn check_target(target: &Path) -> Result<(), Error> {
    if !target.exists() {
        return Ok(());
    }
    let refuse = |why: &str| {
        Err(InputError::new(format!("{} {why}", target.display()))
            .fix("choose another --out folder, or move that one away")
            .into())
    };
    if !target.is_dir() {
        return refuse("exists and is not a folder");
    }
    if target.join(MARKER).is_file() {
        return Ok(());
    }
    match fs::read_dir(target).map(|mut entries| entries.next().is_none()) {
        Ok(true) => Ok(()),
        _ => refuse("exists and is not a floodsim result; floodsim never overwrites it"),
    }
}

/// Refuses a `target` folder that cannot be created: below a file, or in a folder this process
/// cannot write to (e.g. under `/proc`, or read-only). Creates nothing (a probe folder is made
/// and removed where the target's parent would be created), so it can run before any work.
pub fn check_writable(target: &Path) -> Result<(), Error> {
    let mut existing = target.parent().unwrap_or(Path::new(""));
    while !existing.as_os_str().is_empty() && fs::symlink_metadata(existing).is_err() {
        existing = existing.parent().unwrap_or(Path::new(""));
    }
    if existing.as_os_str().is_empty() {
        existing = Path::new(".");
    }
    let refuse = |why: String| -> Result<(), Error> {
        Err(
            InputError::new(format!("cannot create {}: {why}", target.display()))
                .fix("choose an --out folder in a place you can write to")
                .into(),
        )
    };
    if !existing.is_dir() {
        return refuse(format!("{} is not a folder", existing.display()));
    }
    let probe = existing.join(temp::temp_name("floodsim-probe"));
    match fs::create_dir(&probe) {
        Ok(()) => {
            let _ = fs::remove_dir(&probe);
            Ok(())
        }
        Err(e) => refuse(format!("cannot write in {}: {e}", existing.display())),
    }
}

impl ResultDir {
    /// Starts a result in a temporary sibling of `target` (removed on SIGINT/SIGTERM), after
    /// removing the temporaries that dead processes left for the same target.
    pub fn create(target: &Path) -> Result<ResultDir, Error> {
        check_target(target)?;
        check_writable(target)?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, "create the folder", e))?;
        let name = target
            .file_name()
            .map_or("result".into(), |n| n.to_string_lossy().into_owned());
        temp::remove_stale(&parent, &format!(".{name}"));
        let temp = parent.join(temp::temp_name(&name));
        if temp.exists() {
            fs::remove_dir_all(&temp)
                .map_err(|e| Error::io(&temp, "remove a stale temporary folder", e))?;
        }
        let registered = temp::register(&temp);
        fs::create_dir(&temp).map_err(|e| Error::io(&temp, "create the folder", e))?;
        let dir = ResultDir {
            target: target.to_path_buf(),
            temp,
            _registered: registered,
        };
        dir.write(MARKER, |w| {
            writeln!(w, "written by floodsim {}", env!("CARGO_PKG_VERSION"))
        })?;
        Ok(dir)
    }

    /// Writes one file of the result through a buffered writer.
    pub fn write(
        &self,
        name: &str,
        body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        let path = self.temp.join(name);
        let file = fs::File::create(&path).map_err(|e| Error::io(&path, "create", e))?;
        let mut w = std::io::BufWriter::new(file);
        body(&mut w)
            .and_then(|()| w.flush())
            .map_err(|e| Error::io(&path, "write", e))
    }

    /// Moves the finished result into place, replacing an older result.
    pub fn commit(self) -> Result<PathBuf, Error> {
        check_target(&self.target)?;
        if self.target.exists() {
            fs::remove_dir_all(&self.target)
                .map_err(|e| Error::io(&self.target, "replace the old result", e))?;
        }
        fs::rename(&self.temp, &self.target)
            .map_err(|e| Error::io(&self.target, "move the result into place", e))?;
        Ok(self.target.clone())
    }
}

impl Drop for ResultDir {
    fn drop(&mut self) {
        // After a successful commit the temporary folder no longer exists.
        let _ = fs::remove_dir_all(&self.temp);
    }
}

/// Splits one CSV line (RFC 4180 quoting).
pub fn split_csv(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().expect("a cell").push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            c => cells.last_mut().expect("a cell").push(c),
        }
    }
    cells
}

/// Formats an optional float for CSV: empty when absent.
pub(crate) fn csv_opt(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_quoting_round_trips() {
        assert_eq!(
            super::split_csv("a,\"b,c\",\"d\"\"e\",,f"),
            ["a", "b,c", "d\"e", "", "f"]
        );
    }
}
