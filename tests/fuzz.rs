//! Hostile input never panics: mutated shipped scenarios go through `scenario::load`,
//! `validate` and the memory estimate in-process; corrupted result folders go through the
//! commands that read them. Mutations come from a seeded ChaCha8 stream, so every failure
//! replays.

mod common;
use common::*;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use std::path::{Path, PathBuf};

/// Values that have broken parsers before: extremes, non-numbers, other types.
const HOSTILE: [&str; 22] = [
    "0",
    "-1",
    "1e300",
    "-1e300",
    "1e-300",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "nan",
    "inf",
    "-inf",
    "0.5",
    "\"x\"",
    "\"\"",
    "[]",
    "{}",
    "true",
    "[1, 2, 3]",
    "{ kind = \"constant\" }",
    "{ kind = \"nosuch\", x = 1 }",
    "\"../../../../etc/passwd\"",
];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[(rng.next_u64() % items.len() as u64) as usize]
}

/// One random edit of scenario text: a value replaced by a hostile one, a key renamed, a line
/// dropped, doubled or swapped, the text cut short, or random bytes inserted.
fn mutate(text: &str, rng: &mut ChaCha8Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return String::new();
    }
    let i = (rng.next_u64() % lines.len() as u64) as usize;
    match rng.next_u64() % 7 {
        0 | 1 => {
            // TOML `key = value` or JSON `"key": value`.
            let line = &lines[i];
            if let Some(at) = line
                .find(" = ")
                .map(|a| a + 3)
                .or(line.find(": ").map(|a| a + 2))
            {
                let value = pick(rng, &HOSTILE);
                lines[i] = format!("{}{value}", &line[..at]);
            }
        }
        2 => {
            if let Some(at) = lines[i].find(" = ") {
                lines[i].insert(at, 'z');
            }
        }
        3 => {
            lines.remove(i);
        }
        4 => {
            let copy = lines[i].clone();
            lines.insert(i, copy);
        }
        5 => {
            let j = (rng.next_u64() % lines.len() as u64) as usize;
            lines.swap(i, j);
        }
        _ => {
            let mut s = lines.join("\n");
            let cut = (rng.next_u64() % (s.len() as u64 + 1)) as usize;
            let cut = (0..=cut)
                .rev()
                .find(|&c| s.is_char_boundary(c))
                .unwrap_or(0);
            if rng.next_u64().is_multiple_of(2) {
                s.truncate(cut);
            } else {
                let junk: String = (0..8)
                    .map(|_| char::from((rng.next_u64() % 95) as u8 + 32))
                    .collect();
                s.insert_str(cut, &junk);
            }
            return s;
        }
    }
    lines.join("\n")
}

fn shipped_scenarios() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "toml" || e == "json")
                && !path.ends_with("baseline.json")
            {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        &mut found,
    );
    found
}

#[test]
fn mutated_scenarios_are_refused_or_accepted_but_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let mut sources: Vec<(String, String)> = shipped_scenarios()
        .iter()
        .map(|p| {
            let ext = p.extension().unwrap().to_string_lossy().into_owned();
            (ext, std::fs::read_to_string(p).unwrap())
        })
        .collect();
    sources.push(("toml".into(), SMALL.to_string()));
    assert!(sources.len() > 10, "shipped scenarios not found");
    let (mut cases, mut accepted) = (0, 0);
    let mut panics = Vec::new();
    for (ext, original) in &sources {
        for round in 0..40 {
            let mut text = original.clone();
            for _ in 0..=(round % 3) {
                text = mutate(&text, &mut rng);
            }
            let path = dir.path().join(format!("m.{ext}"));
            std::fs::write(&path, &text).unwrap();
            let sets: Vec<_> = [format!("workload.queries={}", pick(&mut rng, &HOSTILE))]
                .iter()
                .filter(|_| round % 5 == 4)
                .filter_map(|s| floodsim::scenario::parse_override(s).ok())
                .collect();
            let outcome = std::panic::catch_unwind(|| {
                let v = floodsim::scenario::load(&path, &sets)?.validate(&path)?;
                let e = floodsim::resources::estimate(&v, 4);
                let _ = floodsim::resources::refuse_if_too_big(&v, &e);
                let _ = floodsim::resources::expected_work(&v);
                Ok::<(), floodsim::error::Error>(())
            });
            cases += 1;
            match outcome {
                Ok(Ok(())) => accepted += 1,
                Ok(Err(e)) => assert!(!e.to_string().is_empty()),
                Err(_) => panics.push(text),
            }
        }
    }
    eprintln!(
        "{cases} mutated scenarios, {accepted} accepted, {} panics",
        panics.len()
    );
    assert!(
        panics.is_empty(),
        "panicked on:\n{}",
        panics.join("\n-----\n")
    );
    assert!(
        accepted > 0 && accepted < cases,
        "the mutations test nothing"
    );
}

/// Ways to damage one file of a result folder.
fn corruptions(bytes: &[u8]) -> Vec<Option<Vec<u8>>> {
    let text = String::from_utf8_lossy(bytes);
    vec![
        None,
        Some(Vec::new()),
        Some(b"{}".to_vec()),
        Some(b"[]".to_vec()),
        Some(b"null".to_vec()),
        Some(bytes[..bytes.len() / 2].to_vec()),
        Some(vec![0xff, 0xfe, 0x00, 0x01]),
        Some(text.replace(|c: char| c.is_ascii_digit(), "9").into_bytes()),
        Some(text.replace('.', "e400").into_bytes()),
        Some(text.replace(',', ",,").into_bytes()),
        Some(text.replace('"', "").into_bytes()),
        Some(text.lines().next().unwrap_or("").as_bytes().to_vec()),
    ]
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Runs `commands` (with `DIR` standing for the damaged copy) on every corruption of every
/// file of `folder`; returns the invocations that panicked or exited with another code than
/// 0, 1 or 2.
fn corrupt_and_run(work: &Path, folder: &str, commands: &[&[&str]]) -> (usize, Vec<String>) {
    let files: Vec<PathBuf> = {
        fn all(dir: &Path, out: &mut Vec<PathBuf>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for p in entries {
                if p.is_dir() {
                    all(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let mut v = Vec::new();
        all(&work.join(folder), &mut v);
        v
    };
    let (mut cases, mut bad) = (0, Vec::new());
    for file in &files {
        let relative = file.strip_prefix(work.join(folder)).unwrap();
        for (k, damage) in corruptions(&std::fs::read(file).unwrap())
            .into_iter()
            .enumerate()
        {
            let copy = format!("{folder}-damaged");
            let _ = std::fs::remove_dir_all(work.join(&copy));
            let _ = std::fs::remove_dir_all(work.join("merged"));
            copy_dir(&work.join(folder), &work.join(&copy));
            let target = work.join(&copy).join(relative);
            match damage {
                None => std::fs::remove_file(&target).unwrap(),
                Some(bytes) => std::fs::write(&target, bytes).unwrap(),
            }
            for command in commands {
                let args: Vec<String> = command.iter().map(|a| a.replace("DIR", &copy)).collect();
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let o = floodsim(work, &args);
                cases += 1;
                let err = stderr(&o);
                if err.contains("panicked") || !matches!(o.status.code(), Some(0..=2)) {
                    bad.push(format!(
                        "{args:?} with {} damaged (corruption {k}): {:?}\n{err}",
                        relative.display(),
                        o.status.code()
                    ));
                }
            }
        }
    }
    (cases, bad)
}

fn results(work: &Path) {
    write(work, "s.toml", SMALL);
    let run = floodsim(work, &["run", "s.toml", "--quiet", "--out", "run"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let sweep = floodsim(
        work,
        &[
            "sweep",
            "s.toml",
            "--quiet",
            "--out",
            "sweep",
            "--param",
            "variant.flood.search.ttl=2,3",
        ],
    );
    assert_eq!(sweep.status.code(), Some(0), "{}", stderr(&sweep));
    for (dir, baseline) in [("run", "run.json"), ("sweep", "sweep.json")] {
        let o = floodsim(
            work,
            &["baseline", dir, "-o", &format!("baseline-{baseline}")],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
}

#[test]
fn corrupted_sweep_folders_never_panic_resume_or_merge() {
    let work = tempfile::tempdir().unwrap();
    results(work.path());
    let (cases, bad) = corrupt_and_run(
        work.path(),
        "sweep",
        &[
            &[
                "sweep",
                "s.toml",
                "--quiet",
                "--resume",
                "--out",
                "DIR",
                "--param",
                "variant.flood.search.ttl=2,3",
            ],
            &["merge", "DIR", "--out", "merged"],
        ],
    );
    eprintln!(
        "{cases} invocations on damaged sweep folders, {} bad",
        bad.len()
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// `plot`, `check` and `baseline` on damaged run and sweep folders (their parsing is being
/// rewritten with the metrics catalogue; this holds the rewrite to the same standard).
#[test]
fn corrupted_result_folders_never_panic_plot_check_or_baseline() {
    let work = tempfile::tempdir().unwrap();
    results(work.path());
    let mut all = Vec::new();
    let mut total = 0;
    for (folder, baseline) in [
        ("run", "baseline-run.json"),
        ("sweep", "baseline-sweep.json"),
    ] {
        let (cases, bad) = corrupt_and_run(
            work.path(),
            folder,
            &[
                &["plot", "DIR", "--out", "plots"],
                &["check", "DIR", "--baseline", baseline],
                &["baseline", "DIR", "-o", "b.json"],
            ],
        );
        total += cases;
        all.extend(bad);
    }
    eprintln!(
        "{total} invocations on damaged result folders, {} bad",
        all.len()
    );
    assert!(all.is_empty(), "{}", all.join("\n"));
}
