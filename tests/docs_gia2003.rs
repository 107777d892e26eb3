//! The GIA reproduction in docs/reproductions.md cannot drift: its table is what the kept sweep
//! data give (`docs/generate.py --check gia2003`), and a cheap point of that data is what the
//! binary gives.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn the_gia_table_is_what_the_kept_data_give() {
    let status = Command::new("python3")
        .args(["docs/generate.py", "--check", "gia2003"])
        .current_dir(ROOT)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "run python3 docs/generate.py gia2003");
}

#[test]
fn the_kept_flood_point_is_what_the_binary_gives() {
    // FLOOD at 1 query/s: 60 floods, under a second.
    let dir = tempfile::tempdir().unwrap();
    let scenario = Path::new(ROOT).join("scenarios/gia2003/flood.toml");
    let out = floodsim(
        dir.path(),
        &[
            "sweep",
            scenario.to_str().unwrap(),
            "--param",
            "workload.rate_per_s=1",
            "--quiet",
            "--out",
            "s",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let fresh = std::fs::read_to_string(dir.path().join("s/sweep.csv")).unwrap();
    let kept =
        std::fs::read_to_string(Path::new(ROOT).join("docs/data/gia2003/flood.csv")).unwrap();
    let mut fresh = fresh.lines();
    let header = fresh.next().unwrap();
    assert_eq!(Some(header), kept.lines().next(), "same columns");
    let row = fresh.next().unwrap();
    assert!(
        kept.lines().any(|l| l == row),
        "the binary gives {row:?}, which docs/data/gia2003/flood.csv does not hold: \
         run python3 docs/gia2003.py"
    );
}
