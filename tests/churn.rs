//! Churn: stationary availability, exact trace replay, repair bounds, message loss, the cost
//! of churn for flooding, and determinism.

mod common;
use common::*;
use floodsim::churn::{Change, Changes, ChurnPlan, OverlayState, TimedChange, availability};
use floodsim::content::{Content, ObjectId};
use floodsim::metrics::QueryRecord;
use floodsim::scenario::Churn;
use floodsim::search::Flooding;
use floodsim::sim::{self, Context, Protocol, QueryId};
use floodsim::time::SimTime;
use floodsim::topology::{NodeId, Overlay};
use floodsim::workload::Query;
use floodsim::world::World;
use std::path::Path;

/// A scenario of `nodes` nodes whose queries span about `span_s` seconds, with `[churn]`
/// given as inline TOML lines.
fn churn_scenario(nodes: u32, span_s: f64, churn: &str) -> String {
    format!(
        r#"
schema_version = 1
name = "churn"
seed = 5
[network]
nodes = {nodes}
topology = {{ kind = "random-regular", degree = 6 }}
latency = {{ kind = "constant", ms = 50 }}
[content]
objects = 50
replication = {{ kind = "uniform", copies = 5 }}
[workload]
queries = 100
rate_per_s = {rate}
timeout_s = 30
[churn]
{churn}
[[variant]]
name = "flood"
search = {{ kind = "flooding", ttl = 4 }}
[output]
timeseries_window_s = 100
"#,
        rate = 100.0 / span_s
    )
}

fn plan_of(world: &World) -> &ChurnPlan {
    world.churn.as_ref().expect("a churn plan")
}

/// Every change of the world's plan, replayed.
fn changes_of(world: &World) -> Vec<TimedChange> {
    plan_of(world).replay(&world.overlay).collect()
}

/// Replays a world's plan and integrates the online count over [from, to) µs.
fn online_node_seconds(world: &World, from: u64, to: u64) -> f64 {
    let plan = plan_of(world);
    let mut online = plan.initially_online.iter().filter(|&&u| u).count() as f64;
    let mut last = from;
    let mut area = 0.0;
    for c in plan.replay(&world.overlay) {
        let t = c.time.micros();
        if t >= to {
            break;
        }
        if t > last {
            area += online * (t - last) as f64;
            last = t;
        }
        match c.change {
            Change::Join(_) => online += 1.0,
            Change::Leave(_) => online -= 1.0,
            _ => {}
        }
    }
    area += online * (to - last) as f64;
    area / 1e6
}

#[test]
fn stationary_availability_matches_mean_session_over_mean_cycle() {
    // 4000 nodes over 10 mean cycles (offline mean 1200 s). The time-averaged online fraction
    // must match E[S]/(E[S]+E[O]) within 0.015 (about 5 standard errors for the heaviest tail
    // here), over the whole run *and* over the first half cycle, which only holds if the
    // residuals at time zero are drawn from the equilibrium distribution.
    let laws = [
        "{ kind = \"exponential\", mean_s = 1800 }",
        "{ kind = \"weibull\", shape = 0.5, scale_s = 900 }",
        "{ kind = \"pareto\", shape = 2.5, scale_s = 1080 }",
        "{ kind = \"lognormal\", mu = 6.9, sigma = 1.0 }",
    ];
    for session in laws {
        let text = churn_scenario(
            4000,
            30_000.0,
            &format!(
                "kind = \"sessions\"\nsession = {session}\noffline = {{ kind = \"exponential\", mean_s = 1200 }}"
            ),
        );
        let v = validated(&text, &[]);
        let Churn::Sessions {
            session: s,
            offline: o,
            ..
        } = v.scenario.churn
        else {
            unreachable!()
        };
        let p = availability(&s, &o);
        let world = World::build(&v, 0).unwrap();
        let plan = plan_of(&world);
        let end = world.queries.last().unwrap().issued.micros();
        assert!(end > 25_000_000_000, "the run spans ~30,000 s");
        let whole = online_node_seconds(&world, 0, end) / (4000.0 * end as f64 / 1e6);
        let half_cycle = ((s.mean() + o.mean()) / 2.0 * 1e6) as u64;
        let early = online_node_seconds(&world, 0, half_cycle) / (4000.0 * half_cycle as f64 / 1e6);
        assert!(
            (whole - p).abs() < 0.015,
            "{session}: online {whole:.4} vs {p:.4}"
        );
        assert!(
            (early - p).abs() < 0.015,
            "{session}: early online {early:.4} vs {p:.4}"
        );
        // The windows the plan reports agree with this independent replay.
        let w0 = plan.windows[0].online_nodes;
        let direct = online_node_seconds(&world, 0, 100_000_000) / 100.0;
        assert!((w0 - direct).abs() < 1e-6, "{w0} vs {direct}");
    }
}

#[test]
fn a_trace_replays_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let trace = "# node,online_s,offline_s\nnode,online_s,offline_s\n0,0,\n1,0,12.5\n1,40,55.25\n2,3,4\n2,10,\n5,7.000001,90\n";
    write(dir.path(), "trace.csv", trace);
    let text = churn_scenario(8, 60.0, "kind = \"trace\"\npath = \"trace.csv\"");
    let path = write(dir.path(), "s.toml", &text);
    let v = floodsim::scenario::load(&path, &[])
        .and_then(|s| s.validate(&path))
        .unwrap();
    let world = World::build(&v, 0).unwrap();
    let plan = plan_of(&world);
    assert_eq!(
        plan.initially_online,
        [true, true, false, false, false, false, false, false]
    );
    let transitions: Vec<(u64, Change)> = changes_of(&world)
        .iter()
        .filter(|c| matches!(c.change, Change::Join(_) | Change::Leave(_)))
        .map(|c| (c.time.micros(), c.change))
        .collect();
    let horizon = world.queries.last().unwrap().issued.micros() + 30_000_000;
    let expected: Vec<(u64, Change)> = [
        (3_000_000, Change::Join(2)),
        (4_000_000, Change::Leave(2)),
        (7_000_001, Change::Join(5)),
        (10_000_000, Change::Join(2)),
        (12_500_000, Change::Leave(1)),
        (40_000_000, Change::Join(1)),
        (55_250_000, Change::Leave(1)),
        (90_000_000, Change::Leave(5)),
    ]
    .into_iter()
    .filter(|&(t, _)| t <= horizon)
    .collect();
    assert_eq!(transitions, expected);
    // Every query starts at a node the trace has online.
    for q in &world.queries {
        let t = q.issued.micros() as f64 / 1e6;
        let online = match q.source {
            0 => true,
            1 => t < 12.5 || (40.0..55.25).contains(&t),
            2 => (3.0..4.0).contains(&t) || t >= 10.0,
            5 => (7.000001..90.0).contains(&t),
            _ => false,
        };
        assert!(online, "query at {t} s from offline node {}", q.source);
    }
}

#[test]
fn replays_draw_the_changes_the_world_was_built_with() {
    // The workload picked its sources (and counted online copies) while the world's builder
    // drew the plan; a replay draws it again. Replaying to each issue time must find the same
    // network, and two replays must agree change for change.
    let text = churn_scenario(
        1500,
        2000.0,
        "kind = \"sessions\"\nsession = { kind = \"weibull\", shape = 0.5, scale_s = 200 }\noffline = { kind = \"exponential\", mean_s = 300 }\nrepair = { min_degree = 3, max_degree = 8, delay_ms = 2000 }",
    );
    let world = World::build(&validated(&text, &["workload.queries=300".into()]), 0).unwrap();
    let changes = changes_of(&world);
    assert!(changes.len() > 5_000, "{} changes", changes.len());
    assert_eq!(changes, changes_of(&world));
    let mut state = plan_of(&world).initial_state(&world.overlay);
    let mut next = changes.iter().peekable();
    for q in &world.queries {
        while let Some(c) = next.next_if(|c| c.time <= q.issued) {
            state.apply(c.time, c.change);
        }
        assert!(
            state.is_online(q.source),
            "source of the query at {}",
            q.issued
        );
        let online_copies = world.content.holders(q.object).iter();
        // Copies other than the source's own.
        let online_copies = online_copies.filter(|&&v| v != q.source && state.is_online(v));
        let online_copies = online_copies.count();
        assert_eq!(online_copies as u32, q.replicas_online, "at {}", q.issued);
    }
    // Links too: the replay's time-averaged degree per 100 s window is what the builder
    // recorded for timeseries.csv.
    let windows = &plan_of(&world).windows;
    let width = 100_000_000u64;
    let mut state = plan_of(&world).initial_state(&world.overlay);
    let (mut online_area, mut link_area) = (vec![0.0; windows.len()], vec![0.0; windows.len()]);
    let mut last = 0u64;
    let mut integrate = |state: &OverlayState, to: u64| {
        while last < to {
            let w = (last / width) as usize;
            let end = ((w as u64 + 1) * width).min(to);
            online_area[w] += state.online_nodes().len() as f64 * (end - last) as f64;
            link_area[w] += state.total_links() as f64 * (end - last) as f64;
            last = end;
        }
    };
    for c in &changes {
        integrate(&state, c.time.micros());
        state.apply(c.time, c.change);
    }
    for (w, window) in windows.iter().enumerate().take(windows.len() - 1) {
        let degree = link_area[w] / online_area[w];
        assert!(
            (window.mean_degree - degree).abs() < 1e-9,
            "window {w}: {} vs {degree}",
            window.mean_degree
        );
    }
}

#[test]
fn repair_keeps_degrees_within_bounds_and_links_consistent_at_all_times() {
    let (min, max) = (4, 9);
    let text = churn_scenario(
        2000,
        3000.0,
        &format!(
            "kind = \"sessions\"\nsession = {{ kind = \"weibull\", shape = 0.5, scale_s = 300 }}\noffline = {{ kind = \"exponential\", mean_s = 600 }}\nrepair = {{ min_degree = {min}, max_degree = {max}, delay_ms = 5000 }}"
        ),
    );
    let world = World::build(&validated(&text, &[]), 0).unwrap();
    let plan = plan_of(&world);
    let mut state = plan.initial_state(&world.overlay);
    let mut links_made = 0;
    let mut instants = 0;
    let check = |s: &OverlayState, at: SimTime| {
        for &v in s.online_nodes() {
            let d = s.degree(v);
            assert!(d >= min, "node {v} has {d} < {min} links at {at}");
            assert!(
                d <= max.max(world.overlay.degree(v)),
                "node {v} has {d} links at {at}"
            );
            for &w in s.neighbours(v) {
                // A listed neighbour is either linked back or gone (not yet noticed).
                assert!(
                    !s.is_online(w) || s.has_link(w, v),
                    "{v} lists {w} one-sidedly at {at}"
                );
            }
        }
    };
    let changes = changes_of(&world);
    let mut i = 0;
    // Time zero's repairs come first.
    while i < changes.len() {
        let at = changes[i].time;
        while i < changes.len() && changes[i].time == at {
            let TimedChange { change, .. } = changes[i];
            state.apply(at, change);
            if let Change::Link(a, b) = change {
                links_made += 1;
                assert!(state.degree(a) <= max && state.degree(b) <= max + 1);
            }
            i += 1;
        }
        instants += 1;
        check(&state, at);
    }
    assert!(
        links_made > 5_000 && instants > 1_000,
        "{links_made} links, {instants} instants"
    );
    // Maintenance traffic was counted.
    let maintenance: u64 = plan.windows.iter().map(|w| w.maintenance_messages).sum();
    assert!(maintenance >= 5 * links_made as u64 / 2);
}

#[test]
fn session_draws_do_not_depend_on_repair_settings() {
    let base = "kind = \"sessions\"\nsession = { kind = \"exponential\", mean_s = 200 }\noffline = { kind = \"exponential\", mean_s = 200 }";
    let plain = World::build(&validated(&churn_scenario(500, 1000.0, base), &[]), 0).unwrap();
    let repaired = World::build(
        &validated(
            &churn_scenario(
                500,
                1000.0,
                &format!("{base}\nrepair = {{ min_degree = 3, max_degree = 6, delay_ms = 100 }}"),
            ),
            &[],
        ),
        0,
    )
    .unwrap();
    let sessions = |w: &World| -> Vec<TimedChange> {
        changes_of(w)
            .into_iter()
            .filter(|c| matches!(c.change, Change::Join(_) | Change::Leave(_)))
            .collect()
    };
    assert_eq!(sessions(&plain), sessions(&repaired));
    assert_eq!(plain.queries, repaired.queries);
}

/// A TTL-bounded flood that asserts it is never handed a message at an offline node.
struct Probe {
    in_flight: u64,
    delivered: u64,
    lost: u64,
}

impl Protocol for Probe {
    type Message = u8;
    type Timer = ();

    fn query_of(&self, _: &u8) -> Option<QueryId> {
        Some(0)
    }

    fn active_queries(&self) -> usize {
        // Counted together: anything still in flight at the end would be a leak.
        usize::from(self.in_flight > 0)
    }

    fn start_query(
        &mut self,
        ctx: &mut Context<'_, Self>,
        _: QueryId,
        source: NodeId,
        _: ObjectId,
    ) {
        assert!(ctx.is_online(source), "a query started at an offline node");
        for &w in ctx.neighbours(source) {
            ctx.send(source, w, 3);
            self.in_flight += 1;
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, to: NodeId, _: NodeId, ttl: u8) {
        assert!(ctx.is_online(to), "message delivered to offline node {to}");
        self.in_flight -= 1;
        self.delivered += 1;
        if ttl > 1 {
            for &w in ctx.neighbours(to) {
                ctx.send(to, w, ttl - 1);
                self.in_flight += 1;
            }
        }
    }

    fn on_lost(&mut self, ctx: &mut Context<'_, Self>, to: NodeId, _: NodeId, _: u8) {
        assert!(
            !ctx.is_online(to),
            "a message to an online node was dropped"
        );
        self.in_flight -= 1;
        self.lost += 1;
    }
}

#[test]
fn no_message_is_delivered_to_an_offline_node() {
    // Short sessions and slow detection, so many messages chase departed neighbours.
    let text = churn_scenario(
        1000,
        200.0,
        "kind = \"sessions\"\nsession = { kind = \"exponential\", mean_s = 20 }\noffline = { kind = \"exponential\", mean_s = 20 }\nrepair = { min_degree = 3, max_degree = 8, delay_ms = 2000 }",
    );
    let world = World::build(&validated(&text, &[]), 0).unwrap();
    let mut probe = Probe {
        in_flight: 0,
        delivered: 0,
        lost: 0,
    };
    sim::simulate(&world, &mut probe, fixture::setup(), &mut |_| {});
    assert_eq!(probe.in_flight, 0, "every message landed or was lost");
    assert!(
        probe.lost > 100 && probe.delivered > 10 * probe.lost,
        "{} delivered, {} lost",
        probe.delivered,
        probe.lost
    );
}

fn flood(world: &World, ttl: u8) -> Vec<QueryRecord> {
    fixture::run(world, Flooding::gnutella(ttl, world.overlay.node_count()))
}

#[test]
fn churn_never_raises_flood_success_on_the_same_world() {
    // Without repair the live overlay is always a subgraph of the static one, so with constant
    // latency every query reaches a subset of what it reaches without churn: per query,
    // success and reach can only drop.
    let text = churn_scenario(
        2000,
        500.0,
        "kind = \"sessions\"\nsession = { kind = \"weibull\", shape = 0.5, scale_s = 100 }\noffline = { kind = \"exponential\", mean_s = 100 }",
    );
    let churned = World::build(&validated(&text, &["workload.queries=400".into()]), 0).unwrap();
    let mut still = churned.clone();
    still.churn = None;
    let with = flood(&churned, 4);
    let without = flood(&still, 4);
    for (q, (a, b)) in with.iter().zip(&without).enumerate() {
        assert!(
            b.success() || !a.success(),
            "query {q} succeeds only under churn"
        );
        assert!(
            a.nodes_reached <= b.nodes_reached,
            "query {q} reaches more under churn"
        );
    }
    let rate = |r: &[QueryRecord]| r.iter().filter(|r| r.success()).count();
    assert!(
        rate(&with) < rate(&without),
        "churn cost nothing: {} vs {}",
        rate(&with),
        rate(&without)
    );
}

#[test]
fn hits_are_lost_when_the_reverse_path_or_the_source_goes_away() {
    // Path 0 - 1 - 2, object on node 2, 50 ms links: the query reaches node 2 at 100 ms and
    // its hit would pass node 1 at 150 ms and reach node 0 at 200 ms.
    let overlay = Overlay::from_edges(3, &[(0, 1), (1, 2)]);
    let world = |changes: Vec<(u64, Change)>| World {
        churn: Some(ChurnPlan {
            initially_online: vec![true; 3],
            max_degree: 0,
            changes: Changes::Listed(
                changes
                    .into_iter()
                    .map(|(ms, change)| TimedChange {
                        time: SimTime(ms * 1000),
                        change,
                    })
                    .collect(),
            ),
            windows: Vec::new(),
        }),
        ..fixture::world(
            overlay.clone(),
            Content::place_fixed(&[vec![2]]),
            vec![Query {
                issued: SimTime::ZERO,
                source: 0,
                object: 0,
                replicas_online: 1,
            }],
        )
    };
    let only = |w: World| flood(&w, 3)[0];
    let calm = only(world(vec![]));
    assert_eq!((calm.hits, calm.hits_lost), (1, 0));
    // Node 1 leaves at 120 ms: the hit sent to it at 100 ms is lost.
    let relay_gone = only(world(vec![
        (120, Change::Leave(1)),
        (120, Change::Unlink(0, 1)),
        (120, Change::Unlink(2, 1)),
    ]));
    assert_eq!((relay_gone.hits, relay_gone.hits_lost), (0, 1));
    // Node 1 bounces (leaves at 110 ms, back at 130 ms): it lost the reverse path.
    let relay_bounced = only(world(vec![(110, Change::Leave(1)), (130, Change::Join(1))]));
    assert_eq!((relay_bounced.hits, relay_bounced.hits_lost), (0, 1));
    // The source leaves at 170 ms and is back at 190 ms: it abandoned the query.
    let source_bounced = only(world(vec![(170, Change::Leave(0)), (190, Change::Join(0))]));
    assert_eq!((source_bounced.hits, source_bounced.hits_lost), (0, 1));
}

fn run_files(dir: &Path, out: &str, extra: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut args = vec!["run", "c.toml", "--quiet", "--out", out];
    args.extend_from_slice(extra);
    let o = floodsim(dir, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    deterministic_files(&dir.join(out))
}

#[test]
fn churn_runs_are_deterministic_for_any_thread_count_and_seed_sensitive() {
    let dir = tempfile::tempdir().unwrap();
    let text = churn_scenario(
        800,
        100.0,
        "kind = \"sessions\"\nsession = { kind = \"weibull\", shape = 0.5, scale_s = 60 }\noffline = { kind = \"exponential\", mean_s = 60 }\nwarmup_s = 30\nrepair = { min_degree = 3, max_degree = 8, delay_ms = 1000 }",
    )
    .replace("replication = { kind = \"uniform\", copies = 5 }", "replication = { kind = \"uniform\", copies = 5 }\nrare = { objects = 5, copies = 1 }")
    .replace("timeout_s = 30", "timeout_s = 30\nrare_fraction = 0.2")
    .replace("name = \"churn\"", "name = \"churn\"\nreplications = 2")
        + "[[variant]]\nname = \"ring\"\nsearch = { kind = \"expanding-ring\", ttls = [1, 2, 4], wait_ms = 500 }\n[[variant]]\nname = \"walk\"\nsearch = { kind = \"random-walk\", walkers = 4, ttl = 200, check_every = 4 }\n[[variant]]\nname = \"gia\"\nsearch = { kind = \"degree-biased-walk\", walkers = 4, ttl = 200, check_every = 4 }\n";
    write(dir.path(), "c.toml", &text);
    let a = run_files(dir.path(), "a", &["--jobs", "1"]);
    let b = run_files(dir.path(), "b", &["--jobs", "1"]);
    let c = run_files(dir.path(), "c", &["--jobs", "2"]);
    assert_eq!(a, b, "two runs differ");
    assert_eq!(a, c, "--jobs 1 and --jobs 2 differ");
    let d = run_files(dir.path(), "d", &["--seed", "6"]);
    for ((name, x), (_, y)) in a.iter().zip(&d) {
        assert_ne!(x, y, "{name} did not change with the seed");
    }
    // The churn columns are filled: queries start after the warm-up, nodes come and go, and
    // repair traffic is counted.
    let series = String::from_utf8(a[2].1.clone()).unwrap();
    let rows: Vec<Vec<&str>> = series
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(rows.iter().all(|r| r[3].parse::<f64>().unwrap() < 800.0));
    assert!(rows.iter().any(|r| r[8].parse::<u64>().unwrap() > 0));
    let first_issue: f64 = String::from_utf8(a[1].1.clone())
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(3)
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        first_issue > 30_000.0,
        "first query at {first_issue} ms, inside the warm-up"
    );
}
