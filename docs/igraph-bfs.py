"""Time python-igraph's C breadth-first search from the sources of a floodsim flood run, and
check every ball against floodsim's nodes_reached (docs/performance.md, "C BFS").

    floodsim graph scenarios/bench/flood-1m.toml --export edges -o /tmp/g1m.edges
    floodsim run scenarios/bench/flood-1m.toml --jobs 1 --out /tmp/flood-1m
    python3 docs/igraph-bfs.py /tmp/g1m.edges /tmp/flood-1m/queries.csv 7
"""

import csv
import sys
import time

import igraph

edges_path, queries_path, ttl = sys.argv[1], sys.argv[2], int(sys.argv[3])
edges, nodes = [], 0
with open(edges_path) as f:
    for line in f:
        if line.startswith("# Nodes:"):
            nodes = int(line.split()[2])
        elif not line.startswith("#"):
            a, b = line.split()
            edges.append((int(a), int(b)))
graph = igraph.Graph(n=nodes, edges=edges)
rows = list(csv.DictReader(open(queries_path)))
sources = [int(r["source"]) for r in rows]
times = []
for _ in range(3):
    start = time.perf_counter()
    balls = graph.neighborhood(vertices=sources, order=ttl)
    times.append(time.perf_counter() - start)
print(f"igraph neighborhood(order={ttl}) from {len(sources)} sources: best {min(times):.3f} s")
# A ball includes its source; nodes_reached does not.
same = all(len(b) == int(r["nodes_reached"]) + 1 for b, r in zip(balls, rows))
print("every ball equals nodes_reached + 1:", same)
sys.exit(0 if same else 1)
