//! `floodsim animate`: one query's messages, played over a drawing of the overlay, as a single
//! self-contained HTML file (no network access: the data and the player are inside it) and,
//! optionally, an animated PNG for slides.
//!
//! The animation plays the query's message trace (the recorder of `floodsim run --trace`): the
//! frames are computed once here ([`frames`]) and both the HTML player and the APNG draw them,
//! so their counters end at the query's row in `queries.csv`. Overlays are drawn with a
//! deterministic force-directed layout, DHTs on their identifier ring ([`layout`]).

mod frames;
mod image;
pub use image::APNG_FRAME_STEP;
mod layout;

use crate::dht::Identifiers;
use crate::error::{Error, InputError, Result};
use crate::metrics::QueryRecord;
use crate::output;
use crate::run::{TraceRequest, run_variant};
use crate::scenario::Validated;
use crate::search::Search;
use crate::topology::{NodeId, Overlay};
use crate::world::World;
use frames::Timeline;
use serde::Serialize;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// Nodes `animate` draws unless `--max-nodes` says otherwise: more are not legible.
pub const DEFAULT_MAX_NODES: u32 = 400;

/// The colours of hop counts 1, 2, …: the HTML player and the APNG use the same.
pub const HOP_COLOURS: [&str; 8] = [
    "#d62728", "#ff7f0e", "#e6b800", "#2ca02c", "#17becf", "#1f77b4", "#9467bd", "#8c564b",
];

/// What to animate, and where to write it.
#[derive(Clone, Debug)]
pub struct AnimateOptions {
    /// The query id, as in `queries.csv`.
    pub query: u32,
    /// The variant's name; the scenario's first when absent.
    pub variant: Option<String>,
    /// The replica.
    pub replica: u32,
    /// Most nodes to draw.
    pub max_nodes: u32,
    /// Draw only nodes within this many hops of the source.
    pub neighbourhood: Option<u32>,
    /// The HTML file.
    pub output: PathBuf,
    /// The animated PNG, if any.
    pub apng: Option<PathBuf>,
    /// The APNG shows every this many frames of the player (1: all of them).
    pub apng_step: usize,
}

/// What an animation showed, for the command's report.
#[derive(Clone, Debug)]
pub struct Animated {
    /// Nodes drawn.
    pub nodes: usize,
    /// The query's record (its `queries.csv` row).
    pub record: QueryRecord,
    /// The variant animated.
    pub variant: String,
}

/// The data the player reads, embedded in the HTML as JSON.
#[derive(Serialize)]
struct Data<'a> {
    scenario: &'a str,
    variant: &'a str,
    kind: &'a str,
    replica: u32,
    query: u32,
    source: u64,
    issued_ms: f64,
    ring: bool,
    colours: &'a [&'a str],
    /// Drawn nodes: (id, x, y, hops from the source or -1), coordinates in a 1000-wide box.
    nodes: Vec<(u64, f64, f64, i64)>,
    /// Drawn overlay links, as indices into `nodes`.
    edges: Vec<(u32, u32)>,
    /// Radius of the hop-1 circle (hop d is on d times it); 0 on a DHT ring.
    hop_unit: f64,
    /// Hop circles drawn (the farthest distance, plus one for unreachable nodes).
    hop_circles: u32,
    /// The query's row of `queries.csv`.
    expected: Expected,
    timeline: &'a Timeline,
}

#[derive(Serialize)]
struct Expected {
    messages: u64,
    nodes_reached: u32,
    duplicates: u64,
    hits: u32,
}

/// Refusal of a command-line value, as the scenario's validation refuses a key.
fn refuse(v: &Validated, flag: &str, problem: String, fix: String) -> Error {
    Error::Input(vec![
        InputError::new(problem).in_file(&v.file).at(flag).fix(fix),
    ])
}

/// Runs the scenario's replica with the query traced and writes the animation.
pub fn animate(v: &Validated, opts: &AnimateOptions) -> Result<Animated> {
    let s = &v.scenario;
    let variant = match &opts.variant {
        None => &s.variants[0],
        Some(name) => s.variants.iter().find(|x| &x.name == name).ok_or_else(|| {
            let names: Vec<&str> = s.variants.iter().map(|x| x.name.as_str()).collect();
            refuse(
                v,
                "--variant",
                format!("the scenario has no variant {name:?}"),
                format!("give one of {}", names.join(", ")),
            )
        })?,
    };
    let trace = TraceRequest {
        replica: opts.replica,
        queries: vec![opts.query],
    };
    trace.check(v)?;
    let dht = matches!(variant.search, Search::Chord(_) | Search::Kademlia(_));
    if dht && opts.neighbourhood.is_some() {
        return Err(refuse(
            v,
            "--neighbourhood",
            "a DHT routes by identifier, not over overlay links".into(),
            "drop --neighbourhood (a DHT is drawn on its whole ring; use --max-nodes)".into(),
        ));
    }
    let too_many = |nodes: u64| {
        refuse(
            v,
            "--max-nodes",
            format!(
                "{nodes} nodes are too many to draw legibly (the limit is {})",
                opts.max_nodes
            ),
            "draw the source's surroundings with --neighbourhood K, raise --max-nodes, or use \
             a smaller network (--set network.nodes=...)"
                .into(),
        )
    };
    let sized = crate::resources::sizing(v).nodes;
    if opts.neighbourhood.is_none() && sized > u64::from(opts.max_nodes) {
        return Err(too_many(sized));
    }
    for path in std::iter::once(&opts.output).chain(&opts.apng) {
        output::check_writable(path)?;
    }

    let world = World::build(v, opts.replica)?;
    let query = world.queries[opts.query as usize];
    let dist = distances(&world.overlay, query.source);
    let drawn: Vec<NodeId> = (0..world.overlay.node_count())
        .filter(|&u| {
            opts.neighbourhood
                .is_none_or(|k| dist[u as usize].is_some_and(|d| d <= k))
        })
        .collect();
    if drawn.len() > opts.max_nodes as usize {
        return Err(too_many(drawn.len() as u64));
    }
    let run = run_variant(s, variant, &world, false, Some(&trace.queries), &mut |_| {});
    let record = run.records[opts.query as usize];
    let mut index = vec![u32::MAX; world.overlay.node_count() as usize];
    for (i, &u) in drawn.iter().enumerate() {
        index[u as usize] = i as u32;
    }
    let timeline = frames::timeline(&run.trace, query.issued.micros(), &|v| {
        index[v as usize] != u32::MAX
    });
    let edges: Vec<(u32, u32)> = if dht {
        Vec::new()
    } else {
        world
            .overlay
            .edges()
            .filter(|&(a, b)| index[a as usize] != u32::MAX && index[b as usize] != u32::MAX)
            .map(|(a, b)| (index[a as usize], index[b as usize]))
            .collect()
    };
    let mut hop_circles = 0;
    let positions = if dht {
        let ids = Identifiers::draw(
            s.seed,
            opts.replica,
            world.overlay.node_count(),
            world.content.objects(),
        );
        layout::ring(&ids.node)
    } else {
        // Nodes the source cannot reach sit on a circle beyond the farthest.
        let far = drawn
            .iter()
            .filter_map(|&u| dist[u as usize])
            .max()
            .unwrap_or(0)
            + 1;
        let hops: Vec<u32> = drawn
            .iter()
            .map(|&u| dist[u as usize].unwrap_or(far))
            .collect();
        hop_circles = hops.iter().copied().max().unwrap_or(0);
        let pairs: Vec<(usize, usize)> = edges
            .iter()
            .map(|&(a, b)| (a as usize, b as usize))
            .collect();
        layout::radial(&hops, &pairs)
    };
    let round = |x: f64| (x * 10_000.0).round() / 10.0;
    let nodes = drawn
        .iter()
        .enumerate()
        .map(|(i, &u)| {
            let (x, y) = positions[i];
            let d = dist[u as usize].map_or(-1, i64::from);
            (u64::from(u), round(x), round(y), d)
        })
        .collect();
    let data = Data {
        scenario: &s.name,
        variant: &variant.name,
        kind: kind_name(&variant.search),
        replica: opts.replica,
        query: opts.query,
        source: u64::from(query.source),
        issued_ms: query.issued.micros() as f64 / 1000.0,
        ring: dht,
        colours: &HOP_COLOURS,
        nodes,
        edges,
        hop_unit: if hop_circles == 0 {
            0.0
        } else {
            round(layout::OUTER / f64::from(hop_circles))
        },
        hop_circles,
        expected: Expected {
            messages: record.messages,
            nodes_reached: record.nodes_reached,
            duplicates: record.duplicates,
            hits: record.hits,
        },
        timeline: &timeline,
    };
    write_html(&opts.output, &data)?;
    if let Some(path) = &opts.apng {
        image::write_apng(path, &data, opts.apng_step)?;
    }
    Ok(Animated {
        nodes: drawn.len(),
        record,
        variant: variant.name.clone(),
    })
}

/// The `kind` of a search table.
fn kind_name(search: &Search) -> &'static str {
    let json = serde_json::to_value(search).expect("a search table serialises");
    let kind = json["kind"].as_str().expect("a tagged kind").to_string();
    crate::search::KINDS
        .iter()
        .find(|(name, _)| *name == kind)
        .map_or("?", |(name, _)| name)
}

/// Overlay hops from `source` to every node (`None`: not connected).
fn distances(overlay: &Overlay, source: NodeId) -> Vec<Option<u32>> {
    let mut dist = vec![None; overlay.node_count() as usize];
    dist[source as usize] = Some(0);
    let mut queue = VecDeque::from([source]);
    while let Some(u) = queue.pop_front() {
        let d = dist[u as usize].expect("queued nodes have a distance");
        for &w in overlay.neighbours(u) {
            if dist[w as usize].is_none() {
                dist[w as usize] = Some(d + 1);
                queue.push_back(w);
            }
        }
    }
    dist
}

/// The player page.
const TEMPLATE: &str = include_str!("player.html");

fn write_html(path: &Path, data: &Data<'_>) -> Result<()> {
    let json = serde_json::to_string(data).expect("animation data serialises");
    // Inside <script>, "</" could close the element.
    let json = json.replace("</", "<\\/");
    let html = TEMPLATE.replace("/*FLOODSIM_DATA*/null", &json);
    std::fs::write(path, html)
        .map_err(|e| Error::Runtime(format!("{}: cannot write: {e}", path.display())))
}
