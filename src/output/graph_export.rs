//! Overlay exports for other tools: SNAP edge lists (networkx, igraph), GraphML (Gephi,
//! networkx) and DOT (Graphviz). Node ids are the labels every other output uses.

use crate::topology::Overlay;
use std::io::{Result, Write};

/// Export formats of `floodsim graph --export`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// SNAP-style text: `#` header, one `a<TAB>b` line per undirected edge.
    Edges,
    /// GraphML XML (undirected; two-tier overlays carry a `role` node attribute).
    Graphml,
    /// Graphviz DOT.
    Dot,
}

/// Writes `g` in `format`.
pub fn write(w: &mut dyn Write, g: &Overlay, format: GraphFormat) -> Result<()> {
    match format {
        GraphFormat::Edges => write_edges(w, g),
        GraphFormat::Graphml => write_graphml(w, g),
        GraphFormat::Dot => write_dot(w, g),
    }
}

fn write_edges(w: &mut dyn Write, g: &Overlay) -> Result<()> {
    writeln!(
        w,
        "# Undirected overlay exported by floodsim {}",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(w, "# Nodes: {} Edges: {}", g.node_count(), g.edge_count())?;
    writeln!(w, "# FromNodeId\tToNodeId")?;
    for (a, b) in g.edges() {
        writeln!(w, "{}\t{}", g.label(a), g.label(b))?;
    }
    Ok(())
}

fn write_graphml(w: &mut dyn Write, g: &Overlay) -> Result<()> {
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    let roles = g.ultrapeers().is_some();
    if roles {
        writeln!(
            w,
            r#"  <key id="role" for="node" attr.name="role" attr.type="string"/>"#
        )?;
    }
    writeln!(w, r#"  <graph id="overlay" edgedefault="undirected">"#)?;
    for v in 0..g.node_count() {
        if roles {
            let role = if g.is_ultrapeer(v) {
                "ultrapeer"
            } else {
                "leaf"
            };
            writeln!(
                w,
                r#"    <node id="{}"><data key="role">{role}</data></node>"#,
                g.label(v)
            )?;
        } else {
            writeln!(w, r#"    <node id="{}"/>"#, g.label(v))?;
        }
    }
    for (a, b) in g.edges() {
        writeln!(
            w,
            r#"    <edge source="{}" target="{}"/>"#,
            g.label(a),
            g.label(b)
        )?;
    }
    writeln!(w, "  </graph>\n</graphml>")
}

fn write_dot(w: &mut dyn Write, g: &Overlay) -> Result<()> {
    writeln!(w, "graph overlay {{")?;
    for v in 0..g.node_count() {
        if g.is_ultrapeer(v) {
            writeln!(w, "  {} [shape=box];", g.label(v))?;
        } else if g.degree(v) == 0 {
            writeln!(w, "  {};", g.label(v))?;
        }
    }
    for (a, b) in g.edges() {
        writeln!(w, "  {} -- {};", g.label(a), g.label(b))?;
    }
    writeln!(w, "}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(g: &Overlay, f: GraphFormat) -> String {
        let mut buf = Vec::new();
        write(&mut buf, g, f).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn formats_carry_labels_and_every_edge() {
        let g = Overlay::from_edges(3, &[(0, 1), (1, 2)]).with_labels(vec![10, 20, 30]);
        assert_eq!(
            text(&g, GraphFormat::Edges)
                .lines()
                .skip(1)
                .collect::<Vec<_>>(),
            [
                "# Nodes: 3 Edges: 2",
                "# FromNodeId\tToNodeId",
                "10\t20",
                "20\t30"
            ]
        );
        let xml = text(&g, GraphFormat::Graphml);
        assert!(
            xml.contains(r#"<edge source="20" target="30"/>"#)
                && xml.contains(r#"<node id="10"/>"#)
        );
        assert!(text(&g, GraphFormat::Dot).contains("10 -- 20;"));
    }
}
