//! `floodsim animate` without a browser: the file is self-contained, the refusals, the APNG.

mod common;

use std::path::Path;

/// A small network of every sort of kind (flood, walkers, a DHT).
pub const SCENARIO: &str = r#"
schema_version = 1
name = "animated"
seed = 11
replications = 1

[network]
nodes = 120
topology = { kind = "random-regular", degree = 4 }
latency = { kind = "uniform", min_ms = 20, max_ms = 120 }

[content]
objects = 40
popularity = { kind = "zipf", exponent = 1.0 }
replication = { kind = "uniform", copies = 3 }

[workload]
queries = 6
rate_per_s = 2.0
timeout_s = 30

[[variant]]
name = "flood"
search = { kind = "flooding", ttl = 3 }

[[variant]]
name = "walk"
search = { kind = "random-walk", walkers = 3, ttl = 40, check_every = 4 }

[[variant]]
name = "chord"
search = { kind = "chord", successors = 4 }
"#;

fn animate(dir: &Path, extra: &[&str]) -> std::process::Output {
    let scenario = common::write(dir, "s.toml", SCENARIO);
    let mut args = vec!["animate", scenario.to_str().unwrap()];
    args.extend_from_slice(extra);
    common::floodsim(dir, &args)
}

/// The data embedded in an animation page.
pub fn data(html: &Path) -> serde_json::Value {
    let html = std::fs::read_to_string(html).unwrap();
    let start = html.find("const D = ").unwrap() + "const D = ".len();
    let end = start + html[start..].find(";\n").unwrap();
    serde_json::from_str(&html[start..end].replace("<\\/", "</")).unwrap()
}

#[test]
fn the_page_loads_nothing_from_outside_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for out in ["a.html", "b.html"] {
        let o = animate(dir.path(), &["--query", "1", "-o", out]);
        assert!(o.status.success(), "{}", common::stderr(&o));
    }
    let html = std::fs::read_to_string(dir.path().join("a.html")).unwrap();
    assert_eq!(
        html,
        std::fs::read_to_string(dir.path().join("b.html")).unwrap()
    );
    // The only URL is the SVG namespace, which names and does not load.
    let urls = html.matches("http://").count() + html.matches("https://").count();
    assert_eq!(
        urls,
        html.matches("http://www.w3.org/2000/svg").count(),
        "{urls}"
    );
    assert!(urls >= 1);
    for tag in ["<link", "<img", "<iframe", "src=", "@import", "url("] {
        assert!(!html.contains(tag), "{tag}");
    }
    for id in [
        "id=\"messages\"",
        "id=\"reached\"",
        "id=\"duplicates\"",
        "id=\"slider\"",
        "id=\"play\"",
    ] {
        assert!(html.contains(id), "{id}");
    }
    assert!(!html.contains("/*FLOODSIM_DATA*/"), "the data is embedded");
}

#[test]
fn large_networks_are_refused_unless_a_neighbourhood_is_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let o = animate(
        dir.path(),
        &["--query", "0", "--max-nodes", "50", "-o", "x.html"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("120 nodes are too many"),
        "{}",
        common::stderr(&o)
    );
    assert!(!dir.path().join("x.html").exists());
    // Degree 4: at most 1 + 4 + 12 nodes within 2 hops.
    let o = animate(
        dir.path(),
        &[
            "--query",
            "0",
            "--max-nodes",
            "50",
            "--neighbourhood",
            "2",
            "-o",
            "x.html",
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    // Every drawn node is within 2 hops (its hop field), and there are at most 1 + 4 + 4·3.
    let nodes = data(&dir.path().join("x.html"))["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert!((5..=17).contains(&nodes.len()), "{}", nodes.len());
    assert!(
        nodes
            .iter()
            .all(|n| (0..=2).contains(&n[3].as_i64().unwrap()))
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(&format!("{} nodes drawn", nodes.len())),
        "{out}"
    );
    for (args, says) in [
        (vec!["--query", "6"], "query 6 does not exist"),
        (
            vec!["--query", "0", "--variant", "nope"],
            "no variant \"nope\"",
        ),
        (
            vec!["--query", "0", "--variant", "chord", "--neighbourhood", "2"],
            "a DHT routes by identifier",
        ),
    ] {
        let mut args = args.clone();
        args.extend(["-o", "y.html"]);
        let o = animate(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(common::stderr(&o).contains(says), "{}", common::stderr(&o));
        assert!(!dir.path().join("y.html").exists());
    }
}

#[test]
fn the_apng_has_the_players_frames() {
    let dir = tempfile::tempdir().unwrap();
    let o = animate(
        dir.path(),
        &["--query", "2", "-o", "f.html", "--apng", "f.png"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let png = std::fs::read(dir.path().join("f.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // acTL: the frame count, then the plays (0: forever). The player has 241 frames; the
    // APNG shows every third, 0, 3, ..., 240.
    let at = png
        .windows(4)
        .position(|w| w == b"acTL")
        .expect("an animated PNG");
    let frames = u32::from_be_bytes(png[at + 4..at + 8].try_into().unwrap());
    assert_eq!(frames, 81);
    let html = std::fs::read_to_string(dir.path().join("f.html")).unwrap();
    assert_eq!(html.matches("\"flashes\":").count(), 241);
    // --apng-step 1: every frame of the player.
    let o = animate(
        dir.path(),
        &[
            "--query",
            "2",
            "-o",
            "g.html",
            "--apng",
            "g.png",
            "--apng-step",
            "1",
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let png = std::fs::read(dir.path().join("g.png")).unwrap();
    let at = png.windows(4).position(|w| w == b"acTL").unwrap();
    assert_eq!(
        u32::from_be_bytes(png[at + 4..at + 8].try_into().unwrap()),
        241
    );
}

/// The headless browser on PATH, if any.
fn browser() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
    .find(|p| p.is_file())
}

/// Opens `page` (with its query string) in headless Chromium and returns the DOM after the
/// page's timers have run (virtual time: the animation plays to its end at once).
fn dump_dom(browser: &Path, dir: &Path, page: &str) -> String {
    let o = std::process::Command::new(browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            &format!("--user-data-dir={}", dir.join("profile").display()),
            "--virtual-time-budget=60000",
            "--dump-dom",
            &format!("file://{}", dir.join(page).display()),
        ])
        .output()
        .expect("the browser runs");
    assert!(o.status.success(), "{}", common::stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// The text of the element with id `id` in a dumped DOM.
fn text_of<'a>(dom: &'a str, id: &str) -> &'a str {
    let tag = format!("id=\"{id}\">");
    let start = dom.find(&tag).unwrap_or_else(|| panic!("no #{id}")) + tag.len();
    &dom[start..start + dom[start..].find('<').unwrap()]
}

#[test]
fn played_in_a_real_browser_the_counters_end_at_the_queries_row() {
    let Some(browser) = browser() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have Chromium: .ci/run installs it with apt-get"
        );
        eprintln!(
            "SKIP played_in_a_real_browser_the_counters_end_at_the_queries_row: no chromium, \
             chromium-browser or google-chrome on PATH (Debian: apt-get install chromium)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::write(dir.path(), "s.toml", SCENARIO);
    let o = common::floodsim(
        dir.path(),
        &["run", scenario.to_str().unwrap(), "-q", "--out", "r"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let queries = std::fs::read_to_string(dir.path().join("r/queries.csv")).unwrap();
    let header: Vec<&str> = queries.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|&h| h == name).unwrap();
    for variant in ["flood", "walk", "chord"] {
        let page = format!("{variant}.html");
        let o = animate(
            dir.path(),
            &["--query", "2", "--variant", variant, "-o", &page],
        );
        assert!(o.status.success(), "{}", common::stderr(&o));
        // Played from the first frame at 4x, not jumped to the end.
        let dom = dump_dom(&browser, dir.path(), &format!("{page}?play&speed=4"));
        assert!(
            dom.contains("data-done=\"yes\""),
            "{variant}: the animation did not end"
        );
        let row: Vec<&str> = queries
            .lines()
            .find(|l| l.starts_with(&format!("{variant},0,2,")))
            .unwrap()
            .split(',')
            .collect();
        for (id, column) in [
            ("messages", "messages"),
            ("reached", "nodes_reached"),
            ("duplicates", "duplicates"),
        ] {
            assert_eq!(text_of(&dom, id), row[col(column)], "{variant}: #{id}");
        }
    }
    // The final frame as a picture, as the README's screenshot is made.
    let shot = dir.path().join("shot.png");
    let o = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", dir.path().join("profile").display()),
            "--window-size=1100,820",
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}?end", dir.path().join("flood.html").display()),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{}",
        png.len()
    );
}
