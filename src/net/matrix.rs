//! A measured latency matrix from a CSV file, for small networks.
//!
//! The file has one row per node and one comma-separated field per node: the one-way latency
//! in milliseconds from the row's node to the field's node (node `i` is row `i`, counted from
//! 0, as a generated topology numbers its nodes). Blank lines and lines starting with `#` are
//! skipped. The matrix must be square, with at most [`MAX_MATRIX_NODES`] rows, every value a
//! number from 0 to [`MAX_LATENCY_MS`], and symmetric to the microsecond (the diagonal is not
//! used). Latencies are kept as `u32` microseconds: 4·N² bytes, 16 MiB at the limit.

use crate::error::InputError;
use crate::time::SimDuration;
use crate::topology::NodeId;
use crate::validation::MAX_LATENCY_MS;
use std::path::Path;

/// Most nodes a latency matrix may have.
pub const MAX_MATRIX_NODES: u32 = 2048;

/// A square, symmetric matrix of latencies in microseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    nodes: u32,
    micros: Vec<u32>,
}

impl Matrix {
    /// Its node count.
    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    /// Bytes it takes.
    pub fn bytes(&self) -> u64 {
        4 * self.micros.len() as u64
    }

    /// The mean latency between two distinct nodes, ms.
    pub fn mean_ms(&self) -> f64 {
        let n = self.nodes as usize;
        let all: u64 = self.micros.iter().map(|&d| u64::from(d)).sum();
        let diagonal: u64 = (0..n).map(|i| u64::from(self.micros[i * n + i])).sum();
        (all - diagonal) as f64 / (n * n.saturating_sub(1)).max(1) as f64 / 1e3
    }

    /// The latency between `a` and `b`.
    #[inline]
    pub fn get(&self, a: NodeId, b: NodeId) -> SimDuration {
        SimDuration(u64::from(
            self.micros[a as usize * self.nodes as usize + b as usize],
        ))
    }

    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Matrix, InputError> {
        // A full matrix at the limit is under 60 MB of text even with long numbers.
        let text = crate::input::read_text(path, 64 << 20).map_err(|e| {
            InputError::new(format!("cannot read the latency matrix: {e}"))
                .in_file(path)
                .fix("check the path; relative paths are resolved from the scenario file's folder")
        })?;
        Self::parse(&text).map_err(|e| e.in_file(path))
    }

    /// Parses a matrix from CSV text (errors name the line, not yet the file).
    pub fn parse(text: &str) -> Result<Matrix, InputError> {
        let fail = |line: usize, problem: String, fix: &str| {
            Err(InputError::new(problem).at(format!("line {line}")).fix(fix))
        };
        let mut micros = Vec::new();
        let mut lines = Vec::new();
        let mut nodes = 0usize;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if lines.is_empty() {
                nodes = fields.len();
                if nodes > MAX_MATRIX_NODES as usize {
                    return fail(
                        i + 1,
                        format!(
                            "the matrix has {nodes} columns; at most {MAX_MATRIX_NODES} nodes are supported"
                        ),
                        "use per-link or coordinate latency for larger networks",
                    );
                }
                micros.reserve(nodes * nodes);
            }
            if fields.len() != nodes {
                return fail(
                    i + 1,
                    format!(
                        "this row has {} fields, the first row {nodes}",
                        fields.len()
                    ),
                    "give every node one row with one latency per node",
                );
            }
            if lines.len() == nodes {
                return fail(
                    i + 1,
                    format!("more than {nodes} rows for {nodes} columns"),
                    "make the matrix square: one row per node",
                );
            }
            for (j, field) in fields.iter().enumerate() {
                match field.parse::<f64>() {
                    Ok(ms) if ms.is_finite() && (0.0..=MAX_LATENCY_MS).contains(&ms) => {
                        micros.push(SimDuration::from_millis_f64(ms).micros() as u32);
                    }
                    _ => {
                        return fail(
                            i + 1,
                            format!(
                                "field {}: {field:?} is not a latency from 0 to {MAX_LATENCY_MS} ms",
                                j + 1
                            ),
                            "give one-way latencies in milliseconds, e.g. 42.5",
                        );
                    }
                }
            }
            lines.push(i + 1);
        }
        if lines.len() != nodes || nodes == 0 {
            let last = text.lines().count();
            return fail(
                last,
                format!("{} rows for {nodes} columns", lines.len()),
                "make the matrix square: one row per node",
            );
        }
        for b in 0..nodes {
            for a in 0..b {
                let (ab, ba) = (micros[a * nodes + b], micros[b * nodes + a]);
                if ab != ba {
                    return fail(
                        lines[b],
                        format!(
                            "field {}: {} ms from node {b} to node {a}, but {} ms back (line {}, field {})",
                            a + 1,
                            crate::time::format_micros_as_ms(u64::from(ba)),
                            crate::time::format_micros_as_ms(u64::from(ab)),
                            lines[a],
                            b + 1
                        ),
                        "make the matrix symmetric, e.g. give both directions their mean",
                    );
                }
            }
        }
        Ok(Matrix {
            nodes: nodes as u32,
            micros,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_symmetric_matrix_with_comments() {
        let m = Matrix::parse("# three nodes\n0, 10, 20.5\n\n10,0,30\n20.5,30,0\n").unwrap();
        assert_eq!(m.nodes(), 3);
        assert_eq!(m.get(0, 2), SimDuration(20_500));
        assert_eq!(m.get(2, 0), SimDuration(20_500));
        assert_eq!(m.get(1, 2), SimDuration(30_000));
        assert_eq!(m.bytes(), 36);
    }

    fn error(text: &str) -> (String, String) {
        let e = Matrix::parse(text).unwrap_err();
        (e.location.unwrap(), e.problem)
    }

    #[test]
    fn refuses_asymmetric_negative_and_ragged_input_with_the_line() {
        let (at, problem) = error("0,10,20\n# comment\n10,0,30\n20,31,0\n");
        assert_eq!(at, "line 4");
        assert!(
            problem.contains("field 2: 31.000 ms from node 2 to node 1"),
            "{problem}"
        );
        assert!(
            problem.contains("30.000 ms back (line 3, field 3)"),
            "{problem}"
        );
        let (at, problem) = error("0,10\n-10,0\n");
        assert_eq!(at, "line 2");
        assert!(problem.contains("field 1: \"-10\""), "{problem}");
        assert_eq!(error("0,1\n1\n").0, "line 2");
        assert_eq!(error("0,1\n1,0\n1,0\n").0, "line 3");
        assert_eq!(error("0,1,2\n1,0,3\n").0, "line 2");
        assert!(error("0,NaN\nNaN,0\n").1.contains("field 2"));
        assert!(error("").1.contains("0 rows"));
    }
}
