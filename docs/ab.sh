#!/usr/bin/env bash
# docs/ab.sh SCENARIO ROUNDS OLD NEW: runs the OLD and NEW floodsim binaries alternately, one
# thread each, and prints events/s, wall time and peak memory of every run (from run.json).
# Used for the "seams" rows of docs/performance.md; medians of its output are what is quoted.
S=$1; N=$2; OLD=$3; NEW=$4
for i in $(seq 1 $N); do
  for b in old new; do
    bin=$OLD; [ $b = new ] && bin=$NEW
    rm -rf /tmp/ab-$b
    $bin run $S --out /tmp/ab-$b --quiet --jobs 1 >/dev/null 2>&1
    python3 -c "import json;d=json.load(open('/tmp/ab-$b/run.json'));print('$b', round(d['events_per_second']/1e6,2), 'M ev/s', round(d['wall_seconds'],2), 's', (d.get('peak_rss_bytes') or 0)//1048576, 'MiB')"
  done
done
