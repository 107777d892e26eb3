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
            write!(f, "{}: ", readable(location))?;
        }
        write!(f, "{}", readable(&self.problem))?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {}", readable(fix))?;
        }
        Ok(())
    }
}

/// Longest line of a message shown whole; longer lines (a huge echoed value) keep their start
/// and end around a note of what was cut.
const MAX_LINE_CHARS: usize = 400;
/// Longest number shown digit by digit (a `u64` has at most 20 digits); longer ones, as Rust
/// prints `1e300`, are shown in scientific notation.
const MAX_NUMBER_CHARS: usize = 24;

/// A message made readable: numbers of more than [`MAX_NUMBER_CHARS`] characters in scientific
/// notation, lines of more than [`MAX_LINE_CHARS`] characters cut in the middle.
pub fn readable(text: &str) -> String {
    text.split('\n')
        .map(|line| shorten(&short_numbers(line)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn short_numbers(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let len = rest[start..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len() - start);
        let token = &rest[start..start + len];
        out.push_str(&rest[..start]);
        match token.parse::<f64>() {
            Ok(x) if token.len() > MAX_NUMBER_CHARS => out.push_str(&format!("{x:e}")),
            _ => out.push_str(token),
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

fn shorten(line: &str) -> String {
    let chars = line.chars().count();
    if chars <= MAX_LINE_CHARS {
        return line.to_string();
    }
    let (head, tail) = (MAX_LINE_CHARS * 2 / 3, MAX_LINE_CHARS / 4);
    let start: String = line.chars().take(head).collect();
    let end: String = line.chars().skip(chars - tail).collect();
    format!("{start} [… {} characters cut …] {end}", chars - head - tail)
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
