//! Churn traces: online intervals replayed exactly.
//!
//! A trace is a CSV file with the header `node,online_s,offline_s` and one row per online
//! interval: node `node` (its label, as in every output) is online from `online_s` until
//! `offline_s` seconds after time zero. An empty `offline_s` means it stays online to the end.
//! Blank lines and lines starting with `#` are ignored. A node's intervals may come in any
//! order but must not overlap; intervals that touch are merged. Nodes the trace never names
//! stay offline throughout. Times are rounded to whole microseconds.

use crate::error::InputError;
use crate::time::{SimDuration, SimTime};
use crate::topology::{NodeId, Overlay};
use std::collections::HashMap;
use std::path::Path;

/// The header every trace starts with.
pub const HEADER: &str = "node,online_s,offline_s";

/// A loaded trace, in node ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// Which nodes are online at time zero.
    pub initially_online: Vec<bool>,
    /// (time, node, comes online) for every transition after time zero, sorted by time, then
    /// node.
    pub transitions: Vec<(SimTime, NodeId, bool)>,
}

/// Largest trace file floodsim reads (it is read whole; about 13 million rows).
pub const MAX_TRACE_BYTES: u64 = 256 << 20;

/// Reads a trace for `overlay`, whose node labels the trace uses.
pub fn load(path: &Path, overlay: &Overlay) -> Result<Trace, InputError> {
    let text = crate::input::read_text(path, MAX_TRACE_BYTES).map_err(|e| {
        InputError::new(format!("cannot read the churn trace: {e}"))
            .in_file(path)
            .fix("check churn.path; it is resolved from the scenario file's folder")
    })?;
    parse(&text, overlay).map_err(|e| e.in_file(path))
}

fn parse(text: &str, overlay: &Overlay) -> Result<Trace, InputError> {
    let ids: HashMap<u64, NodeId> = (0..overlay.node_count())
        .map(|v| (overlay.label(v), v))
        .collect();
    let mut intervals: Vec<(NodeId, u64, u64, usize)> = Vec::new();
    let mut header_seen = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let at = || format!("line {}", i + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !header_seen {
            if line.replace(' ', "") != HEADER {
                return Err(InputError::new(format!(
                    "expected the header {HEADER:?}, found {line:?}"
                ))
                .at(at())
                .fix(format!("start the trace with the line {HEADER}")));
            }
            header_seen = true;
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let bad = |problem: String| {
            InputError::new(problem).at(at()).fix(
                "each row is node,online_s,offline_s, e.g. 17,0,3600.5 (offline_s may be empty)",
            )
        };
        if fields.len() != 3 {
            return Err(bad(format!("expected 3 fields, found {}", fields.len())));
        }
        let label: u64 = fields[0]
            .parse()
            .map_err(|_| bad(format!("{:?} is not a node id", fields[0])))?;
        let Some(&node) = ids.get(&label) else {
            return Err(
                InputError::new(format!("node {label} is not in the overlay"))
                    .at(at())
                    .fix("use the node ids of the overlay (its labels for file topologies)"),
            );
        };
        let seconds = |s: &str| -> Result<u64, InputError> {
            match s.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(SimDuration::from_secs_f64(x).micros()),
                _ => Err(bad(format!("{s:?} is not a time in seconds >= 0"))),
            }
        };
        let on = seconds(fields[1])?;
        let off = if fields[2].is_empty() {
            u64::MAX
        } else {
            seconds(fields[2])?
        };
        if off <= on {
            return Err(bad(format!(
                "the interval ends ({}) before it starts ({})",
                fields[2], fields[1]
            )));
        }
        intervals.push((node, on, off, i + 1));
    }
    if !header_seen {
        return Err(InputError::new("the trace is empty").fix(format!(
            "start with the header {HEADER} and add one row per online interval"
        )));
    }
    intervals.sort_unstable();
    let mut initially_online = vec![false; overlay.node_count() as usize];
    let mut transitions = Vec::with_capacity(2 * intervals.len());
    let mut k = 0;
    while k < intervals.len() {
        let (node, on, mut off, _) = intervals[k];
        k += 1;
        while k < intervals.len() && intervals[k].0 == node && intervals[k].1 <= off {
            if intervals[k].1 < off {
                return Err(InputError::new(format!(
                    "node {} has overlapping online intervals",
                    overlay.label(node)
                ))
                .at(format!("line {}", intervals[k].3))
                .fix("give each node disjoint intervals"));
            }
            off = intervals[k].2;
            k += 1;
        }
        if on == 0 {
            initially_online[node as usize] = true;
        } else {
            transitions.push((SimTime(on), node, true));
        }
        if off != u64::MAX {
            transitions.push((SimTime(off), node, false));
        }
    }
    transitions.sort_unstable_by_key(|&(t, node, _)| (t, node));
    Ok(Trace {
        initially_online,
        transitions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path5() -> Overlay {
        Overlay::from_edges(5, &[(0, 1), (1, 2), (2, 3), (3, 4)])
    }

    #[test]
    fn parses_intervals_and_merges_touching_ones() {
        let t = parse(
            "# a comment\nnode,online_s,offline_s\n1,0,10\n1,10,20\n3,5,\n0,1.5,2\n",
            &path5(),
        )
        .unwrap();
        assert_eq!(t.initially_online, [false, true, false, false, false]);
        assert_eq!(
            t.transitions,
            [
                (SimTime(1_500_000), 0, true),
                (SimTime(2_000_000), 0, false),
                (SimTime(5_000_000), 3, true),
                (SimTime(20_000_000), 1, false),
            ]
        );
    }

    #[test]
    fn rejects_bad_rows_with_their_line() {
        let g = path5();
        for (text, needle) in [
            ("node,online_s\n", "header"),
            (
                "node,online_s,offline_s\n9,0,1\n",
                "node 9 is not in the overlay",
            ),
            ("node,online_s,offline_s\n1,5,2\n", "ends"),
            ("node,online_s,offline_s\n1,-1,2\n", "not a time"),
            ("node,online_s,offline_s\n1,0,5\n1,3,8\n", "overlapping"),
            ("node,online_s,offline_s\n1,0\n", "3 fields"),
            ("", "empty"),
        ] {
            let e = parse(text, &g).unwrap_err();
            assert!(e.problem.contains(needle), "{text:?}: {e}");
            if !text.is_empty() && needle != "header" {
                assert!(e.location.as_deref().unwrap().starts_with("line "));
            }
        }
    }
}
