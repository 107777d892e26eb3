//! `summary.json`: the resolved scenario and the per-variant figures (every metric of the
//! catalogue, `null` where undefined, e.g. when no query was issued), and its typed reader.

use crate::error::InputError;
use crate::metrics::{CATALOGUE, Summary, VariantSummary};
use crate::scenario::Scenario;
use serde::Serialize;
use serde_json::Value;
use std::io::{Result, Write};
use std::path::Path;

/// Version of the `summary.json` layout.
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    floodsim_version: &'a str,
    seed: u64,
    scenario: &'a Scenario,
    #[serde(flatten)]
    summary: &'a Summary,
}

/// Writes the summary as pretty-printed JSON with a final newline.
pub fn write(w: &mut dyn Write, scenario: &Scenario, summary: &Summary) -> Result<()> {
    let doc = Document {
        schema_version: SUMMARY_SCHEMA_VERSION,
        floodsim_version: env!("CARGO_PKG_VERSION"),
        seed: scenario.seed,
        scenario,
        summary,
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

/// The parts of a `summary.json` that `check` and `plot` read, typed through the catalogue.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryFile {
    /// The scenario's name.
    pub scenario: String,
    /// One entry per variant, in scenario order.
    pub variants: Vec<VariantSummary>,
}

/// Reads `path` (a `summary.json`), refusing anything floodsim did not write: malformed or
/// truncated JSON, another layout version, missing or mistyped keys.
pub fn read(path: &Path) -> crate::error::Result<SummaryFile> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        InputError::new(format!("cannot read: {e}"))
            .in_file(path)
            .fix("give a complete floodsim result folder")
    })?;
    parse(&text).map_err(|what| {
        InputError::new(format!("not a floodsim summary: {what}"))
            .in_file(path)
            .fix("give the summary.json that floodsim run wrote (run the scenario again if it is damaged)")
            .into()
    })
}

fn parse(text: &str) -> std::result::Result<SummaryFile, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let version = doc.get("schema_version").and_then(Value::as_u64);
    if version != Some(u64::from(SUMMARY_SCHEMA_VERSION)) {
        return Err(format!("schema_version is not {SUMMARY_SCHEMA_VERSION}"));
    }
    let scenario = doc
        .get("scenario")
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .ok_or("no scenario name")?
        .to_string();
    let variants = match doc.get("variants").and_then(Value::as_array) {
        Some(vs) if !vs.is_empty() => vs,
        _ => return Err("no variants".into()),
    };
    let variants = variants
        .iter()
        .map(|v| {
            let v = v.as_object().ok_or("a variant is not an object")?;
            let name = v
                .get("name")
                .and_then(Value::as_str)
                .ok_or("a variant has no name")?;
            let within = |e: String| format!("variant {name:?}: {e}");
            let queries = v
                .get("queries")
                .and_then(Value::as_u64)
                .ok_or_else(|| within("no query count".into()))?;
            let figures = CATALOGUE
                .iter()
                .map(|m| m.from_json(v))
                .collect::<std::result::Result<_, _>>()
                .map_err(within)?;
            let by_replicas = v
                .get("by_replicas")
                .and_then(|b| serde_json::from_value(b.clone()).ok())
                .ok_or_else(|| within("no valid by_replicas".into()))?;
            let qrp = v
                .get("qrp")
                .map(|q| serde_json::from_value(q.clone()))
                .transpose()
                .map_err(|_| within("qrp is not a valid block".into()))?;
            Ok(VariantSummary {
                name: name.to_string(),
                queries,
                figures,
                by_replicas,
                qrp,
            })
        })
        .collect::<std::result::Result<_, String>>()?;
    Ok(SummaryFile { scenario, variants })
}
