//! Value checks shared by every scenario table: a [`Checker`] collects all problems of a file
//! at once, each with its field path and a fix.

use crate::error::{Error, InputError};
use std::path::{Path, PathBuf};

/// Largest link latency, ms (one hour).
pub const MAX_LATENCY_MS: f64 = 3_600_000.0;

/// Collects the problems of one scenario file, each with its field path and fix.
pub struct Checker {
    file: PathBuf,
    problems: Vec<InputError>,
}

impl Checker {
    /// A checker for `file` with no problem yet.
    pub fn new(file: &Path) -> Self {
        Checker {
            file: file.to_path_buf(),
            problems: Vec::new(),
        }
    }

    /// Every problem found, or `Ok` when there is none.
    pub fn finish(self) -> Result<(), Error> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Input(self.problems))
        }
    }

    /// Records a problem found elsewhere (e.g. in a file the scenario names).
    pub fn add(&mut self, problem: InputError) {
        self.problems.push(problem);
    }

    /// Records a problem at field `path`, with a fix.
    pub fn fail(&mut self, path: &str, problem: String, fix: impl Into<String>) {
        self.problems.push(
            InputError::new(problem)
                .in_file(&self.file)
                .at(path)
                .fix(fix),
        );
    }

    /// `value` must be a finite number > 0.
    pub fn positive(&mut self, path: &str, value: f64) {
        if !(value.is_finite() && value > 0.0) {
            self.fail(
                path,
                format!("must be a positive number, got {value}"),
                "give a value > 0",
            );
        }
    }

    /// `value` must be a finite number >= 0.
    pub fn non_negative(&mut self, path: &str, value: f64) {
        if !(value.is_finite() && value >= 0.0) {
            self.fail(
                path,
                format!("must be a number >= 0, got {value}"),
                "give a value >= 0",
            );
        }
    }

    /// `value` must be a latency between 0 and [`MAX_LATENCY_MS`] ms.
    pub fn latency(&mut self, path: &str, value: f64) {
        if !(value.is_finite() && (0.0..=MAX_LATENCY_MS).contains(&value)) {
            self.fail(
                path,
                format!("must be between 0 and {MAX_LATENCY_MS} ms, got {value}"),
                "give a link latency in milliseconds, e.g. 50",
            );
        }
    }

    /// `value` must lie in [0, 1].
    pub fn probability(&mut self, path: &str, value: f64) {
        if !(0.0..=1.0).contains(&value) {
            self.fail(
                path,
                format!("must be a probability between 0 and 1, got {value}"),
                "give a value from 0 to 1",
            );
        }
    }

    /// `value` must be at least 1.
    pub fn at_least_one(&mut self, path: &str, value: u32) {
        if value == 0 {
            self.fail(
                path,
                "must be at least 1, got 0".into(),
                "give a value >= 1",
            );
        }
    }
}
