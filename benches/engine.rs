//! Engine and protocol hot paths: the event queue, flooding, walkers, DHT lookups.
//! `cargo bench --bench engine`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use floodsim::content::Content;
use floodsim::dht::{Chord, Identifiers, Kademlia, Upkeep};
use floodsim::engine::{EventClass, EventQueue};
use floodsim::net::{LatencyModel, Law};
use floodsim::rng::{Sample, StreamKind, stream};
use floodsim::scenario::{self, Popularity, Replication};
use floodsim::search::{Flooding, StepRule, Walk, WalkConfig};
use floodsim::sim::{self, Protocol, Setup};
use floodsim::time::{SimDuration, SimTime};
use floodsim::topology::random_regular;
use floodsim::workload;
use floodsim::world::World;
use std::hint::black_box;

/// The allocator the `floodsim` binary uses, so the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: floodsim::alloc::HugePages = floodsim::alloc::HugePages;

fn queue(c: &mut Criterion) {
    let mut group = c.benchmark_group("event_queue");
    let n = 1_000_000u64;
    group.throughput(Throughput::Elements(n));
    group.bench_function("in_order_1m", |b| {
        b.iter(|| {
            let mut q = EventQueue::new();
            for i in 0..n {
                q.push(SimTime(i / 8), EventClass::Delivery, i as u32);
            }
            while let Some(e) = q.pop() {
                black_box(e);
            }
        })
    });
    group.bench_function("random_times_1m", |b| {
        let mut r = stream(1, 0, StreamKind::Latency, 0);
        let times: Vec<u64> = (0..n).map(|_| r.below(1 << 30)).collect();
        b.iter(|| {
            let mut q = EventQueue::new();
            for (i, &t) in times.iter().enumerate() {
                q.push(SimTime(t), EventClass::Delivery, i as u32);
            }
            while let Some(e) = q.pop() {
                black_box(e);
            }
        })
    });
    // The hold model: a million events in flight, each pop pushes one event a random delay
    // (uniform up to 200 ms, as random link latencies) after it.
    group.bench_function("hold_random_delays_1m_in_flight", |b| {
        let mut r = stream(2, 0, StreamKind::Latency, 0);
        let delays: Vec<u64> = (0..n).map(|_| 10_000 + r.below(190_000)).collect();
        b.iter(|| {
            let mut q = EventQueue::new();
            for (i, &d) in delays.iter().enumerate() {
                q.push(SimTime(d), EventClass::Delivery, i as u32);
            }
            for &d in &delays {
                let (t, e) = q.pop().expect("a million queued");
                q.push(SimTime(t.micros() + d), EventClass::Delivery, black_box(e));
            }
        })
    });
    group.finish();
}

fn world(nodes: u32, queries: u32) -> World {
    let overlay = random_regular(nodes, 8, &mut stream(1, 0, StreamKind::Topology, 0));
    let spec = scenario::Content {
        objects: 100,
        popularity: Popularity::Uniform,
        replication: Replication::Uniform {
            copies: nodes / 1000,
        },
        rare: None,
    };
    let content = Content::place(&spec, nodes, &mut stream(1, 0, StreamKind::Content, 0));
    let w = scenario::Workload {
        queries,
        duration_s: None,
        rate_per_s: 1.0,
        rare_fraction: 0.0,
        timeout_s: 30.0,
    };
    let queries = workload::generate(
        &w,
        SimTime::ZERO,
        nodes,
        &content,
        &mut stream(1, 0, StreamKind::Workload, 0),
        None,
    );
    World {
        replica: 0,
        overlay,
        content,
        queries,
        churn: None,
        timeout: SimDuration::from_secs(30),
        capacities: None,
    }
}

fn simulate<P: Protocol>(world: &World, mut p: P) -> u64 {
    let setup = Setup {
        latency: LatencyModel::PerMessage(Law::Constant(SimDuration::from_millis(50))),
        latency_rng: stream(1, 0, StreamKind::Latency, 0),
        links_rng: stream(1, 0, StreamKind::Latency, floodsim::rng::LINKS),
        protocol_rng: stream(1, 0, StreamKind::Protocol, 0),
        window: SimDuration::from_secs(60),
        count_nodes: false,
    };
    sim::simulate(world, &mut p, setup, &mut |_| {}).events
}

fn protocols(c: &mut Criterion) {
    let mut group = c.benchmark_group("protocols");
    group.sample_size(10);
    let w = world(100_000, 10);
    let events = simulate(&w, Flooding::gnutella(7, 100_000));
    group.throughput(Throughput::Elements(events));
    group.bench_function("flood_ttl7_100k_d8_10q", |b| {
        b.iter(|| simulate(&w, Flooding::gnutella(7, 100_000)))
    });
    let walk = || {
        Walk::new(WalkConfig {
            walkers: 32,
            ttl: 1024,
            check_every: 4,
            rule: StepRule::Uniform,
        })
    };
    let w = world(100_000, 200);
    group.throughput(Throughput::Elements(simulate(&w, walk())));
    group.bench_function("walk32_100k_d8_200q", |b| b.iter(|| simulate(&w, walk())));
    // DHT lookups include building the routing tables, as a run does.
    let w = world(100_000, 2000);
    let ids = Identifiers::draw(1, 0, 100_000, w.content.objects());
    group.throughput(Throughput::Elements(2000));
    let upkeep = Upkeep {
        churn: false,
        rpc_timeout: SimDuration::from_millis(500),
        republish: SimDuration::from_secs(600),
    };
    let minute = SimDuration::from_secs(60);
    group.bench_function("chord_100k_2000_lookups", |b| {
        b.iter(|| simulate(&w, Chord::new(&ids, 8, minute, minute, upkeep)))
    });
    group.bench_function("kademlia_k20_a3_100k_2000_lookups", |b| {
        b.iter(|| {
            let rng = stream(1, 0, StreamKind::Protocol, 1);
            simulate(&w, Kademlia::new(&ids, 20, 3, minute, upkeep, rng))
        })
    });
    group.finish();
}

criterion_group!(benches, queue, protocols);
criterion_main!(benches);
