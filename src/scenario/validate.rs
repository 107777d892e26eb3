//! Value checks on a parsed scenario. Every problem names its field path and a fix.

use super::*;
use crate::error::Error;
use crate::search::kinds::Facts;
use crate::validation::Checker;
use std::path::{Path, PathBuf};

/// A scenario whose values passed every check, with its file paths resolved.
#[derive(Clone, Debug)]
pub struct Validated {
    /// The checked scenario, defaults filled in.
    pub scenario: Scenario,
    /// The scenario file it came from.
    pub file: PathBuf,
    /// The edge list of a `file` topology, resolved against the scenario's folder.
    pub topology_file: Option<PathBuf>,
    /// Nodes of a generated topology (derived from width × height for grids); `None` for files.
    pub nodes: Option<u32>,
    /// The churn trace of a `trace` churn, resolved against the scenario's folder.
    pub trace_file: Option<PathBuf>,
}

/// Largest node count floodsim accepts (node ids are `u32`, one value is reserved).
pub const MAX_NODES: u32 = u32::MAX - 1;
/// Longest expected workload, seconds (ten years of simulated time).
pub const MAX_WORKLOAD_S: f64 = 3.2e8;
/// Most `timeseries.csv` windows per variant and replica.
pub const MAX_WINDOWS: f64 = 1e7;

impl Scenario {
    /// Checks every value and relation; returns all problems at once.
    pub fn validate(mut self, file: &Path) -> Result<Validated, Error> {
        let mut c = Checker::new(file);
        derive_queries(&mut c, &mut self.workload);
        load_latency_matrix(&mut c, &mut self.network, file);
        let s = &self;
        if s.schema_version != SCHEMA_VERSION {
            c.fail(
                "schema_version",
                format!(
                    "this floodsim reads schema_version {SCHEMA_VERSION}, the file says {}",
                    s.schema_version
                ),
                format!("set schema_version = {SCHEMA_VERSION}"),
            );
        }
        check_name(&mut c, "name", &s.name, "results/<name>/ folder");
        if s.replications == 0 || s.replications > 100_000 {
            c.fail(
                "replications",
                format!("must be between 1 and 100000, got {}", s.replications),
                "give the number of independent worlds to simulate, e.g. replications = 5",
            );
        }
        let nodes = check_network(&mut c, &s.network);
        let topology_file = match &s.network.topology {
            Topology::File { path } => {
                let resolved = file.parent().unwrap_or(Path::new(".")).join(path);
                if !resolved.is_file() {
                    c.fail(
                        "network.topology.path",
                        format!("no such file: {}", resolved.display()),
                        "give the edge list's path relative to the scenario file's folder",
                    );
                }
                Some(resolved)
            }
            _ => None,
        };
        check_content(&mut c, &s.content, nodes);
        check_workload(&mut c, &s.workload, s.content.rare.is_some());
        let two_tier = matches!(s.network.topology, Topology::TwoTier { .. });
        let facts = Facts {
            two_tier,
            capacity: !s.network.capacity.is_unlimited(),
            capacity_by_degree: matches!(
                s.network.capacity,
                crate::capacity::Capacity::Levels {
                    placement: crate::capacity::Placement::ByDegree,
                    ..
                }
            ),
        };
        check_variants(&mut c, &s.variants, &facts);
        check_window(&mut c, s);
        check_churn(&mut c, &s.churn, nodes, two_tier);
        let trace_file = match &s.churn {
            Churn::Trace { path, .. } => {
                let resolved = file.parent().unwrap_or(Path::new(".")).join(path);
                if !resolved.is_file() {
                    c.fail(
                        "churn.path",
                        format!("no such file: {}", resolved.display()),
                        "give the trace's path relative to the scenario file's folder",
                    );
                }
                Some(resolved)
            }
            _ => None,
        };
        if let Some(sweep) = &s.sweep {
            for (i, p) in sweep.params.iter().enumerate() {
                if let Err(e) = super::parse_param(p) {
                    let fix = e.fix.clone().unwrap_or_default();
                    c.fail(&format!("sweep.params[{i}]"), e.problem, fix);
                }
            }
        }
        c.finish()?;
        Ok(Validated {
            scenario: self,
            file: file.to_path_buf(),
            topology_file,
            nodes,
            trace_file,
        })
    }
}

fn check_name(c: &mut Checker, path: &str, name: &str, used_for: &str) {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'))
        && !name.starts_with('.');
    if !ok {
        c.fail(
            path,
            format!("{name:?} is not a usable name (it is used for the {used_for})"),
            "use 1-100 letters, digits, '-', '_' or '.', not starting with '.'",
        );
    }
}

/// Checks `[network]`; returns the node count when it is known before loading files.
fn check_network(c: &mut Checker, n: &Network) -> Option<u32> {
    check_latency(c, "network.latency", &n.latency);
    n.capacity.check(c);
    if let Topology::Grid { width, height, .. } = n.topology {
        return check_grid(c, width, height, n.nodes);
    }
    let nodes = match (&n.topology, n.nodes) {
        (Topology::File { .. }, Some(_)) => {
            c.fail(
                "network.nodes",
                "a file topology takes its nodes from the file".into(),
                "remove network.nodes",
            );
            None
        }
        (Topology::File { .. }, None) => None,
        (_, None) => {
            c.fail(
                "network.nodes",
                "missing: generated topologies need a node count".into(),
                "add e.g. nodes = 10000 under [network]",
            );
            None
        }
        (_, Some(v)) if !(2..=MAX_NODES).contains(&v) => {
            c.fail(
                "network.nodes",
                format!("must be between 2 and {MAX_NODES}, got {v}"),
                "give the number of peers, e.g. nodes = 10000",
            );
            None
        }
        (_, Some(v)) => Some(v),
    };
    match &n.topology {
        Topology::RandomRegular { degree } => {
            c.at_least_one("network.topology.degree", *degree);
            if let Some(nodes) = nodes {
                if *degree >= nodes {
                    c.fail(
                        "network.topology.degree",
                        format!(
                            "degree {degree} needs more than {degree} nodes, there are {nodes}"
                        ),
                        "lower the degree below network.nodes",
                    );
                } else if !(u64::from(nodes) * u64::from(*degree)).is_multiple_of(2) {
                    c.fail(
                        "network.topology.degree",
                        format!("nodes × degree = {nodes} × {degree} is odd, so no {degree}-regular graph exists"),
                        "make nodes × degree even (an even degree always works)",
                    );
                }
            }
        }
        Topology::ErdosRenyi { mean_degree } => {
            c.positive("network.topology.mean_degree", *mean_degree);
            if let Some(nodes) = nodes
                && *mean_degree > f64::from(nodes - 1)
            {
                c.fail(
                    "network.topology.mean_degree",
                    format!("{mean_degree} exceeds nodes − 1 = {}", nodes - 1),
                    "give a mean degree below the node count",
                );
            }
        }
        Topology::BarabasiAlbert { m } => {
            c.at_least_one("network.topology.m", *m);
            if let Some(nodes) = nodes
                && *m >= nodes
            {
                c.fail(
                    "network.topology.m",
                    format!("each new node needs {m} distinct earlier nodes, but there are only {nodes} nodes"),
                    "use m below network.nodes (Barabási–Albert used m = 1 to 5)",
                );
            }
        }
        Topology::WattsStrogatz { degree, rewire } => {
            if *degree < 2 || !degree.is_multiple_of(2) {
                c.fail(
                    "network.topology.degree",
                    format!("must be an even number >= 2, got {degree}"),
                    "the ring lattice links degree/2 neighbours on each side, e.g. degree = 10",
                );
            } else if let Some(nodes) = nodes
                && *degree >= nodes
            {
                c.fail(
                    "network.topology.degree",
                    format!("degree {degree} needs more than {degree} nodes"),
                    "lower the degree below network.nodes",
                );
            }
            c.probability("network.topology.rewire", *rewire);
        }
        Topology::PowerLaw {
            exponent,
            mean_degree,
            max_degree,
        } => {
            if !(exponent.is_finite() && *exponent > 1.0 && *exponent <= 10.0) {
                c.fail(
                    "network.topology.exponent",
                    format!("must be in (1, 10], got {exponent}"),
                    "early Gnutella fits gave exponents near 2.1-2.3",
                );
            }
            if !(mean_degree.is_finite()
                && *mean_degree >= 1.0
                && *mean_degree < f64::from(*max_degree))
            {
                c.fail(
                    "network.topology.mean_degree",
                    format!(
                        "must be at least 1 and below max_degree = {max_degree}, got {mean_degree}"
                    ),
                    "e.g. mean_degree = 4, max_degree = 1000",
                );
            } else if exponent.is_finite() && *exponent > 1.0 && *exponent <= 10.0 {
                let least = crate::topology::smallest_mean_degree(*exponent, *max_degree);
                if *mean_degree < least {
                    c.fail(
                        "network.topology.mean_degree",
                        format!("with exponent {exponent} and max_degree {max_degree} the mean degree is at least {least:.2}, got {mean_degree}"),
                        "raise mean_degree, raise the exponent or lower max_degree",
                    );
                }
            }
            if let Some(nodes) = nodes
                && *max_degree >= nodes
            {
                c.fail(
                    "network.topology.max_degree",
                    format!("{max_degree} is not below the {nodes} nodes"),
                    "lower max_degree below network.nodes",
                );
            }
        }
        Topology::TwoTier {
            ultrapeer_fraction,
            ultrapeer_degree,
            leaf_links,
        } => {
            if !(ultrapeer_fraction.is_finite()
                && *ultrapeer_fraction > 0.0
                && *ultrapeer_fraction < 1.0)
            {
                c.fail(
                    "network.topology.ultrapeer_fraction",
                    format!("must be a share strictly between 0 and 1, got {ultrapeer_fraction}"),
                    "Gnutella 0.6 networks had roughly 10-20% ultrapeers, e.g. 0.15",
                );
            } else if let Some(nodes) = nodes {
                let u = Topology::ultrapeer_count(*ultrapeer_fraction, nodes);
                if *ultrapeer_degree == 0 || *ultrapeer_degree >= u {
                    c.fail(
                        "network.topology.ultrapeer_degree",
                        format!("the mesh of {u} ultrapeers needs a degree from 1 to {}, got {ultrapeer_degree}", u.saturating_sub(1)),
                        "raise ultrapeer_fraction or lower ultrapeer_degree",
                    );
                } else if !(u64::from(u) * u64::from(*ultrapeer_degree)).is_multiple_of(2) {
                    c.fail(
                        "network.topology.ultrapeer_degree",
                        format!("{u} ultrapeers × degree {ultrapeer_degree} is odd, so no regular mesh exists"),
                        "use an even ultrapeer_degree",
                    );
                }
                if *leaf_links == 0 || *leaf_links > u {
                    c.fail(
                        "network.topology.leaf_links",
                        format!("must be between 1 and the {u} ultrapeers, got {leaf_links}"),
                        "most Gnutella 0.6 leaves kept 3 ultrapeer links",
                    );
                }
            }
        }
        Topology::Grid { .. } | Topology::File { .. } => {}
    }
    nodes
}

fn check_grid(
    c: &mut Checker,
    width: Option<u32>,
    height: Option<u32>,
    nodes: Option<u32>,
) -> Option<u32> {
    let Some((w, h)) = Topology::grid_shape(width, height, nodes) else {
        c.fail(
            "network.topology",
            "cannot tell the grid's shape".into(),
            "give width and height, or a square network.nodes (e.g. 10000 for 100 × 100)",
        );
        return None;
    };
    let total = u64::from(w) * u64::from(h);
    if w == 0 || h == 0 || total < 2 || total > u64::from(MAX_NODES) {
        c.fail(
            "network.topology",
            format!("a {w} × {h} grid is not a usable network"),
            "give width and height of at least 1, with 2 or more nodes",
        );
        return None;
    }
    if let Some(n) = nodes.filter(|&n| u64::from(n) != total) {
        c.fail(
            "network.nodes",
            format!("{n} nodes do not fill a {w} × {h} grid"),
            format!("set nodes = {total} or drop it"),
        );
        return None;
    }
    Some(total as u32)
}

/// Reads a `matrix` latency's file, and checks that it fits the network.
fn load_latency_matrix(c: &mut Checker, network: &mut Network, file: &Path) {
    let (nodes, largest) = (network.nodes, network.largest_component);
    let Latency::Matrix { path, matrix } = &mut network.latency else {
        return;
    };
    let resolved = file.parent().unwrap_or(Path::new(".")).join(&*path);
    match crate::net::Matrix::load(&resolved) {
        Err(e) => c.add(e),
        Ok(m) => {
            if nodes != Some(m.nodes()) || largest {
                c.fail(
                    "network.latency.path",
                    format!(
                        "the matrix has {} rows; it needs a generated topology of exactly that many nodes, numbered as its rows",
                        m.nodes()
                    ),
                    format!(
                        "set network.nodes = {} with a generated topology and largest_component = false",
                        m.nodes()
                    ),
                );
            }
            *matrix = Some(std::sync::Arc::new(m));
        }
    }
}

fn check_latency(c: &mut Checker, path: &str, latency: &Latency) {
    match latency {
        Latency::Constant { ms } => c.latency(&format!("{path}.ms"), *ms),
        Latency::Uniform { min_ms, max_ms } => {
            c.latency(&format!("{path}.min_ms"), *min_ms);
            c.latency(&format!("{path}.max_ms"), *max_ms);
            if min_ms > max_ms {
                c.fail(
                    &format!("{path}.max_ms"),
                    format!("max_ms {max_ms} is below min_ms {min_ms}"),
                    "make min_ms <= max_ms",
                );
            }
        }
        Latency::Lognormal { median_ms, sigma } => {
            c.positive(&format!("{path}.median_ms"), *median_ms);
            c.latency(&format!("{path}.median_ms"), *median_ms);
            c.non_negative(&format!("{path}.sigma"), *sigma);
            if *sigma > 5.0 {
                c.fail(
                    &format!("{path}.sigma"),
                    format!("sigma {sigma} makes latencies span over four orders of magnitude"),
                    "use sigma <= 5 (measured Internet paths fit about 0.2-1)",
                );
            }
        }
        Latency::PerLink { law, jitter_ms } => {
            let law_path = format!("{path}.law");
            if matches!(**law, Latency::PerLink { .. }) {
                c.fail(
                    &law_path,
                    "a per-link law cannot itself be per-link".to_string(),
                    "give law = { kind = \"constant\" | \"uniform\" | \"lognormal\", ... }",
                );
            } else {
                check_latency(c, &law_path, law);
            }
            c.latency(&format!("{path}.jitter_ms"), *jitter_ms);
        }
        Latency::Matrix { .. } | Latency::Coordinates { .. } if path != "network.latency" => c
            .fail(
                path,
                "a matrix or coordinates model cannot be a law inside another model".to_string(),
                "give law = { kind = \"constant\" | \"uniform\" | \"lognormal\", ... }",
            ),
        Latency::Matrix { .. } => {}
        Latency::Coordinates {
            regions,
            km_per_ms,
            access,
        } => {
            if regions.is_empty() || regions.len() > 255 {
                c.fail(
                    &format!("{path}.regions"),
                    format!("{} regions; give 1 to 255", regions.len()),
                    "list the regions as [{ name = \"europe\", share = 0.2, lat = 50.1, lon = 8.7 }, ...]",
                );
            }
            for (i, r) in regions.iter().enumerate() {
                let at = format!("{path}.regions[{i}]");
                c.positive(&format!("{at}.share"), r.share);
                if !(-90.0..=90.0).contains(&r.lat) || !(-180.0..=180.0).contains(&r.lon) {
                    c.fail(
                        &at,
                        format!("lat {} lon {} is not a place on Earth", r.lat, r.lon),
                        "give latitude in [-90, 90] and longitude in [-180, 180] degrees",
                    );
                }
            }
            c.positive(&format!("{path}.km_per_ms"), *km_per_ms);
            let access_path = format!("{path}.access");
            if matches!(**access, Latency::PerLink { .. }) {
                c.fail(
                    &access_path,
                    "an access delay cannot be per-link".to_string(),
                    "give access = { kind = \"constant\" | \"uniform\" | \"lognormal\", ... }",
                );
            } else {
                check_latency(c, &access_path, access);
            }
        }
    }
}

fn check_content(c: &mut Checker, content: &Content, nodes: Option<u32>) {
    c.at_least_one("content.objects", content.objects);
    if let Popularity::Zipf { exponent } = content.popularity {
        c.non_negative("content.popularity.exponent", exponent);
    }
    let copies_fit = |c: &mut Checker, path: &str, copies: u32| {
        c.at_least_one(path, copies);
        if let Some(n) = nodes.filter(|&n| copies > n) {
            c.fail(
                path,
                format!("{copies} copies cannot sit on distinct nodes of a {n}-node network"),
                format!("give at most {n} copies"),
            );
        }
    };
    match content.replication {
        Replication::Uniform { copies } => copies_fit(c, "content.replication.copies", copies),
        Replication::Proportional { mean_copies } | Replication::SquareRoot { mean_copies } => {
            let limit = nodes.map_or(f64::from(MAX_NODES), f64::from);
            if !(mean_copies.is_finite() && mean_copies >= 1.0 && mean_copies <= limit) {
                c.fail(
                    "content.replication.mean_copies",
                    format!("must be between 1 (every object has a copy) and the {limit} nodes, got {mean_copies}"),
                    "Lv et al. used a mean replication ratio of about 1% of the nodes",
                );
            }
        }
        Replication::FreeRiders {
            free_rider_fraction,
            min_shared,
            shape,
        } => {
            let at = |field: &str| format!("content.replication.{field}");
            if !(0.0..1.0).contains(&free_rider_fraction) {
                c.fail(
                    &at("free_rider_fraction"),
                    format!("must be at least 0 and below 1, got {free_rider_fraction}"),
                    "give the share of peers that share nothing, e.g. 0.66 (Adar & Huberman 2000)",
                );
            }
            c.at_least_one(&at("min_shared"), min_shared);
            if min_shared > content.objects {
                c.fail(
                    &at("min_shared"),
                    format!(
                        "{min_shared} is more than the {} catalogue objects",
                        content.objects
                    ),
                    "give at most content.objects",
                );
            }
            if !(shape.is_finite() && shape > 0.0) {
                c.fail(
                    &at("shape"),
                    format!("must be a number above 0, got {shape}"),
                    "give the tail index of the shared-objects law, e.g. 1.2",
                );
            }
        }
    }
    if let Some(rare) = &content.rare {
        c.at_least_one("content.rare.objects", rare.objects);
        copies_fit(c, "content.rare.copies", rare.copies);
        if u64::from(content.objects) + u64::from(rare.objects) > u64::from(u32::MAX) {
            c.fail(
                "content.rare.objects",
                "too many objects in all".into(),
                "use fewer objects",
            );
        }
    }
}

/// Fills `queries` from `duration_s` when the workload gives a duration instead.
fn derive_queries(c: &mut Checker, w: &mut Workload) {
    let Some(duration) = w.duration_s else {
        return;
    };
    if w.queries != 0 {
        c.fail(
            "workload.duration_s",
            format!(
                "the workload gives both queries = {} and duration_s = {duration}",
                w.queries
            ),
            "give either a query count or a duration, not both",
        );
        return;
    }
    c.positive("workload.duration_s", duration);
    let queries = (duration * w.rate_per_s).round();
    if w.rate_per_s.is_finite() && w.rate_per_s > 0.0 && duration.is_finite() && duration > 0.0 {
        if queries > f64::from(u32::MAX) {
            c.fail(
                "workload.duration_s",
                format!(
                    "{duration} s at {} queries/s is {queries:.3e} queries, more than {}",
                    w.rate_per_s,
                    u32::MAX
                ),
                "shorten the duration or lower the rate",
            );
        } else {
            w.queries = (queries as u32).max(1);
        }
    }
}

fn check_workload(c: &mut Checker, w: &Workload, has_rare: bool) {
    if w.duration_s.is_none() && w.queries == 0 {
        c.fail(
            "workload.queries",
            "is missing or 0".into(),
            "give the queries per replication (e.g. queries = 1000), or duration_s for a \
             duration at rate_per_s",
        );
    }
    c.positive("workload.rate_per_s", w.rate_per_s);
    c.positive("workload.timeout_s", w.timeout_s);
    if !(0.0..=1.0).contains(&w.rare_fraction) {
        c.fail(
            "workload.rare_fraction",
            format!("must be a share between 0 and 1, got {}", w.rare_fraction),
            "e.g. rare_fraction = 0.1 sends 10% of queries to rare objects",
        );
    } else if w.rare_fraction > 0.0 && !has_rare {
        c.fail(
            "workload.rare_fraction",
            format!(
                "{} of queries should target rare objects, but [content.rare] is absent",
                w.rare_fraction
            ),
            "add content.rare = { objects = 100, copies = 1 } or set rare_fraction = 0",
        );
    }
}

/// The expected workload duration must be sane, and so must the number of windows it spans.
fn check_window(c: &mut Checker, s: &Scenario) {
    let window = s.output.timeseries_window_s;
    c.positive("output.timeseries_window_s", window);
    let duration = f64::from(s.workload.queries) / s.workload.rate_per_s;
    if s.workload.rate_per_s > 0.0 && duration > MAX_WORKLOAD_S {
        c.fail(
            "workload.rate_per_s",
            format!(
                "{} queries at {} per second last about {duration:.3e} s of simulated time",
                s.workload.queries, s.workload.rate_per_s
            ),
            format!("raise the rate so the workload lasts under {MAX_WORKLOAD_S:.1e} s"),
        );
    } else if window > 0.0 && duration / window > MAX_WINDOWS {
        c.fail(
            "output.timeseries_window_s",
            format!(
                "{window} s windows over about {duration:.0} s make {:.1e} windows",
                duration / window
            ),
            format!("use windows of at least {:.3e} s", duration / MAX_WINDOWS),
        );
    }
}

fn check_churn(c: &mut Checker, churn: &Churn, nodes: Option<u32>, two_tier: bool) {
    let warmup = churn.warmup_s();
    if !(warmup.is_finite() && (0.0..=MAX_WORKLOAD_S).contains(&warmup)) {
        c.fail(
            "churn.warmup_s",
            format!("must be between 0 and {MAX_WORKLOAD_S:.1e} s, got {warmup}"),
            "e.g. warmup_s = 3600 lets repair settle for an hour before the first query",
        );
    }
    if let Churn::Sessions {
        session, offline, ..
    } = churn
    {
        check_lifetime(c, "churn.session", session);
        check_lifetime(c, "churn.offline", offline);
    }
    let Some(r) = churn.repair() else { return };
    c.at_least_one("churn.repair.min_degree", r.min_degree);
    if r.max_degree < r.min_degree {
        c.fail(
            "churn.repair.max_degree",
            format!("{} is below min_degree = {}", r.max_degree, r.min_degree),
            "make max_degree >= min_degree, e.g. min_degree = 3, max_degree = 8",
        );
    }
    if let Some(n) = nodes.filter(|&n| r.min_degree >= n) {
        c.fail(
            "churn.repair.min_degree",
            format!(
                "{} links per node need more than the {n} nodes",
                r.min_degree
            ),
            "lower min_degree below network.nodes",
        );
    }
    c.latency("churn.repair.delay_ms", r.delay_ms);
    if two_tier {
        c.fail(
            "churn.repair",
            "repair connects random peers, which would break the two-tier roles".into(),
            "drop churn.repair: a two-tier overlay's links then return with their nodes",
        );
    }
}

/// Shapes below this make Γ(1 + 1/k) overflow long before they mean anything.
const MIN_WEIBULL_SHAPE: f64 = 0.05;

fn check_lifetime(c: &mut Checker, path: &str, law: &Lifetime) {
    match *law {
        Lifetime::Exponential { mean_s } => c.positive(&format!("{path}.mean_s"), mean_s),
        Lifetime::Pareto { shape, scale_s } => {
            if !(shape.is_finite() && shape > 1.0) {
                c.fail(
                    &format!("{path}.shape"),
                    format!("must be above 1, got {shape}: with shape <= 1 the mean is infinite and no stationary state exists"),
                    "use e.g. shape = 1.5 (Pareto fits of P2P sessions give 1.1-2)",
                );
            }
            c.positive(&format!("{path}.scale_s"), scale_s);
        }
        Lifetime::Weibull { shape, scale_s } => {
            if !(shape.is_finite() && (MIN_WEIBULL_SHAPE..=100.0).contains(&shape)) {
                c.fail(
                    &format!("{path}.shape"),
                    format!("must be between {MIN_WEIBULL_SHAPE} and 100, got {shape}"),
                    "Stutzbach & Rejaie fit Gnutella sessions with shapes 0.34-0.59",
                );
            }
            c.positive(&format!("{path}.scale_s"), scale_s);
        }
        Lifetime::Lognormal { mu, sigma } => {
            if !(mu.is_finite() && mu.abs() <= 40.0) {
                c.fail(
                    &format!("{path}.mu"),
                    format!("must be a finite log-seconds value in [-40, 40], got {mu}"),
                    "mu = ln(median seconds), e.g. 8.2 for a median of an hour",
                );
            }
            if !(sigma.is_finite() && (0.0..=5.0).contains(&sigma)) {
                c.fail(
                    &format!("{path}.sigma"),
                    format!("must be between 0 and 5, got {sigma}"),
                    "e.g. sigma = 1.5",
                );
            }
        }
        Lifetime::Constant { s } => c.positive(&format!("{path}.s"), s),
    }
}

fn check_variants(c: &mut Checker, variants: &[Variant], facts: &Facts) {
    if variants.is_empty() {
        c.fail(
            "variant",
            "no [[variant]] is given, so there is nothing to simulate".into(),
            "add e.g. [[variant]] name = \"flood\" search = { kind = \"flooding\", ttl = 7 }",
        );
    }
    for (i, v) in variants.iter().enumerate() {
        let path = format!("variant[{i}].name");
        check_name(c, &path, &v.name, "variant column of every output");
        let key = crate::rng::name_key(&v.name);
        if variants[..i].iter().any(|w| w.name == v.name) {
            c.fail(
                &path,
                format!("the variant name {:?} is used twice", v.name),
                "give every [[variant]] its own name",
            );
        } else if let Some(w) = variants[..i]
            .iter()
            .find(|w| crate::rng::name_key(&w.name) == key)
        {
            c.fail(
                &path,
                format!(
                    "the variant names {:?} and {:?} would share a random stream (their keys collide)",
                    w.name, v.name
                ),
                "rename one of them",
            );
        }
        if let Some((_, user)) = crate::rng::RESERVED_PROTOCOL_KEYS
            .iter()
            .find(|(k, _)| *k == key)
        {
            c.fail(
                &path,
                format!(
                    "the variant name {:?} is reserved: it would share the random stream of {user}",
                    v.name
                ),
                "choose another name",
            );
        }
        let path = format!("variant.{}.search", v.name);
        v.search.kind().check(c, &path, facts);
    }
}
