//! Errors, and the exit codes they map to.
//!
//! Bad input (a scenario, a file, a value) is an [`InputError`] that names the file, the place
//! in it (a field path or a line), what is wrong, and how to fix it; it exits with code 2.
//! Failures while running (e.g. the output disk is full) exit with code 1.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem with what the user gave us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file at fault, if any.
    pub file: Option<PathBuf>,
    /// Where in it: a field path (`network.topology.degree`) or `line 12`.
    pub location: Option<String>,
    /// What is wrong.
    pub problem: String,
    /// How to fix it.
    pub fix: Option<String>,
}

impl InputError {
    /// A problem with no file or location attached yet.
    pub fn new(problem: impl Into<String>) -> Self {
        InputError {
            file: None,
            location: None,
            problem: problem.into(),
            fix: None,
        }
    }

    /// Names the file at fault.
    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }

    /// Names the place within the file.
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Says how to fix it.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        write!(f, "{}", self.problem)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in floodsim.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more problems with the input; exit code 2.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Input(Vec<InputError>),
    /// A failure while running or writing results; exit code 1.
    #[error("{0}")]
    Runtime(String),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Runtime(_) => 1,
        }
    }

    /// A runtime failure on a file.
    pub fn io(path: &Path, what: &str, err: std::io::Error) -> Error {
        Error::Runtime(format!("{}: could not {what}: {err}", path.display()))
    }
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(vec![e])
    }
}

/// Shorthand for results in floodsim.
pub type Result<T, E = Error> = std::result::Result<T, E>;
