#!/usr/bin/env python3
"""The GIA reproduction's numbers (docs/reproductions.md, section GIA), from its sweeps.

    python3 docs/gia2003.py [--binary target/release/floodsim] [--results DIR]

Runs the five sweeps of scenarios/gia2003/ into DIR (default results/gia2003, about half an
hour on one core), keeps each sweep.csv in docs/data/gia2003/, draws
docs/images/gia2003-success.svg from them, and regenerates the table (the `gia2003` block of
docs/reproductions.md, which `python3 docs/generate.py gia2003` fills from the kept data with
`table(read())` below). tests/docs_gia2003.rs checks the block against the data and one sweep
point of the data against the binary.

Collapse point (CP): the per-node query rate at which the success rate falls to 90%, by
geometric interpolation between the two swept rates around that crossing (success is
monotone in the load here); "below the grid" or "above the grid" when the crossing is outside
the swept rates. Hops before collapse: the mean hops to the first hit at the highest swept rate
that still succeeds for at least 90% of the queries.
"""

import argparse
import csv
import math
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SWEEPS = ["flood", "rwrt", "super", "gia", "gia-ablation"]
NODES = 10_000
THRESHOLD = 0.9
# The paper's labels for the systems and ablations, in the table's order.
ROWS = [
    ("FLOOD", "FLOOD", "flooding, TTL 7, random 4-regular overlay"),
    ("RWRT", "RWRT", "16 random walkers (Lv et al.), same overlay"),
    ("SUPER", "SUPER", "super-peers: the 5% most capable nodes index their leaves and flood among themselves"),
    ("GIA", "GIA", "all four mechanisms"),
    ("GIA-no-adapt", "GIA − TADAPT", "no topology adaptation"),
    ("GIA-no-flow", "GIA − FLWCTL", "no flow control"),
    ("GIA-no-ohr", "GIA − OHR", "no one-hop replication"),
    ("GIA-no-bias", "GIA − BIAS", "no capacity bias in the walk"),
]


DATA = ROOT / "docs/data/gia2003"


def read():
    """Per variant: sorted [(rate per node, success, hops)] over every sweep."""
    systems = {}
    for sweep in SWEEPS:
        path = DATA / f"{sweep}.csv"
        if not path.is_file():
            sys.exit(f"{path} is missing: run with --run first")
        for row in csv.DictReader(path.open()):
            rate = float(row["workload.rate_per_s"]) / NODES
            hops = float(row["hops_to_first_hit"]) if row["hops_to_first_hit"] else None
            systems.setdefault(row["variant"], []).append((rate, float(row["success_rate"]), hops))
    for points in systems.values():
        points.sort()
    return systems


def collapse(points):
    """(CP per node or None, a note, hops before collapse)."""
    ok = [p for p in points if p[1] >= THRESHOLD]
    hops = ok[-1][2] if ok else None
    for (r0, s0, _), (r1, s1, _) in zip(points, points[1:]):
        if s0 >= THRESHOLD > s1:
            f = (s0 - THRESHOLD) / (s0 - s1)
            return math.exp(math.log(r0) + f * (math.log(r1) - math.log(r0))), "", hops
    if not ok:
        return None, f"below {points[0][0]:.1e}", hops
    return None, f"above {points[-1][0]:.1e}", hops


def table(systems):
    flood = collapse(systems["FLOOD"])[0]
    gia = collapse(systems["GIA"])[0]
    verdict = (
        f"GIA's collapse point is {gia / flood:,.0f}× FLOOD's: the headline (at least 1,000×) "
        + ("holds." if gia / flood >= 1000 else "does not hold.")
        if gia and flood
        else "GIA's or FLOOD's collapse point is outside its grid: widen the sweep."
    )
    lines = [
        "| system | what | swept per-node rates | CP (queries/s per node) | CP / FLOOD's | hops before collapse |",
        "|---|---|---|---|---|---|",
    ]
    for variant, label, what in ROWS:
        points = systems[variant]
        cp, note, hops = collapse(points)
        grid = f"{points[0][0]:.0e} – {points[-1][0]:.0e}"
        cp_text = f"{cp:.2e}" if cp else note
        ratio = "–"
        if cp and flood:
            x = cp / flood
            ratio = f"{x:,.0f}×" if x >= 10 else f"{x:.2g}×"
        hops_text = f"{hops:.1f}" if hops is not None else "–"
        lines.append(f"| {label} | {what} | {grid} | {cp_text} | {ratio} | {hops_text} |")
    return "\n".join(lines + ["", verdict])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=str(ROOT / "target/release/floodsim"))
    ap.add_argument("--results", default=str(ROOT / "results/gia2003"))
    a = ap.parse_args()
    results = pathlib.Path(a.results)
    for sweep in SWEEPS:
        subprocess.run(
            [a.binary, "sweep", f"scenarios/gia2003/{sweep}.toml", "--out",
             str(results / sweep), "--jobs", "1", "--quiet", "--resume"],
            cwd=ROOT, check=True)
    DATA.mkdir(parents=True, exist_ok=True)
    for sweep in SWEEPS:
        (DATA / f"{sweep}.csv").write_bytes((results / sweep / "sweep.csv").read_bytes())
    others = []
    for sweep in SWEEPS[1:]:
        others += ["--with", str(results / sweep)]
    subprocess.run(
        [a.binary, "plot", str(results / "flood"), *others, "--x-per-node", "--metric",
         "success_rate", "--out", str(results / "plots")],
        cwd=ROOT, check=True)
    target = ROOT / "docs/images/gia2003-success.svg"
    target.write_bytes((results / "plots/sweep_success_rate.svg").read_bytes())
    subprocess.run([sys.executable, "docs/generate.py", "--bin", a.binary, "gia2003"],
                   cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
