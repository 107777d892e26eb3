#!/usr/bin/env python3
"""Regenerates every simulation number and table in docs/ from the release binary.

    cargo build --release
    python3 docs/generate.py                      # every block (runs the scenarios, ~15 min)
    python3 docs/generate.py compare-1000         # only the named blocks
    python3 docs/generate.py --check compare-1000 # exit 1 if a block differs from the docs
    python3 docs/generate.py --list               # the generators and the files using them

A generated block in a docs/*.md file is the text between `<!-- generated: NAME -->` and
`<!-- /generated -->` (on one line for a number inside a sentence, or around whole lines);
NAME is a generator below. To add a section, write one function decorated with
`@generator("NAME")` that returns the block's text, and put the markers in the document.
Generators get their numbers from `run()` and `sweep()`, which run floodsim (each distinct
run once per invocation) and return the parsed summary.

Options: --bin PATH (default target/release/floodsim), --docs DIR (default docs/),
--jobs N (passed to floodsim). Standard library only.
"""

import argparse
import csv
import functools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from decimal import ROUND_HALF_UP, Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK = re.compile(r"<!-- generated: ([\w.-]+) -->(.*?)<!-- /generated -->", re.S)
GENERATORS = {}
OPTS = argparse.Namespace(bin=None, jobs=None, tmp=None)


def generator(name):
    """Registers `fn` as the generator of the blocks named `name`."""

    def register(fn):
        assert name not in GENERATORS, name
        GENERATORS[name] = fn
        return fn

    return register


def _floodsim(args, out):
    cmd = [OPTS.bin, *args, "--out", out, "--quiet"]
    if OPTS.jobs:
        cmd += ["--jobs", str(OPTS.jobs)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"generate.py: {' '.join(cmd)} failed:\n{done.stderr}")


@functools.cache
def run(scenario, *sets):
    """summary.json of `floodsim run SCENARIO --set S...` (a dict)."""
    out = tempfile.mkdtemp(dir=OPTS.tmp)
    _floodsim(["run", scenario, *[a for s in sets for a in ("--set", s)]], out)
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


@functools.cache
def sweep(scenario, *params):
    """The rows of sweep_summary.csv of `floodsim sweep SCENARIO --param P...` (dicts)."""
    out = tempfile.mkdtemp(dir=OPTS.tmp)
    _floodsim(["sweep", scenario, *[a for p in params for a in ("--param", p)]], out)
    with open(os.path.join(out, "sweep_summary.csv")) as f:
        return list(csv.DictReader(f))


# Formatting ---------------------------------------------------------------------------------


def num(x, digits=0):
    """`x` with thousands separators and `digits` decimals (halves rounded up)."""
    q = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{q:,.{digits}f}"


def prose(text, width=96):
    """`text` with every paragraph and list item (`- `, `1. `) re-wrapped to `width`."""
    items, out = [], []
    for line in text.strip("\n").split("\n"):
        if not line.strip() or re.match(r"(- |\d+\. )", line) or not items:
            items.append([line])
        else:
            items[-1].append(line)
    for item in items:
        words = " ".join(x.strip() for x in item)
        if not words:
            out.append("")
            continue
        marker = re.match(r"(- |\d+\. )?", words)[0]
        out.append(textwrap.fill(words, width, subsequent_indent=" " * len(marker),
                                 break_on_hyphens=False, break_long_words=False))
    return "\n" + "\n".join(out) + "\n"


def pct(x, digits=1):
    return f"{100 * x:.{digits}f}%"


def span(values, digits=1, fmt=None):
    """'lo–hi' of `values` (one value if they agree at this precision)."""
    fmt = fmt or (lambda v: f"{v:.{digits}f}")
    lo, hi = fmt(min(values)), fmt(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def variant(summary, name):
    return next(v for v in summary["variants"] if v["name"] == name)


def bucket(v, min_replicas):
    """The `by_replicas` bucket of `v` starting at `min_replicas` copies."""
    return next(b for b in v["by_replicas"] if b["min_replicas"] == min_replicas)


WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}

# docs/comparison.md -------------------------------------------------------------------------

COMPARE = "scenarios/compare/unstructured-vs-dht.toml"
COMPARE_CHURN = "scenarios/compare/unstructured-vs-dht-churn.toml"
SIZES = (1000, 10000, 100000)


def compare(n, churn=False):
    return run(COMPARE_CHURN if churn else COMPARE, f"network.nodes={n}")


def compare_rows(s, extra, buckets):
    rows = []
    for v in s["variants"]:
        row = [
            v["name"],
            f"{v['success_rate']:.3f}",
            f"{v['messages_per_query']['mean']:.1f}, {v['messages_per_query']['p99']:.0f}",
            f"{v['hops_to_first_hit']['mean']:.2f}",
            f"{v['time_to_first_hit_ms']['p50']:.0f}",
        ]
        row += [f"{v[k]:.3f}" for k in extra]
        for b in buckets:
            b = bucket(v, b)
            row.append(f"{b['success_rate']:.3f}, {b['messages_per_query']:.1f}")
        rows.append(row)
    return rows


def compare_block(n):
    s = compare(n)
    queries = s["variants"][0]["queries"]
    single = bucket(s["variants"][0], 1)["queries"]
    reps = WORDS[s["scenario"]["replications"]]
    head = ["variant", "success", "messages / query (mean, p99)", "hops to hit",
            "time to hit, ms (p50)", "1 copy: success, messages",
            "16–31 copies: success, messages"]
    return (f"\n**N = {num(n)}** ({num(queries)} queries over {reps} replications; "
            f"{num(single)} of them for single-copy objects)\n\n"
            + table(head, compare_rows(s, [], [1, 16])) + "\n")


def compare_churn_block(n):
    s = compare(n, churn=True)
    v0 = s["variants"][0]
    none = bucket(v0, 0)["queries"] / v0["queries"]
    reps = WORDS[s["scenario"]["replications"]]
    head = ["variant", "success", "messages / query (mean, p99)", "hops to hit",
            "time to hit, ms (p50)", "RPC timeouts / query", "maintenance msgs / node / s",
            "1 online copy: success, messages", "8–15 online copies: success, messages"]
    rows = compare_rows(s, ["rpc_timeouts_per_query", "maintenance_per_node_per_s"], [1, 8])
    return (f"\n**N = {num(n)} under churn** ({num(v0['queries'])} queries over {reps} "
            f"replications; {pct(none)} ask for an object with no online copy)\n\n"
            + table(head, rows) + "\n")


for _n in SIZES:
    generator(f"compare-{_n}")(functools.partial(compare_block, _n))
    generator(f"compare-churn-{_n}")(functools.partial(compare_churn_block, _n))


def search_of(s, name):
    return next(v["search"] for v in s["scenario"]["variant"] if v["name"] == name)


@generator("compare-findings")
def compare_findings():
    runs = [compare(n) for n in SIZES]
    small, mid, big = runs
    sc = big["scenario"]
    d = sc["network"]["topology"]["degree"]
    ttl = search_of(big, "flood")["ttl"]
    bound = d * sum((d - 1) ** i for i in range(ttl))
    flood = [variant(s, "flood") for s in runs]
    chord = [variant(s, "chord") for s in runs]
    kad = [variant(s, "kademlia") for s in runs]
    walk = [variant(s, "walk32") for s in runs]
    ring = [variant(s, "ring") for s in runs]
    dht_big = [variant(big, "chord"), variant(big, "kademlia")]
    ratio = [flood[2]["messages_per_query"]["mean"] / v["messages_per_query"]["mean"]
             for v in dht_big]
    lat = sc["network"]["latency"]
    step_ms = lat["median_ms"] * math.exp(lat["sigma"] ** 2 / 2)
    timeout = sc["workload"]["timeout_s"]
    walk_ttl = search_of(big, "walk32")["ttl"]
    one = lambda v: bucket(v, 1)  # noqa: E731
    many = lambda v: bucket(v, 16)  # noqa: E731
    p50 = lambda vs: span([v["time_to_first_hit_ms"]["p50"] / 1000 for v in vs])  # noqa: E731
    return prose(f"""
- **Cost grows with N for flooding, with log N for DHTs.** A TTL-{ttl} flood on a {d}-regular
  overlay sends at most d·Σ_{{i<{ttl}}}(d−1)^i = {num(bound)} messages and reaches at most
  1 + {num(bound)} = {num(bound + 1)} nodes (the tree bound); it costs
  {span([v['messages_per_query']['mean'] for v in flood[1:]], 0, num)} messages once the
  overlay is larger than that ball, and its success falls from {pct(flood[0]['success_rate'], 0)}
  to {pct(flood[2]['success_rate'], 0)} as the ball covers a smaller share of the network.
  Chord asks ½·log2 N nodes ({", ".join(f"{v['hops_to_first_hit']['mean']:.1f}" for v in chord)}
  measured vs {", ".join(f"{math.log2(n) / 2:.1f}" for n in SIZES)}), Kademlia needs
  {span([v['hops_to_first_hit']['mean'] for v in kad])} rounds of α = 3 requests; both stay at
  or below {max(math.ceil(v['messages_per_query']['mean']) for v in dht_big)} messages per
  lookup at {num(SIZES[-1])} nodes, {span(ratio, 0)} times fewer than flooding, and always
  succeed.
- **Rare content.** The DHTs find a single-copy object exactly as cheaply as a popular one
  (the `by_replicas` columns are equal within noise); the test suite checks both that every
  existing object is found and that rare and popular lookups cost the same within 10%.
  Flooding finds a single copy with probability ≈ ball size / N
  ({", ".join(pct(one(v)['success_rate'], 0) for v in flood)} at
  {", ".join(num(n) for n in SIZES)} nodes). Walkers keep success up longer by walking further
  ({pct(one(walk[1])['success_rate'], 0)} at {num(SIZES[1])} nodes for
  {num(one(walk[1])['messages_per_query'], 0)} messages). What bounds them is the
  {timeout:.0f} s timeout, not their {num(walk_ttl)}-step TTL: at a mean
  {step_ms:.0f} ms a step a walker takes about {timeout * 1000 / step_ms:.0f} steps before the
  source gives up and stops it at its next check-in, so at {num(SIZES[2])} nodes a single copy
  is found by {pct(one(walk[2])['success_rate'], 0)} of the queries, at
  {num(one(walk[2])['messages_per_query'], 0)} messages per query.
- **Popular content is where unstructured search is competitive**: the expanding ring finds a
  20-copy object for {many(ring[0])['messages_per_query']:.0f} messages at
  {num(SIZES[0])} nodes, and walkers for {many(walk[0])['messages_per_query']:.0f}; in a DHT
  the same lookup costs
  {span([many(v)['messages_per_query'] for v in (chord[0], kad[0])], 0)} messages but needs
  the routing state and its upkeep.
- **Latency.** Iterative Chord pays a round trip per node asked (median {p50(chord)} s);
  Kademlia's parallel rounds cut that to {p50(kad)} s, close to a flood's first hit
  ({p50(flood)} s). Expanding rings pay their waits ({p50(ring)} s).
""")


@generator("compare-churn-findings")
def compare_churn_findings():
    runs = [compare(n, churn=True) for n in SIZES]
    dhts = [variant(s, k) for s in runs for k in ("chord", "kademlia")]
    some = [1 - bucket(s["variants"][0], 0)["queries"] / s["variants"][0]["queries"]
            for s in runs]
    flood = [variant(s, "flood") for s in runs]
    rate = runs[0]["scenario"]["workload"]["rate_per_s"]
    chord = [variant(s, "chord") for s in runs]

    def upkeep(i):  # messages/s with half of the nodes online
        return chord[i]["maintenance_per_node_per_s"] * SIZES[i] / 2

    def query_rate(i):
        return flood[i]["messages_per_query"]["mean"] * rate

    return prose(f"""
- **The DHTs degrade gracefully.** Both keep {span([v['success_rate'] for v in dhts], 0, lambda v: pct(v, 0))}
  success, close to the share of queries whose object has an online copy at all
  ({span(some, 1, pct)}), at {span([v['messages_per_query']['mean'] for v in dhts], 0)}
  messages per lookup; stale entries cost
  {span([v['rpc_timeouts_per_query'] for v in dhts])} RPC timeouts per lookup (each a 500 ms
  wait), which shows in the latency. Records held by departed nodes or naming departed
  providers explain most of the remaining failures until the next republication.
- **Maintenance is the DHTs' price**: {span([v['maintenance_per_node_per_s'] for v in dhts])}
  messages per online node per second (finger refreshes and republication for Chord, bucket
  pings for Kademlia), against {span([v['maintenance_per_node_per_s'] for v in flood], 3)} for
  the unstructured overlay's link repair. Upkeep is paid whatever the query rate: taking half
  of the nodes online, Chord's upkeep at {num(SIZES[0])} nodes is about
  {num(upkeep(0), 0)} messages/s against flooding's {num(query_rate(0), 0)} query messages/s
  ({rate:g} queries/s), but at {num(SIZES[2])} nodes it is about {num(upkeep(2), 0)}
  messages/s against flooding's {num(query_rate(2), 0)}, which however finds only
  {pct(flood[2]['success_rate'], 0)} instead of {pct(chord[2]['success_rate'], 0)}. At low query rates
  in large networks the DHTs spend most of their traffic on upkeep.
- **Unstructured search under churn** loses the offline copies (a TTL-5 flood finds
  {pct(flood[2]['success_rate'], 0)} at {num(SIZES[2])} nodes, where half the copies are
  offline) and walkers lose walkers into dead links; the DHT lookups route around departed
  nodes.
""")


# docs/comparison.md: architectures ---------------------------------------------------------

ARCHITECTURES = "scenarios/compare/architectures.toml"


def busiest_share(s, v):
    """The busiest node's share of all messages received: peak_node_load / (mean_node_load ×
    nodes), both per query issued (exact with one replication)."""
    total = v["mean_node_load"] * s["network"]["nodes"]
    return v["peak_node_load"] / total if total else 0.0


@generator("architectures")
def architectures_block():
    s = run(ARCHITECTURES)
    v0 = s["variants"][0]
    none = bucket(v0, 0)["queries"] / v0["queries"] if any(
        b["min_replicas"] == 0 for b in v0["by_replicas"]) else 0.0
    head = ["architecture", "success", "messages / query (requests + responses)",
            "messages / query incl. upkeep", "time to first hit, ms (p50)",
            "busiest node's share of messages", "dropped at full queues"]
    rows = []
    for v in s["variants"]:
        q = v["messages_per_query"]["mean"] + v["response_messages_per_query"]["mean"]
        rows.append([v["name"], pct(v["success_rate"]), f"{q:.1f}",
                     f"{v['total_messages_per_query']:.1f}",
                     f"{v['time_to_first_hit_ms']['p50']:.0f}",
                     pct(busiest_share(s, v)), pct(v["drop_ratio"], 2)])
    n = s["network"]["nodes"]
    return (f"\n**{num(n)} peers, {num(v0['queries'])} queries** ({pct(none)} ask for an object "
            f"with no online copy)\n\n" + table(head, rows) + "\n")


@generator("architectures-findings")
def architectures_findings():
    s = run(ARCHITECTURES)
    v = {x["name"]: x for x in s["variants"]}
    some = 1 - (bucket(v["central-index"], 0)["queries"] / v["central-index"]["queries"]
                if any(b["min_replicas"] == 0 for b in v["central-index"]["by_replicas"])
                else 0.0)
    ci, up, sp, dq = v["central-index"], v["ultrapeers"], v["super-peer"], v["dynamic-query"]
    desired = next(x["search"]["desired_results"] for x in s["scenario"]["variant"]
                   if x["name"] == "dynamic-query")
    msgs = lambda x: x["messages_per_query"]["mean"] + x["response_messages_per_query"]["mean"]  # noqa: E731
    dht = [v["chord"], v["kademlia"]]
    return prose(f"""
- **The central index is the cheapest and finds what exists**: {pct(ci['success_rate'])}
  success against {pct(some)} of queries whose object has an online copy at all, for
  {msgs(ci):.1f} messages per query; with registrations it costs
  {ci['total_messages_per_query']:.1f}. The price is where the load lands: its server receives
  {pct(busiest_share(s, ci), 0)} of all messages (every request), against
  {span([busiest_share(s, x) for x in (up, sp)], 1, pct)} for the busiest ultrapeer.
  Under the capacity model the server is one queue receiving one message per query, so it
  bounds the whole network's query rate by its own rate
  (at most {num(max(s['scenario']['network']['capacity']['messages_per_s']))} messages/s here, the
  most capable level).
- **Super-peers and Gnutella 0.6 ultrapeers** reach the same super-nodes; super-peers answer
  for their leaves from their index, so they save the leaf hop: {msgs(sp):.1f} vs
  {msgs(up):.1f} messages per query, {sp['hops_to_first_hit']['mean']:.2f} vs
  {up['hops_to_first_hit']['mean']:.2f} hops and {sp['time_to_first_hit_ms']['p50']:.0f} vs
  {up['time_to_first_hit_ms']['p50']:.0f} ms to the first hit; the leaves' index uploads under
  churn bring the super-peers to {sp['total_messages_per_query']:.1f} messages per query in
  all, the ultrapeers' Query Routing tables (sent whenever a leaf connects) to
  {up['total_messages_per_query']:.1f}.
- **Dynamic querying** on the same ultrapeers keeps going, one connection at a time, until it
  has {desired} results or has used every connection; with at most
  {s['scenario']['content']['replication']['copies']} copies per object it rarely stops early
  here, and searching
  deeper than the TTL-3 mesh flood it finds {pct(dq['success_rate'])} against
  {pct(up['success_rate'])}, for {msgs(dq):.1f} messages per query against {msgs(up):.1f}, and
  waits for it: {dq['time_to_first_hit_ms']['p50']:.0f} ms to the first hit at the median,
  {dq['time_to_first_hit_ms']['p90']:.0f} ms at the 90th percentile
  ({up['time_to_first_hit_ms']['p90']:.0f} ms for the mesh flood).
- **Flooding** every link of the same overlay costs {msgs(v['flooding']):.0f} messages per
  query for {pct(v['flooding']['success_rate'])}; **GIA** sends
  {msgs(v['gia']):.1f} query messages but {v['gia']['total_messages_per_query']:.0f} with its
  topology adaptation and token traffic, and finds {pct(v['gia']['success_rate'])}.
- **The DHTs** find {span([x['success_rate'] for x in dht], 1, pct)} for
  {span([msgs(x) for x in dht], 1)} messages per lookup, but their upkeep makes
  {span([x['total_messages_per_query'] for x in dht], 0, num)} messages per query at this
  query rate ({s['scenario']['workload']['rate_per_s']:g} per second).
""")


# docs/comparison.md: free riding --------------------------------------------------------------

FREE_RIDERS = "scenarios/free-riders.toml"


def free_rider_law(s):
    """(free-rider fraction, E[k], mean copies per catalogue object, the top 1% of sharers'
    share of all shared copies) of the scenario's law, computed from its formula."""
    c = s["scenario"]["content"]
    r, m = c["replication"], c["objects"]
    tail = [min(1.0, (r["min_shared"] / x) ** r["shape"]) for x in range(1, m + 2)]
    p = [tail[i] - tail[i + 1] for i in range(m)]  # P(k = i + 1), the cap included at m
    p[m - 1] = tail[m - 1]
    mean = sum((i + 1) * pi for i, pi in enumerate(p))
    top, mass = 0.0, 0.0
    for i in reversed(range(m)):  # the largest counts first, until 1% of the sharers
        take = min(p[i], 0.01 - mass)
        top += take * (i + 1)
        mass += take
        if mass >= 0.01:
            break
    f = r["free_rider_fraction"]
    return f, mean, (1 - f) * s["network"]["nodes"] * mean / m, top / mean


def free_riders_runs():
    fr = run(FREE_RIDERS)
    copies = round(free_rider_law(fr)[2])
    uniform = run(FREE_RIDERS, f'content.replication={{ kind = "uniform", copies = {copies} }}')
    return fr, uniform, copies


@generator("free-riders")
def free_riders_block():
    fr, uniform, copies = free_riders_runs()
    head = ["placement", "variant", "success", "messages / query", "1 copy: queries, success",
            "2–7 copies: queries, success", "8+ copies: queries, success"]
    rows = []

    def cell(v, lo, hi):
        bs = [b for b in v["by_replicas"] if lo <= b["min_replicas"] < hi]
        q = sum(b["queries"] for b in bs)
        ok = sum(b["queries"] * (b["success_rate"] or 0) for b in bs)
        return f"{q}, {pct(ok / q) if q else '–'}"

    for label, s in ((f"uniform, {copies} copies", uniform), ("free riders", fr)):
        for v in s["variants"]:
            rows.append([label, v["name"], pct(v["success_rate"]),
                         f"{v['messages_per_query']['mean']:.1f}", cell(v, 1, 2), cell(v, 2, 8),
                         cell(v, 8, 10 ** 9)])
    return "\n" + table(head, rows) + "\n"


@generator("free-riders-findings")
def free_riders_findings():
    fr, uniform, copies = free_riders_runs()
    f, mean, per_object, top = free_rider_law(fr)
    r = fr["scenario"]["content"]["replication"]
    flood = [variant(s, "flood") for s in (uniform, fr)]
    walk = [variant(s, "walk16") for s in (uniform, fr)]
    rare = [bucket(v, 1)["success_rate"] for v in flood]
    return prose(f"""
With {pct(f, 0)} free riders and P(k ≥ x) = x^−{r['shape']:g} among the sharing peers, a
sharing peer shares E[k] = {mean:.2f} objects, {per_object:.1f} copies per catalogue object
on average, and the top 1% of the sharing peers hold {pct(top, 0)} of all copies, close to the
abstract's "nearly 50% of all responses" from the top 1% of the sharing hosts (a peer's
responses grow with what it shares). Against uniform placement of {copies} copies:

- **Single-copy objects**: the flood finds {pct(rare[1])} of them with free riders and
  {pct(rare[0])} with uniform placement. One copy sits on one peer either way, and the peer
  matters only through where it is in the overlay, which free riding does not change.
- **The catalogue**: a peer v holds a given object with probability k_v/m, independently of the
  other peers, so a flood that reaches a set B of peers finds it with probability
  1 − Π_B (1 − k_v/m) ≈ 1 − exp(−Σ_B k_v/m): the same on average as uniform placement of the
  same number of copies. Only the spread differs (objects with 2–7 copies, others with
  hundreds). Measured: flood success {pct(flood[0]['success_rate'])} (uniform) and
  {pct(flood[1]['success_rate'])} (free riders); walkers find {pct(walk[0]['success_rate'])}
  and {pct(walk[1]['success_rate'])} for {walk[0]['messages_per_query']['mean']:.0f} and
  {walk[1]['messages_per_query']['mean']:.0f} messages per query. Free riding as such costs
  unstructured search little here; what it does is concentrate the answering, and with it the
  upload load, on the top sharers.
""")


# docs/reproductions.md ----------------------------------------------------------------------

LV = {t: f"scenarios/lv2002/{t}.toml" for t in ("random", "plrg", "gnutella", "grid")}
LV_SETS = {
    "proportional": 'content.replication={ kind = "proportional", mean_copies = 100 }',
    "square-root": 'content.replication={ kind = "square-root", mean_copies = 100 }',
    "uniform-queries": 'content.popularity={ kind = "uniform" }',
}


def lv(topology, variation=None):
    return run(LV[topology], *([LV_SETS[variation]] if variation else []))


def lv_network(s):
    net = s["network"]
    return net["nodes"], net["edges"], net["mean_degree"]


@generator("lv-setup")
def lv_setup():
    r, p, g = lv_network(lv("random")), lv_network(lv("plrg")), lv_network(lv("gnutella"))
    crawl_copies = lv("gnutella")["scenario"]["content"]["replication"]["copies"]
    rows = [
        ["Random graph, 9,836 nodes, mean degree 4.09",
         f"`random.toml`: Erdős–Rényi, 10,000 nodes, mean degree 4.1, giant component "
         f"({num(r[0])} nodes, mean degree {r[2]:.2f})"],
        ["PLRG, 9,230 nodes, mean degree 4.46",
         f"`plrg.toml`: power-law configuration model, exponent 2.1, max degree 300, giant "
         f"component ({num(p[0])} nodes, mean degree {p[2]:.2f})"],
        ["Gnutella snapshot of 2000, 4,736 nodes, mean degree 11.8",
         f"`gnutella.toml`: the SNAP crawl of 8 August 2002, giant component ({num(g[0])} "
         f"nodes, mean degree {g[2]:.2f})"],
        ["Grid 100 × 100", "`grid.toml`: 100 × 100 lattice without wrap-around"],
        ["100 objects, replication ratio ~1%",
         f"100 objects, 100 copies each ({crawl_copies} on the {num(g[0])}-node crawl)"],
        ["Zipf (α = 1.2) and uniform queries", "Zipf 1.2 (uniform via `--set`)"],
        ["flooding; expanding ring TTL 1, 3, 5, 7, 9; 16–64 walkers checking every 4 steps",
         "`flood` (TTL 8; 32 on the grid), `ring` (TTLs 1, 3, 5, 7, 9, 1 s apart), `walk16`, "
         "`walk32`, `walk64` (TTL 1024, check every 4)"],
    ]
    return "\n" + table(["paper", "floodsim scenario"], rows) + "\n"


def lv_topology(topology):
    s = lv(topology)
    nodes, edges, degree = lv_network(s)
    reps = s["scenario"]["replications"]
    head = ["strategy", "success", "messages/query", "hops to 1st hit", "nodes visited",
            "duplicate ratio", "peak node load", "mean node load"]
    rows = [[v["name"], pct(v["success_rate"]), f"{v['messages_per_query']['mean']:.1f}",
             f"{v['hops_to_first_hit']['mean']:.2f}",
             f"{v['nodes_reached_per_query']['mean']:.1f}", f"{v['duplicate_ratio']:.3f}",
             f"{v['peak_node_load']:.2f}", f"{v['mean_node_load']:.4f}"]
            for v in s["variants"]]
    return (f"\n{nodes} nodes, {edges} edges, mean degree {degree:.2f}; "
            f"{s['variants'][0]['queries']} queries ({reps} replications).\n\n"
            + table(head, rows) + "\n")


for _t in LV:
    generator(f"lv-{_t}")(functools.partial(lv_topology, _t))


def msgs(s, name):
    return variant(s, name)["messages_per_query"]["mean"]


@generator("lv-replication")
def lv_replication():
    rows = []
    for label, var in (("uniform (100 copies)", None), ("proportional (mean 100)",
                       "proportional"), ("square-root (mean 100)", "square-root")):
        s = lv("random", var)
        w = variant(s, "walk32")
        rows.append([label, f"{msgs(s, 'flood'):.0f}"]
                    + [f"{msgs(s, k):.1f}" for k in ("ring", "walk16", "walk32", "walk64")]
                    + [pct(w["success_rate"]), f"{w['hops_to_first_hit']['mean']:.2f}"])
    head = ["replication", "flood msgs/q", "ring msgs/q", "walk16 msgs/q", "walk32 msgs/q",
            "walk64 msgs/q", "walk32 success", "walk32 hops"]
    s = lv("random", "uniform-queries")
    uniform = ", ".join(f"{v['name']} {v['messages_per_query']['mean']:.1f} msgs/q "
                        f"({pct(v['success_rate'])})" for v in s["variants"])
    return ("\n" + table(head, rows) + "\n\nUniform queries, uniform replication: " + uniform
            + "\n")


def search_size(topology, allocation):
    """Cohen & Shenker's expected probes of random probing: N·Σ q_i/r_i with r_i copies."""
    s = lv(topology)
    n = s["network"]["nodes"]
    content = s["scenario"]["content"]
    m, alpha = content["objects"], content["popularity"]["exponent"]
    total = m * content["replication"]["copies"]
    w = [i ** -alpha for i in range(1, m + 1)]
    q = [x / sum(w) for x in w]
    if allocation == "square-root":
        r = [total * math.sqrt(x) / sum(math.sqrt(y) for y in q) for x in q]
    elif allocation == "proportional":
        r = [total * x for x in q]
    else:
        r = [total / m] * m
    return sum(n * qi / ri for qi, ri in zip(q, r))


@generator("lv-findings")
def lv_findings():
    rnd, plrg, gnu, grid = (lv(t) for t in LV)
    prop, sqrt_ = lv("random", "proportional"), lv("random", "square-root")
    uq = lv("random", "uniform-queries")
    hops = lambda s, k: variant(s, k)["hops_to_first_hit"]["mean"]  # noqa: E731
    t50 = lambda s, k: variant(s, k)["time_to_first_hit_ms"]["mean"]  # noqa: E731
    peak = lambda s: variant(s, "flood")["peak_node_load"]  # noqa: E731
    dup = lambda s: variant(s, "flood")["duplicate_ratio"]  # noqa: E731
    deg = lambda s: s["network"]["mean_degree"]  # noqa: E731
    ring = variant(grid, "ring")
    ttl = max(search_of(grid, "ring")["ttls"])
    ball = 2 * ttl * (ttl + 1)
    ratio = grid["scenario"]["content"]["replication"]["copies"] / grid["network"]["nodes"]
    order = sorted([("random", rnd), ("Gnutella", gnu), ("PLRG", plrg), ("grid", grid)],
                   key=lambda x: msgs(x[1], "walk16"))
    return prose(f"""
1. **Walkers with checking find objects about as reliably as flooding with about two orders
   of magnitude fewer messages — holds.** On the random graph 16 walkers send
   {msgs(rnd, 'walk16'):.0f} messages per query against flooding's {num(msgs(rnd, 'flood'), 0)}
   ({msgs(rnd, 'flood') / msgs(rnd, 'walk16'):.0f}× fewer), at
   {span([variant(rnd, k)['success_rate'] for k in ('walk16', 'flood')], 1, pct)} success. They are not quite as fast in hops ({hops(rnd, 'walk16'):.1f} vs
   {hops(rnd, 'flood'):.1f} with 16 walkers, {hops(rnd, 'walk64'):.1f} with 64), but because a
   walker's hit goes straight to the source, the mean time to the first hit is
   {t50(rnd, 'walk16'):.0f} ms vs {t50(rnd, 'flood'):.0f} ms with 16 walkers and
   {t50(rnd, 'walk64'):.0f} ms with 64.
2. **Uniform random graphs do best — holds for walkers:** messages per query for 16 walkers are
   {" < ".join(f"{msgs(s, 'walk16'):.0f} ({name})" for name, s in order)}, and hops to the
   first hit are {", ".join(f"{hops(s, 'walk16'):.1f}" for _, s in order)} in the same order.
3. **Power-law graphs suffer the highest peak load — holds; the most duplicates — holds only
   at equal mean degree.** A flood's busiest node on the PLRG receives {peak(plrg):.1f}
   messages per query, {peak(plrg) / peak(rnd):.0f}× the random graph's {peak(rnd):.1f}
   (Gnutella crawl: {peak(gnu):.1f}). The duplicate ratio of flooding is higher on the PLRG
   ({dup(plrg):.3f}) than on the random graph ({dup(rnd):.3f}) of nearly the same mean degree,
   but highest on the Gnutella crawl ({dup(gnu):.3f}): duplicates grow with the mean degree
   ({deg(gnu):.1f} there vs {deg(rnd):.1f}–{deg(plrg):.1f}), which the paper's 2000 snapshot
   did not separate from its shape.
4. **Square-root replication minimises the search cost — holds.** Theory (random probing,
   Cohen & Shenker) gives {search_size('random', 'uniform'):.1f} probes for uniform and
   proportional and {search_size('random', 'square-root'):.1f} for square-root on this graph.
   Measured messages per query for 16 walkers: uniform {msgs(rnd, 'walk16'):.1f}, proportional
   {msgs(prop, 'walk16'):.1f}, square-root {msgs(sqrt_, 'walk16'):.1f}; for the expanding ring
   {msgs(rnd, 'ring'):.0f}, {msgs(prop, 'ring'):.0f} and {msgs(sqrt_, 'ring'):.0f}. The unit
   tests check the analytic search sizes of floodsim's integer allocations against the
   formulas to 1%.
5. **Uniform and proportional replication cost the same — does not hold exactly here.** Our
   walkers find proportional replication cheaper than uniform (walk16
   {msgs(prop, 'walk16'):.1f} vs {msgs(rnd, 'walk16'):.1f}, walk64 {msgs(prop, 'walk64'):.0f}
   vs {msgs(rnd, 'walk64'):.0f}). The equality is a theorem about random probing with
   replacement; k parallel walkers that stop at their next check-in after a hit, and that
   revisit nodes, are not that process, and their cost is not linear in the expected number of
   probes. We have not yet isolated which of these effects dominates; `by_replicas` in the
   summaries breaks the cost down by replica count for anyone who wants to dig in.
6. **The expanding ring is much cheaper than flooding for popular content — holds**,
   {msgs(rnd, 'flood') / msgs(rnd, 'ring'):.0f}× on the random graph ({msgs(rnd, 'ring'):.0f}
   vs {num(msgs(rnd, 'flood'), 0)} messages) at equal success. On the grid its largest ring
   (TTL {ttl}, {ball} nodes) misses {pct(1 - ring['success_rate'])} of queries: with
   {pct(ratio, 0)} replication a TTL-{ttl} diamond holds no copy with probability
   {1 - ratio:.2f}^{ball} ≈ {pct((1 - ratio) ** ball, 0)}.

Uniform instead of Zipf queries (with uniform replication every object is equally easy)
changes nothing material: {", ".join(f"{v['name']} {num(v['messages_per_query']['mean'], 0)}"
                                     for v in uq["variants"][:3])} messages per query, at
{span([v['success_rate'] for v in uq['variants']], 1, pct)} success.
""")


# docs/performance.md ------------------------------------------------------------------------

SCALING = ("network.nodes=10000,100000,1000000", "network.topology.degree=4,8,16",
           "variant.flood.search.ttl=3..=7")


@generator("flood-scaling")
def flood_scaling():
    rows = sweep("scenarios/bench/flood-100k.toml", *SCALING)
    cell = {(int(r["network.nodes"]), int(r["network.topology.degree"]),
             int(r["variant.flood.search.ttl"])): float(r["messages_per_query_mean"])
            for r in rows}
    out = []
    for n in sorted({k[0] for k in cell}):
        for d in sorted({k[1] for k in cell}):
            full = n * d - n + 1
            row = [num(n), d]
            for t in range(3, 8):
                m = cell[(n, d, t)]
                row.append(f"**{num(m)}**" if m == full else num(m))
            row += [num(d * sum((d - 1) ** i for i in range(7))), num(full)]
            out.append(row)
    head = ["N", "d", "TTL 3", "TTL 4", "TTL 5", "TTL 6", "TTL 7", "tree bound at TTL 7",
            "N·d − N + 1"]
    return "\n" + table(head, out) + "\n"


# Gnutella 0.6: dynamic querying and Query Routing ------------------------------------------

DQ = "scenarios/gnutella06/dynamic-query.toml"
QRP = "scenarios/gnutella06/qrp.toml"


@generator("gnutella06-dq")
def gnutella06_dq():
    """Flood vs dynamic query on the popular (500-copy) and rare (2-copy) objects."""
    s = run(DQ)
    rows = []
    for name in ("flood-ttl3", "dynamic", "dynamic-qrp"):
        v = variant(s, name)
        popular, rare = bucket(v, 256), bucket(v, 2)
        rows.append([f"`{name}`", pct(popular["success_rate"]), num(popular["messages_per_query"]),
                     pct(rare["success_rate"]), num(rare["messages_per_query"]),
                     num(v["time_to_first_hit_ms"]["mean"])])
    head = ["variant", "popular: success", "popular: messages/query", "rare (2 copies): success",
            "rare: messages/query", "time to first hit (ms)"]
    flood, dq = variant(s, "flood-ttl3"), variant(s, "dynamic")
    share = bucket(dq, 256)["messages_per_query"] / bucket(flood, 256)["messages_per_query"]
    return ("\n" + table(head, rows) + "\n" + prose(
        f"On popular objects the dynamic query sends {pct(share)} of the flood's query messages; "
        f"on rare ones it goes on through every connection (up to TTL 4) and finds "
        f"{pct(bucket(dq, 2)['success_rate'])} against the flood's "
        f"{pct(bucket(flood, 2)['success_rate'])}, at "
        f"{num(bucket(dq, 2)['messages_per_query'])} messages against "
        f"{num(bucket(flood, 2)['messages_per_query'])}."))


@generator("gnutella06-qrp")
def gnutella06_qrp():
    """False positives and table traffic by table size, and last-hop QRP."""
    s = run(QRP)
    rows = []
    for v in s["variants"]:
        q = v.get("qrp")
        share = q and q["leaf_false_positive_share"]
        rows.append([f"`{v['name']}`", pct(v["success_rate"]), num(v["messages_per_query"]["mean"]),
                     num(q["leaf_messages_per_query"], 1) if q else "–",
                     num(q["leaf_false_positives_per_query"], 1) if q else "–",
                     pct(share) if share is not None else "–",
                     num(q["table_bytes_per_replica"] / 1e6, 2) if q else "–",
                     num(v["maintenance_per_node_per_s"], 3)])
    head = ["variant", "success", "query messages/query", "to leaves via tables/query",
            "false positives/query", "false-positive share", "table MB (all links)",
            "maintenance/node/s"]
    return "\n" + table(head, rows) + "\n"
# docs/teaching.md ---------------------------------------------------------------------------

TEACHING = ("flooding", "flood-vs-walkers", "gnutella06")


@functools.cache
def run_nodes(scenario):
    """(summary.json, rows of nodes.csv) of `floodsim run SCENARIO --nodes`."""
    out = tempfile.mkdtemp(dir=OPTS.tmp)
    _floodsim(["run", scenario, "--nodes"], out)
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(out, "nodes.csv")) as f:
        return summary, list(csv.DictReader(f))


def gini(loads):
    """Mean absolute difference over all ordered pairs / (2 × mean), computed pair by pair
    (independently of floodsim's sorted formula)."""
    n, total = len(loads), sum(loads)
    return sum(abs(a - b) for a in loads for b in loads) / (2 * n * total) if total else None


def loglog_slope(points):
    """Least-squares slope of ln(load) on ln(degree), over nodes with both positive."""
    logs = [(math.log(d), math.log(y)) for d, y in points if d > 0 and y > 0]
    mx = sum(x for x, _ in logs) / len(logs)
    my = sum(y for _, y in logs) / len(logs)
    sxx = sum((x - mx) ** 2 for x, _ in logs)
    return sum((x - mx) * (y - my) for x, y in logs) / sxx


@generator("teaching")
def teaching():
    head = ["scenario", "variant", "success", "messages / query", "duplicates / message",
            "load carried by the busiest 10% of nodes", "Gini of the load",
            "load-vs-degree slope"]
    out = []
    for name in TEACHING:
        s, rows = run_nodes(f"scenarios/teaching/{name}.toml")
        for v in s["variants"]:
            mine = [r for r in rows if r["variant"] == v["name"]]
            loads = sorted((int(r["received"]) for r in mine), reverse=True)
            top = loads[:max(1, round(len(loads) / 10))]
            points = [(int(r["degree"]), int(r["received"])) for r in mine]
            out.append([f"`{name}`", v["name"], pct(v["success_rate"]),
                        f"{v['messages_per_query']['mean']:.1f}", f"{v['duplicate_ratio']:.2f}",
                        pct(sum(top) / sum(loads)), f"{gini(loads):.3f}",
                        f"{loglog_slope(points):.2f}"])
    return "\n" + table(head, out) + "\n"


# Driver -------------------------------------------------------------------------------------


def documents(docs):
    for name in sorted(os.listdir(docs)):
        if name.endswith(".md"):
            yield os.path.join(docs, name)


@generator("gia2003")
def gia2003_table():
    """The GIA reproduction's table, from the sweep data kept in docs/data/gia2003 (python3
    docs/gia2003.py --run runs the sweeps again and refreshes that data)."""
    sys.path.insert(0, os.path.join(ROOT, "docs"))
    import gia2003

    return "\n" + gia2003.table(gia2003.read()) + "\n"


# Round-trip times between cities published by Reinheimer, "Miles per Millisecond: A Look at
# the WonderProxy Network" (WonderProxy blog, 2011; table "Pings Between Cities"), both
# directions in ms; only pairs on different continents. City positions (degrees) are the
# cities' centres.
CITIES = {
    "New York": (40.7128, -74.0060),
    "Dallas": (32.7767, -96.7970),
    "Fremont": (37.5485, -121.9886),
    "Paris": (48.8566, 2.3522),
    "Milan": (45.4642, 9.1900),
    "Moscow": (55.7558, 37.6173),
    "Sydney": (-33.8688, 151.2093),
    "Brisbane": (-27.4698, 153.0251),
}
PUBLISHED_RTT_MS = [
    ("New York", "Paris", 78.33, 77.31),
    ("New York", "Milan", 111.60, 112.17),
    ("New York", "Moscow", 131.34, 131.29),
    ("Dallas", "Paris", 130.94, 131.79),
    ("Dallas", "Milan", 140.00, 139.86),
    ("Fremont", "Paris", 176.22, 175.19),
    ("Fremont", "Moscow", 214.59, 209.00),
    ("Fremont", "Sydney", 184.91, 191.96),
    ("Fremont", "Brisbane", 176.07, 174.38),
    ("Dallas", "Sydney", 221.72, 222.25),
    ("Dallas", "Brisbane", 220.14, 221.60),
]
# The coordinates model's default: km of great circle per ms of one-way base delay.
KM_PER_MS = 133


def great_circle_km(a, b):
    """Haversine distance on a sphere of radius 6,371 km (as the model uses)."""
    (la1, lo1), (la2, lo2) = (tuple(map(math.radians, CITIES[c])) for c in (a, b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


@generator("latency-provenance")
def latency_provenance():
    """The coordinates model's default km_per_ms against published inter-continent RTTs."""
    rows, implied, ratios = [], [], []
    for a, b, there, back in PUBLISHED_RTT_MS:
        km = great_circle_km(a, b)
        rtt = (there + back) / 2
        model = 2 * km / KM_PER_MS
        implied.append(km / (rtt / 2))
        ratios.append(model / rtt)
        rows.append([f"{a}–{b}", num(km), num(rtt, 1), num(model, 1), num(model / rtt, 2), num(implied[-1])])
    implied.sort()
    ratios.sort()
    head = ["cities", "great circle, km", "published RTT, ms", "model RTT, ms", "model / published", "implied km per ms"]
    summary = prose(
        f"Over these {len(rows)} pairs the published RTTs imply a median of "
        f"{num(implied[len(implied) // 2])} km of great circle per ms one way (from "
        f"{num(implied[0])} to {num(implied[-1])}); the default `km_per_ms = {KM_PER_MS}` gives "
        f"round trips {num(100 * (1 - ratios[0]))}% shorter to {num(100 * (ratios[-1] - 1))}% "
        f"longer than measured (median ratio {num(ratios[len(ratios) // 2], 2)}), before the "
        "access delays, which add 4 × 5 ms to a round trip at their medians."
    )
    return "\n" + table(head, rows) + "\n" + summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="generators to run (default: all)")
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    ap.add_argument("--list", action="store_true", help="list generators and their files")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/floodsim"))
    ap.add_argument("--docs", default=os.path.join(ROOT, "docs"))
    ap.add_argument("--jobs", type=int)
    args = ap.parse_args()
    OPTS.bin, OPTS.jobs = os.path.abspath(args.bin), args.jobs
    texts = {}
    for path in documents(args.docs):
        with open(path) as f:
            texts[path] = f.read()
    used = {n: p for p, t in texts.items() for n, _ in BLOCK.findall(t)}
    unknown = sorted(set(args.names) - set(GENERATORS)) + sorted(set(used) - set(GENERATORS))
    if unknown:
        sys.exit(f"generate.py: no generator named {', '.join(unknown)} (see --list)")
    if args.list:
        for n in GENERATORS:
            print(f"{n:24} {os.path.relpath(used[n], ROOT) if n in used else '(unused)'}")
        return 0
    wanted = set(args.names or GENERATORS)
    with tempfile.TemporaryDirectory() as tmp:
        OPTS.tmp = tmp
        made = {n: GENERATORS[n]() for n in GENERATORS if n in wanted and n in used}
    stale = []
    for path, text in texts.items():
        new = BLOCK.sub(lambda m: (f"<!-- generated: {m[1]} -->"
                                   f"{made.get(m[1], m[2])}<!-- /generated -->"), text)
        if new != text:
            stale.append(os.path.relpath(path, ROOT))
            if not args.check:
                with open(path, "w") as f:
                    f.write(new)
    if args.check:
        if stale:
            print(f"generated blocks out of date in {', '.join(stale)}: run "
                  f"python3 docs/generate.py {' '.join(sorted(made))}")
            return 1
        print(f"{len(made)} generated blocks up to date")
        return 0
    print(f"regenerated {len(made)} blocks; changed: {', '.join(stale) or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
