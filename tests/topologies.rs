//! Every topology kind through the scenario layer: determinism under a fixed seed, simple
//! graphs, the largest-component option, and `floodsim graph` exports that round-trip.

mod common;
use common::*;
use floodsim::build::build_overlay;
use floodsim::rng::{StreamKind, stream};
use floodsim::topology::{Overlay, load_edge_list};

const KINDS: [&str; 8] = [
    r#"{ kind = "random-regular", degree = 4 }"#,
    r#"{ kind = "erdos-renyi", mean_degree = 3.0 }"#,
    r#"{ kind = "barabasi-albert", m = 2 }"#,
    r#"{ kind = "watts-strogatz", degree = 6, rewire = 0.1 }"#,
    r#"{ kind = "power-law", exponent = 2.3, mean_degree = 4.0, max_degree = 100 }"#,
    r#"{ kind = "grid", torus = true }"#,
    r#"{ kind = "grid", width = 25, height = 16 }"#,
    r#"{ kind = "two-tier", ultrapeer_fraction = 0.1, ultrapeer_degree = 6, leaf_links = 3 }"#,
];

fn overlay(topology: &str, seed: u64, extra: &[&str]) -> Overlay {
    let text = SMALL.replace(r#"{ kind = "random-regular", degree = 4 }"#, topology);
    let mut sets = vec![format!("seed={seed}")];
    sets.extend(extra.iter().map(|s| s.to_string()));
    let v = validated(&text, &sets);
    build_overlay(&v, &mut stream(seed, 0, StreamKind::Topology, 0)).unwrap()
}

fn assert_simple(g: &Overlay) {
    for v in 0..g.node_count() {
        let row = g.neighbours(v);
        assert!(!row.contains(&v), "self-loop at {v}");
        assert!(
            row.windows(2).all(|w| w[0] < w[1]),
            "unsorted or repeated neighbours at {v}"
        );
        assert!(
            row.iter()
                .all(|&w| g.neighbours(w).binary_search(&v).is_ok()),
            "asymmetric at {v}"
        );
    }
}

#[test]
fn every_generator_is_deterministic_and_simple() {
    for kind in KINDS {
        let a = overlay(kind, 1, &[]);
        assert_eq!(a.node_count(), 400, "{kind}");
        assert_simple(&a);
        assert_eq!(a, overlay(kind, 1, &[]), "{kind}: same seed, other graph");
        if !kind.contains("grid") {
            assert_ne!(a, overlay(kind, 2, &[]), "{kind}: another seed, same graph");
        }
    }
}

#[test]
fn largest_component_keeps_labels_and_connectivity() {
    let full = overlay(KINDS[1], 1, &[]);
    let big = overlay(KINDS[1], 1, &["network.largest_component=true"]);
    assert!(
        full.components().count > 1,
        "mean degree 3 should leave small components"
    );
    assert_eq!(big.components().count, 1);
    assert_eq!(big.node_count(), full.components().largest);
    // Edges between kept nodes are exactly the original ones, under the original labels.
    let original: Vec<(u64, u64)> = full
        .edges()
        .map(|(a, b)| (full.label(a), full.label(b)))
        .collect();
    for (a, b) in big.edges() {
        assert!(
            original
                .binary_search(&(big.label(a), big.label(b)))
                .is_ok()
        );
    }
}

#[test]
fn exports_round_trip_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let text = SMALL.replace(r#"{ kind = "random-regular", degree = 4 }"#, KINDS[7]);
    write(dir.path(), "s.toml", &text);
    let run = |args: &[&str]| {
        let o = floodsim(dir.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        o
    };
    run(&["graph", "s.toml", "--export", "edges", "-o", "g.txt"]);
    run(&["graph", "s.toml", "--export", "graphml", "-o", "g.graphml"]);
    run(&["graph", "s.toml", "--export", "dot", "-o", "g.dot"]);
    let original = overlay(KINDS[7], 3, &[]);
    let reloaded = load_edge_list(&dir.path().join("g.txt")).unwrap();
    assert_eq!(reloaded.node_count(), original.node_count());
    let edges = |g: &Overlay| {
        g.edges()
            .map(|(a, b)| (g.label(a), g.label(b)))
            .collect::<Vec<_>>()
    };
    assert_eq!(edges(&reloaded), edges(&original));
    let xml = std::fs::read_to_string(dir.path().join("g.graphml")).unwrap();
    assert_eq!(xml.matches("<node ").count(), 400);
    assert_eq!(xml.matches("<edge ").count() as u64, original.edge_count());
    assert_eq!(xml.matches(">ultrapeer<").count(), 40);
    let dot = std::fs::read_to_string(dir.path().join("g.dot")).unwrap();
    assert_eq!(dot.matches(" -- ").count() as u64, original.edge_count());

    // The stats JSON agrees with the graph, and the plots are valid and byte-stable.
    let o = run(&["graph", "g.txt", "--json", "--plot", "d.svg"]);
    let stats: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(stats["edges"].as_u64(), Some(original.edge_count()));
    assert_eq!(
        stats["components"].as_u64(),
        Some(u64::from(original.components().count))
    );
    run(&["graph", "g.txt", "--plot", "d.png"]);
    let svg = std::fs::read(dir.path().join("d.svg")).unwrap();
    let png = std::fs::read(dir.path().join("d.png")).unwrap();
    assert!(String::from_utf8_lossy(&svg).contains("<svg"));
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    run(&["graph", "g.txt", "--plot", "d2.svg"]);
    run(&["graph", "g.txt", "--plot", "d2.png"]);
    assert_eq!(svg, std::fs::read(dir.path().join("d2.svg")).unwrap());
    assert_eq!(png, std::fs::read(dir.path().join("d2.png")).unwrap());
}

#[test]
fn graph_input_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "g.txt", "1 2\n");
    for (args, needle) in [
        (&["graph", "nope.txt"][..], "nope.txt"),
        (&["graph", "g.txt", "--plot", "x.jpg"], ".svg or .png"),
        (&["graph", "g.txt", "--set", "a=1"], "scenario files"),
        (&["graph", "g.txt", "--export", "edges"], "--output"),
    ] {
        let o = floodsim(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn topology_validation_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, needle) in [
        (
            r#"{ kind = "watts-strogatz", degree = 5, rewire = 0.1 }"#,
            "network.topology.degree",
        ),
        (
            r#"{ kind = "watts-strogatz", degree = 4, rewire = 1.5 }"#,
            "network.topology.rewire",
        ),
        (
            r#"{ kind = "barabasi-albert", m = 400 }"#,
            "network.topology.m",
        ),
        (
            r#"{ kind = "power-law", exponent = 2.1, mean_degree = 2.0, max_degree = 300 }"#,
            "at least",
        ),
        (
            r#"{ kind = "power-law", exponent = 0.5, mean_degree = 4.0, max_degree = 100 }"#,
            "network.topology.exponent",
        ),
        (r#"{ kind = "grid", width = 30 }"#, "grid"),
        (
            r#"{ kind = "grid", width = 20, height = 10 }"#,
            "network.nodes",
        ),
        (
            r#"{ kind = "two-tier", ultrapeer_fraction = 0.1025, ultrapeer_degree = 5, leaf_links = 3 }"#,
            "odd",
        ),
        (
            r#"{ kind = "two-tier", ultrapeer_fraction = 0.1, ultrapeer_degree = 4, leaf_links = 41 }"#,
            "leaf_links",
        ),
    ] {
        let text = SMALL.replace(r#"{ kind = "random-regular", degree = 4 }"#, kind);
        write(dir.path(), "s.toml", &text);
        let o = floodsim(dir.path(), &["validate", "s.toml"]);
        assert_eq!(o.status.code(), Some(2), "{kind}");
        assert!(stderr(&o).contains(needle), "{kind}: {}", stderr(&o));
    }
}
