//! The nine SNAP p2p-Gnutella crawls shipped in data/topologies load with the node and edge
//! counts of their own headers and the largest-component sizes SNAP publishes.

use floodsim::topology::load_edge_list;
use std::io::Read;
use std::path::Path;

/// (file, largest weakly connected component as published by SNAP; see data/topologies/README.md).
const CRAWLS: [(&str, u32); 9] = [
    ("p2p-Gnutella04.txt", 10_876),
    ("p2p-Gnutella05.txt", 8_842),
    ("p2p-Gnutella06.txt", 8_717),
    ("p2p-Gnutella08.txt", 6_299),
    ("p2p-Gnutella09.txt", 8_104),
    ("p2p-Gnutella24.txt", 26_498),
    ("p2p-Gnutella25.txt", 22_663),
    ("p2p-Gnutella30.txt", 36_646),
    ("p2p-Gnutella31.txt.gz", 62_561),
];

/// The `# Nodes: N Edges: M` line of a SNAP header, read independently of floodsim's loader.
fn header_counts(path: &Path) -> (u32, u64) {
    let bytes = std::fs::read(path).unwrap();
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
    } else {
        text = String::from_utf8(bytes).unwrap();
    }
    let line = text
        .lines()
        .find(|l| l.starts_with("# Nodes:"))
        .expect("SNAP header");
    let words: Vec<&str> = line.split_whitespace().collect();
    (words[2].parse().unwrap(), words[4].parse().unwrap())
}

#[test]
fn every_crawl_matches_its_header_and_published_components() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/topologies");
    for (file, largest) in CRAWLS {
        let path = dir.join(file);
        let (nodes, edges) = header_counts(&path);
        let g = load_edge_list(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(g.node_count(), nodes, "{file}: nodes");
        assert_eq!(g.edge_count(), edges, "{file}: edges");
        assert_eq!(g.components().largest, largest, "{file}: largest component");
    }
}

#[test]
fn gnutella04_keeps_its_sparse_labels() {
    // Its ids run from 0 to 10878 with two unused: ids are remapped, labels kept.
    let g = load_edge_list(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/topologies/p2p-Gnutella04.txt"),
    )
    .unwrap();
    assert_eq!(g.node_count(), 10_876);
    assert_eq!(g.label(g.node_count() - 1), 10_878);
}
