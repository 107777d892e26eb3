//! SNAP-style edge lists, plain or gzip-compressed.

use super::{NodeId, Overlay};
use crate::error::InputError;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Loads an undirected overlay from an edge list: `#` comment lines, blank lines, and one
/// `a b` pair of non-negative integer labels per line (tabs or spaces). Gzip input is detected
/// by its magic bytes. Duplicate and reversed edges are merged, self-loops dropped. Nodes are
/// the labels that occur in an edge, numbered internally in ascending label order; outputs use
/// the labels themselves.
pub fn load_edge_list(path: &Path) -> Result<Overlay, InputError> {
    let fail = |problem: String| InputError::new(problem).in_file(path);
    let file = std::fs::File::open(path).map_err(|e| {
        fail(format!("cannot open the edge list: {e}"))
            .fix("check the path; relative paths are resolved from the scenario file's folder")
    })?;
    let mut reader = BufReader::new(file);
    let gzip = reader.fill_buf().map(|b| b.starts_with(&[0x1f, 0x8b]));
    let reader: Box<dyn BufRead> = match gzip {
        Ok(true) => Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(reader))),
        _ => Box::new(reader),
    };
    parse(reader, path)
}

/// Longest edge-list line floodsim reads (the file itself is streamed, of any size).
const MAX_LINE_BYTES: u64 = 4096;

fn parse(mut reader: impl BufRead, path: &Path) -> Result<Overlay, InputError> {
    let mut raw: Vec<(u64, u64)> = Vec::new();
    let mut line = String::new();
    let mut number = 0usize;
    loop {
        line.clear();
        number += 1;
        let read = std::io::Read::take(&mut reader, MAX_LINE_BYTES)
            .read_line(&mut line)
            .map_err(|e| e.to_string());
        let read = match read {
            Ok(n) if n as u64 == MAX_LINE_BYTES && !line.ends_with('\n') => {
                Err(format!("a line is longer than {MAX_LINE_BYTES} bytes"))
            }
            other => other,
        }
        .map_err(|e| {
            InputError::new(format!("cannot read the edge list: {e}"))
                .in_file(path)
                .at(format!("line {number}"))
                .fix("check that the file is a plain or gzip-compressed text edge list")
        })?;
        if read == 0 {
            break;
        }
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let mut fields = text.split_whitespace();
        let pair = match (fields.next(), fields.next(), fields.next()) {
            (Some(a), Some(b), None) => a.parse::<u64>().ok().zip(b.parse::<u64>().ok()),
            _ => None,
        };
        let Some(pair) = pair else {
            return Err(InputError::new(format!(
                "expected two non-negative integer node ids, found {:?}",
                truncate(text, 60)
            ))
            .in_file(path)
            .at(format!("line {number}"))
            .fix("each data line is `a<TAB>b`; comment lines start with '#'"));
        };
        raw.push(pair);
    }
    if raw.is_empty() {
        return Err(InputError::new("the edge list holds no edges")
            .in_file(path)
            .fix("give at least one `a<TAB>b` line"));
    }
    let mut labels: Vec<u64> = raw.iter().flat_map(|&(a, b)| [a, b]).collect();
    labels.sort_unstable();
    labels.dedup();
    if labels.len() > u32::MAX as usize - 1 {
        return Err(
            InputError::new("too many distinct nodes (the limit is 2^32 - 2)").in_file(path),
        );
    }
    let id = |label: u64| labels.binary_search(&label).expect("label collected") as NodeId;
    let edges: Vec<(NodeId, NodeId)> = raw.iter().map(|&(a, b)| (id(a), id(b))).collect();
    drop(raw);
    let nodes = labels.len() as u32;
    Ok(Overlay::from_edges(nodes, &edges).with_labels(labels))
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
fn parse_str(text: &str) -> Result<Overlay, InputError> {
    parse(text.as_bytes(), Path::new("t.txt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments_labels_duplicates_and_loops() {
        let g = parse_str("# c\n10\t20\n20 10\n\n30\t30\n20\t40\n").unwrap();
        assert_eq!(g.node_count(), 4);
        assert_eq!(g.edge_count(), 2);
        assert_eq!(g.label(0), 10);
        assert_eq!(g.label(3), 40);
        assert_eq!(g.neighbours(1), &[0, 3]);
    }

    #[test]
    fn malformed_line_names_the_line() {
        let e = parse_str("# c\n1\t2\n3 x\n").unwrap_err();
        assert_eq!(e.location.as_deref(), Some("line 3"));
        assert!(e.problem.contains("\"3 x\""), "{}", e.problem);
        let e = parse_str("1 2 3\n").unwrap_err();
        assert_eq!(e.location.as_deref(), Some("line 1"));
        assert!(parse_str("-1 2\n").is_err());
        assert!(parse_str("# only comments\n").is_err());
    }
}
