//! Generation time of million-node overlays (issue: "a million nodes in seconds").
//! `cargo bench --bench generators`

use criterion::{Criterion, criterion_group, criterion_main};
use floodsim::rng::{StreamKind, stream};
use floodsim::topology::{barabasi_albert, erdos_renyi, power_law, random_regular, watts_strogatz};
use std::hint::black_box;

/// The allocator the `floodsim` binary uses, so the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: floodsim::alloc::HugePages = floodsim::alloc::HugePages;

const N: u32 = 1_000_000;

fn generators(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate_1m");
    group.sample_size(10);
    let rng = || stream(1, 0, StreamKind::Topology, 0);
    group.bench_function("random_regular_d8", |b| {
        b.iter(|| black_box(random_regular(N, 8, &mut rng())))
    });
    group.bench_function("erdos_renyi_k8", |b| {
        b.iter(|| black_box(erdos_renyi(N, 8.0, &mut rng())))
    });
    group.bench_function("barabasi_albert_m4", |b| {
        b.iter(|| black_box(barabasi_albert(N, 4, &mut rng())))
    });
    group.bench_function("watts_strogatz_k8_p0.1", |b| {
        b.iter(|| black_box(watts_strogatz(N, 8, 0.1, &mut rng())))
    });
    group.bench_function("power_law_2.3_k4", |b| {
        b.iter(|| black_box(power_law(N, 2.3, 4.0, 1000, &mut rng())))
    });
    group.finish();
}

criterion_group!(benches, generators);
criterion_main!(benches);
