//! The generated blocks of `docs/` agree with the binary: `docs/generate.py --check`
//! (python3, standard library only) regenerates a cheap subset of them and compares.

use std::path::Path;
use std::process::{Command, Output};

/// Blocks cheap enough to regenerate in a test (a few seconds together).
const CHEAP: &[&str] = &[
    "compare-1000",
    "lv-grid",
    "gnutella06-dq",
    "architectures",
    "architectures-findings",
    "free-riders",
    "teaching",
    "latency-provenance",
];

fn check(docs: &Path, blocks: &[&str]) -> Output {
    Command::new("python3")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("docs/generate.py")
        .arg("--check")
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_floodsim"))
        .arg("--docs")
        .arg(docs)
        .args(blocks)
        .output()
        .expect("python3 runs docs/generate.py")
}

#[test]
fn cheap_generated_blocks_match_the_binary() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let out = check(&docs, CHEAP);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("{} generated blocks up to date", CHEAP.len())),
        "{text}"
    );
}

#[test]
fn a_drifted_number_fails_the_check() {
    // A copy of the docs with one digit of the N = 1,000 comparison table changed.
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    for entry in std::fs::read_dir(&root).expect("docs/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).expect("copy");
        }
    }
    let path = dir.path().join("comparison.md");
    let text = std::fs::read_to_string(&path).expect("comparison.md");
    let start = text
        .find("<!-- generated: compare-1000 -->")
        .expect("block");
    let row = start + text[start..].find("| kademlia | ").expect("kademlia row");
    let digit = row + text[row + 12..].find(|c: char| c.is_ascii_digit()).unwrap() + 12;
    let changed = if &text[digit..=digit] == "9" {
        "8"
    } else {
        "9"
    };
    let mut drifted = text.clone();
    drifted.replace_range(digit..=digit, changed);
    std::fs::write(&path, drifted).expect("write");
    let out = check(dir.path(), &["compare-1000"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("out of date in"),
        "{out:?}"
    );
}
