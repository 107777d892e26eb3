//! `nodes.csv` (with `output.nodes` or `floodsim run --nodes`): one row per (variant, replica,
//! node), what the node is and what it did; and its reader for `floodsim plot`.

use crate::error::{InputError, Result};
use crate::metrics::ReplicaResult;
use std::io::Write;
use std::path::Path;

/// The optional columns of one file, decided by the scenario (and, for `records`, by whether
/// any variant stores DHT records), never by a row's values.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    /// `capacity` and `dropped`: under a capacity model.
    pub capacity: bool,
    /// `online_s`: under churn.
    pub churn: bool,
    /// `records`: when a variant stores DHT provider records.
    pub records: bool,
}

impl Columns {
    /// The columns of `replicas`' rows under `capacity` and `churn`.
    pub fn of(replicas: &[ReplicaResult], capacity: bool, churn: bool) -> Self {
        let records = replicas
            .iter()
            .flat_map(|r| &r.runs)
            .filter_map(|run| run.nodes.as_ref())
            .any(|nodes| nodes.iter().any(|c| c.records.is_some()));
        Columns {
            capacity,
            churn,
            records,
        }
    }

    /// The header line's cells.
    pub fn header(&self) -> Vec<&'static str> {
        let mut h = vec!["variant", "replica", "node", "degree"];
        if self.capacity {
            h.push("capacity");
        }
        if self.churn {
            h.push("online_s");
        }
        h.extend(["received", "sent", "forwarded", "duplicates", "hits_served"]);
        if self.capacity {
            h.push("dropped");
        }
        if self.records {
            h.push("records");
        }
        h
    }
}

/// Writes every node of every variant and replica: variants in scenario order, then replicas,
/// then nodes by id. Every run of `replicas` must hold its node counters.
pub fn write(
    w: &mut dyn Write,
    names: &[String],
    replicas: &[ReplicaResult],
    columns: Columns,
) -> std::io::Result<()> {
    writeln!(w, "{}", columns.header().join(","))?;
    for (v, name) in names.iter().enumerate() {
        for r in replicas {
            let facts = r.nodes.as_deref().expect("node facts were counted");
            let counters = r.runs[v].nodes.as_deref().expect("node counters were kept");
            for (f, c) in facts.iter().zip(counters) {
                write!(w, "{name},{},{},{}", r.replica, f.label, f.degree)?;
                if columns.capacity {
                    write!(
                        w,
                        ",{}",
                        f.capacity.map_or(String::new(), |x| x.to_string())
                    )?;
                }
                if columns.churn {
                    write!(
                        w,
                        ",{}.{:06}",
                        c.online_us / 1_000_000,
                        c.online_us % 1_000_000
                    )?;
                }
                write!(
                    w,
                    ",{},{},{},{},{}",
                    c.received, c.sent, c.forwarded, c.duplicates, c.hits_served
                )?;
                if columns.capacity {
                    write!(w, ",{}", c.dropped)?;
                }
                if columns.records {
                    write!(w, ",{}", c.records.map_or(String::new(), |x| x.to_string()))?;
                }
                writeln!(w)?;
            }
        }
    }
    Ok(())
}

/// What the charts need of one row.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeLoad {
    /// The variant's name.
    pub variant: String,
    /// The node's degree.
    pub degree: u32,
    /// Messages it received.
    pub received: u64,
}

/// Reads `nodes.csv`, refusing (exit 2, naming the file and line) one floodsim would not have
/// written.
pub fn read(path: &Path) -> Result<Vec<NodeLoad>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        InputError::new(format!("cannot read: {e}"))
            .in_file(path)
            .fix("plot a complete floodsim result folder")
    })?;
    let bad = |line: usize, what: String| {
        InputError::new(format!("line {line}: {what}"))
            .in_file(path)
            .fix("this is not a nodes.csv written by floodsim run; run the scenario again")
    };
    let mut lines = text.lines();
    let header = super::split_csv(lines.next().unwrap_or(""));
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(1, format!("no column {name:?}")))
    };
    let (variant, degree, received) = (col("variant")?, col("degree")?, col("received")?);
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let cells = super::split_csv(line);
        if cells.len() != header.len() {
            return Err(bad(
                i + 2,
                format!("{} cells, the header has {}", cells.len(), header.len()),
            )
            .into());
        }
        let number = |c: usize| {
            cells[c]
                .parse::<u64>()
                .map_err(|_| bad(i + 2, format!("{:?} is not a count", cells[c])))
        };
        rows.push(NodeLoad {
            variant: cells[variant].clone(),
            degree: u32::try_from(number(degree)?)
                .map_err(|_| bad(i + 2, "the degree is too large".into()))?,
            received: number(received)?,
        });
    }
    Ok(rows)
}
