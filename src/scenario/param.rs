//! Swept parameters: `--param` and `sweep.params` syntax.

use crate::error::InputError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most points one sweep may have. Before anything runs, every point's scenario is read and
/// validated, which takes about `sweep::SETUP_SECONDS_PER_POINT` and
/// `sweep::SETUP_BYTES_PER_POINT` (measured at 100 000 points: 7–9 s and 118 MiB), so this
/// bound keeps the setup to seconds.
pub const MAX_POINTS: usize = 100_000;

/// One swept parameter: a dotted scenario path and its values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Dotted path, as for `--set`.
    pub path: String,
    /// Values in sweep order.
    pub values: Vec<Value>,
}

/// Axis labels of the parameters people sweep, by path. Paths under `variant.NAME.` are looked
/// up without that prefix and name the variant after the label; other paths label themselves.
const LABELS: &[(&str, &str)] = &[
    ("seed", "seed"),
    ("replications", "replications"),
    ("network.nodes", "nodes"),
    ("network.topology", "topology"),
    ("network.topology.degree", "degree"),
    ("network.topology.mean_degree", "mean degree"),
    ("network.topology.m", "links per new node (m)"),
    ("network.topology.rewire", "rewiring probability"),
    ("network.topology.exponent", "power-law exponent"),
    ("network.topology.ultrapeer_fraction", "share of ultrapeers"),
    ("network.latency", "link latency"),
    ("network.latency.ms", "link latency (ms)"),
    ("network.latency.median_ms", "median link latency (ms)"),
    ("network.latency.sigma", "latency σ (of ln ms)"),
    ("content.objects", "objects"),
    ("content.replication", "replication"),
    ("content.replication.copies", "copies per object"),
    ("content.replication.mean_copies", "mean copies per object"),
    ("content.popularity.exponent", "Zipf exponent"),
    ("workload.queries", "queries"),
    ("workload.rate_per_s", "query rate (per s)"),
    ("workload.rare_fraction", "share of rare queries"),
    ("workload.timeout_s", "query timeout (s)"),
    ("churn.session.mean_s", "mean session (s)"),
    ("churn.offline.mean_s", "mean offline period (s)"),
    ("churn.warmup_s", "warm-up (s)"),
    ("search", "search"),
    ("search.ttl", "TTL"),
    ("search.walkers", "walkers"),
    ("search.check_every", "steps between check-ins"),
    ("search.wait_ms", "ring wait (ms)"),
    ("search.successors", "successors"),
    ("search.k", "bucket size k"),
    ("search.alpha", "parallel requests α"),
];

/// The human label of a swept path: `network.nodes` → "nodes",
/// `variant.flood.search.ttl` → "TTL (flood)", an unknown path → itself.
pub fn param_label(path: &str) -> String {
    let lookup = |p: &str| LABELS.iter().find(|(k, _)| *k == p).map(|(_, l)| *l);
    if let Some(rest) = path.strip_prefix("variant.")
        && let Some((variant, key)) = rest.split_once('.')
        && let Some(label) = lookup(key)
    {
        return format!("{label} ({variant})");
    }
    lookup(path).map_or_else(|| path.to_string(), str::to_string)
}

/// A readable one-line label of a parameter value: numbers and strings as they are, a table as
/// `kind(key=value, ...)` (its `kind` first, the other keys in order), a list as `[a, b]`.
pub fn value_label(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(value_label).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .filter(|(k, _)| *k != "kind")
                .map(|(k, v)| format!("{k}={}", value_label(v)))
                .collect();
            match map.get("kind") {
                Some(kind) => format!("{}({})", value_label(kind), fields.join(", ")),
                None => format!("({})", fields.join(", ")),
            }
        }
        other => other.to_string(),
    }
}

/// Parses `PATH=V1,V2,...` (values are TOML: `3,5,7`, `"a","b"`, `{ kind = "constant", ms = 5 }, ...`;
/// bare words are strings) or `PATH=A..=B[:STEP]` (inclusive numeric range, step 1 by default).
pub fn parse_param(text: &str) -> Result<Param, InputError> {
    let err = |problem: String| {
        InputError::new(problem)
            .at(format!("--param {text}"))
            .fix("write PATH=V1,V2,... or PATH=A..=B[:STEP], e.g. variant.flood.search.ttl=1..=7")
    };
    let (path, spec) = text
        .split_once('=')
        .ok_or_else(|| err("no '=' between the path and the values".into()))?;
    let (path, spec) = (path.trim(), spec.trim());
    if path.is_empty() || path.split('.').any(str::is_empty) || spec.is_empty() {
        return Err(err("the path or the values are empty".into()));
    }
    let values = if let Some((a, rest)) = spec.split_once("..=") {
        let (b, step) = rest.split_once(':').unwrap_or((rest, "1"));
        range(a.trim(), b.trim(), step.trim()).map_err(err)?
    } else if let Ok(mut t) = toml::from_str::<toml::Table>(&format!("v = [{spec}]")) {
        match t.remove("v").map(|v| super::toml_to_json(&v, path)) {
            Some(Ok(Value::Array(vs))) => vs,
            Some(Err(e)) => return Err(err(e.problem)),
            _ => return Err(err("cannot read the values".into())),
        }
    } else {
        spec.split(',')
            .map(|v| Value::String(v.trim().to_string()))
            .collect()
    };
    if values.is_empty() {
        return Err(err("no values".into()));
    }
    Ok(Param {
        path: path.to_string(),
        values,
    })
}

fn range(a: &str, b: &str, step: &str) -> Result<Vec<Value>, String> {
    if let (Ok(a), Ok(b), Ok(step)) = (a.parse::<i64>(), b.parse::<i64>(), step.parse::<i64>()) {
        if step <= 0 || b < a {
            return Err(format!(
                "the range {a}..={b}:{step} is empty or its step is not positive"
            ));
        }
        // In i128: the count of 0..=i64::MAX must not wrap.
        let count = (i128::from(b) - i128::from(a)) / i128::from(step) + 1;
        if count > MAX_POINTS as i128 {
            return Err(format!(
                "the range has {count} values, more than {MAX_POINTS}"
            ));
        }
        return Ok((0..count as i64)
            .map(|i| Value::from(a + i * step))
            .collect());
    }
    let parse = |s: &str| {
        s.parse::<f64>()
            .map_err(|_| format!("{s:?} is not a number"))
    };
    let (a, b, step) = (parse(a)?, parse(b)?, parse(step)?);
    if !(step > 0.0 && b >= a && a.is_finite() && b.is_finite()) {
        return Err(format!(
            "the range {a}..={b}:{step} is empty or its step is not positive"
        ));
    }
    // Counted in floating point: a range of 10^302 values must not wrap to a small count.
    let count = ((b - a) / step + 1e-9).floor() + 1.0;
    if count > MAX_POINTS as f64 {
        return Err(format!(
            "the range has {count:.3e} values, more than {MAX_POINTS}"
        ));
    }
    let count = count as usize;
    // Values are a + i·step (no accumulated rounding), rounded to 12 significant digits.
    Ok((0..count)
        .map(|i| {
            let x = a + i as f64 * step;
            let x: f64 = format!("{x:.12e}").parse().unwrap_or(x);
            serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_of_paths_and_values() {
        assert_eq!(param_label("network.nodes"), "nodes");
        assert_eq!(param_label("variant.flood.search.ttl"), "TTL (flood)");
        assert_eq!(param_label("churn.session.mean_s"), "mean session (s)");
        assert_eq!(param_label("network.foo"), "network.foo");
        assert_eq!(param_label("variant.x.bar"), "variant.x.bar");
        assert_eq!(
            value_label(&json!({"kind": "random-regular", "degree": 4})),
            "random-regular(degree=4)"
        );
        assert_eq!(
            value_label(&json!({"kind": "expanding-ring", "ttls": [1, 3], "wait_ms": 5})),
            "expanding-ring(ttls=[1, 3], wait_ms=5)"
        );
        assert_eq!(value_label(&json!("grid")), "grid");
        assert_eq!(value_label(&json!(0.5)), "0.5");
    }
}
