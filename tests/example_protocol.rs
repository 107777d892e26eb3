//! The example protocol of `examples/probabilistic_flooding.rs`, written against the public
//! API only, agrees with floodsim's own flooding exactly at p = 1 and behaves as theory says
//! at other p.

mod common;
#[path = "../examples/probabilistic_flooding.rs"]
#[allow(dead_code)]
mod example;

use common::{SMALL, validated};
use example::{ProbabilisticFlooding, run};
use floodsim::search::Flooding;
use floodsim::world::World;

#[test]
fn at_p_one_it_is_gnutella_flooding_message_for_message() {
    // SMALL has uniform random latency, so equal records also need equal send order.
    let v = validated(SMALL, &[]);
    for replica in 0..2 {
        let world = World::build(&v, replica).unwrap();
        let n = world.overlay.node_count();
        for ttl in [2u8, 5] {
            let ours = run(
                &v.scenario,
                "x",
                &world,
                ProbabilisticFlooding::new(1.0, ttl, n),
            );
            let theirs = run(&v.scenario, "x", &world, Flooding::gnutella(ttl, n));
            assert_eq!(ours, theirs, "replica {replica}, ttl {ttl}");
            assert!(ours.iter().any(|r| r.success()));
        }
    }
}

#[test]
fn below_one_it_reaches_part_of_the_flood_ball() {
    // With constant latency a TTL-t flood reaches exactly the ball of radius t; forwarding
    // with p < 1 reaches a subset of it, and p = 0 sends nothing at all.
    let v = validated(
        SMALL,
        &["network.latency={ kind = \"constant\", ms = 50 }".into()],
    );
    let world = World::build(&v, 0).unwrap();
    let n = world.overlay.node_count();
    let flood = run(&v.scenario, "x", &world, Flooding::gnutella(5, n));
    let half = run(
        &v.scenario,
        "x",
        &world,
        ProbabilisticFlooding::new(0.5, 5, n),
    );
    for (q, (f, h)) in flood.iter().zip(&half).enumerate() {
        assert!(h.nodes_reached <= f.nodes_reached, "query {q}");
        assert!(h.messages <= f.messages, "query {q}");
    }
    let total = |r: &[floodsim::metrics::QueryRecord]| r.iter().map(|r| r.messages).sum::<u64>();
    assert!(total(&half) < total(&flood) / 2, "p = 0.5 saved too little");
    let none = run(
        &v.scenario,
        "x",
        &world,
        ProbabilisticFlooding::new(0.0, 5, n),
    );
    assert!(none.iter().all(|r| r.messages == 0 && !r.success()));
}
