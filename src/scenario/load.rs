//! Reading scenario files (TOML or JSON) and applying `--set` overrides.

use super::Scenario;
use crate::error::{Error, InputError};
use serde_json::Value;
use std::path::Path;

/// One `--set PATH=VALUE` override.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// Dotted key path; `variant.NAME.…` addresses a variant by name.
    pub path: String,
    /// The new value.
    pub value: Value,
}

/// Parses `PATH=VALUE`. The value is read as a TOML value (`5`, `0.5`, `true`, `"x"`, `[1, 2]`,
/// `{ kind = "constant", ms = 20 }`); anything that is not valid TOML is taken as a string.
pub fn parse_override(text: &str) -> Result<Override, InputError> {
    let Some((path, raw)) = text.split_once('=') else {
        return Err(InputError::new(format!("--set {text:?} has no '='"))
            .fix("write --set PATH=VALUE, e.g. --set network.nodes=1000"));
    };
    let path = path.trim();
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(InputError::new(format!(
            "--set {text:?}: the key path is empty or has an empty part"
        ))
        .fix("write --set PATH=VALUE with a dotted path, e.g. --set variant.flood.search.ttl=5"));
    }
    let raw = raw.trim();
    let value = match toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
    {
        Some(v) => toml_to_json(&v, path)?,
        None => Value::String(raw.to_string()),
    };
    Ok(Override {
        path: path.to_string(),
        value,
    })
}

/// Largest scenario file floodsim reads.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// Reads a scenario file, applies the overrides in order, and checks its keys and types.
/// Values are checked later by [`Scenario::validate`].
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, Error> {
    let text = crate::input::read_text(path, MAX_SCENARIO_BYTES).map_err(|e| {
        InputError::new(format!("cannot read the scenario file: {e}"))
            .in_file(path)
            .fix("check the path (scenario files end in .toml or .json)")
    })?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let mut tree = if is_json {
        serde_json::from_str::<NoDuplicates>(&text)
            .map(|v| v.0)
            .map_err(|e| InputError::new(format!("invalid JSON: {e}")).in_file(path))?
    } else {
        let table: toml::Table = toml::from_str(&text).map_err(|e| {
            InputError::new(format!("invalid TOML: {}", e.to_string().trim_end())).in_file(path)
        })?;
        toml_to_json(&toml::Value::Table(table), "").map_err(|e| e.in_file(path))?
    };
    for o in overrides {
        apply(&mut tree, o).map_err(|e| e.in_file(path))?;
    }
    let names = variant_names(&tree);
    serde_path_to_error::deserialize::<_, Scenario>(tree.clone()).map_err(|e| {
        let in_churn = e.path().to_string().starts_with("churn");
        let detail = if in_churn { churn_detail(&tree) } else { None };
        let (location, inner) = detail.unwrap_or_else(|| {
            (
                pretty_path(&e.path().to_string(), &names),
                e.into_inner().to_string(),
            )
        });
        let fix = fix_hint(&inner);
        let mut err = InputError::new(inner).in_file(path).at(location);
        if let Some(fix) = fix {
            err = err.fix(fix);
        }
        Error::from(err)
    })
}

/// Converts a TOML value to the JSON tree scenarios are read from, refusing what JSON cannot
/// hold (`inf`, `nan`: they would silently become `null`) and dates. `at` is the value's
/// dotted path, for the message.
pub fn toml_to_json(value: &toml::Value, at: &str) -> Result<Value, InputError> {
    let child = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    Ok(match value {
        toml::Value::Float(x) if !x.is_finite() => {
            return Err(
                InputError::new(format!("{x} is not a value floodsim accepts"))
                    .at(at.to_string())
                    .fix("give a finite number; for \"no limit\" use a large one, e.g. 1e6"),
            );
        }
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| Ok((k.clone(), toml_to_json(v, &child(k))?)))
                .collect::<Result<_, InputError>>()?,
        ),
        toml::Value::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, v)| toml_to_json(v, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        other => serde_json::to_value(other).map_err(|e| {
            InputError::new(format!("unsupported TOML value: {e}"))
                .at(at.to_string())
                .fix("use strings, numbers, booleans, arrays and tables only")
        })?,
    })
}

/// A JSON value read with duplicate keys refused (serde_json alone keeps the last one, where
/// TOML refuses them).
struct NoDuplicates(Value);

impl<'de> serde::Deserialize<'de> for NoDuplicates {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicatesVisitor).map(NoDuplicates)
    }
}

struct NoDuplicatesVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicatesVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(NoDuplicates(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "duplicate key `{key}` (remove one of them)"
                )));
            }
            let NoDuplicates(v) = map.next_value()?;
            object.insert(key, v);
        }
        Ok(Value::Object(object))
    }
}

fn variant_names(tree: &Value) -> Vec<Option<String>> {
    tree.get("variant")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .map(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Turns serde's `variant[1].search.ttl` into `variant.ring.search.ttl`, the form `--set` uses.
/// An internally tagged enum hides the path inside it, so a problem within `[churn]` would be
/// reported at `churn`. Its nested tables are checked on their own to name the exact field.
fn churn_detail(tree: &Value) -> Option<(String, String)> {
    fn check<T: serde::de::DeserializeOwned>(value: &Value, at: &str) -> Option<(String, String)> {
        serde_path_to_error::deserialize::<_, T>(value.clone())
            .err()
            .map(|e| {
                let inner = e.path().to_string();
                let path = if inner == "." {
                    at.to_string()
                } else {
                    format!("{at}.{inner}")
                };
                (path, e.into_inner().to_string())
            })
    }
    let churn = tree.get("churn")?;
    ["session", "offline"]
        .iter()
        .filter_map(|k| churn.get(k).map(|v| (k, v)))
        .find_map(|(k, v)| check::<super::Lifetime>(v, &format!("churn.{k}")))
        .or_else(|| check::<super::Repair>(churn.get("repair")?, "churn.repair"))
}

fn pretty_path(path: &str, names: &[Option<String>]) -> String {
    if path == "." || path.is_empty() {
        return "(top level)".to_string();
    }
    if let Some(rest) = path.strip_prefix("variant[")
        && let Some((index, tail)) = rest.split_once(']')
        && let Some(Some(name)) = index.parse::<usize>().ok().and_then(|i| names.get(i))
    {
        return format!("variant.{name}{tail}");
    }
    path.to_string()
}

fn fix_hint(message: &str) -> Option<String> {
    if message.starts_with("unknown field") {
        Some("remove or rename the key; the message lists the keys allowed here".into())
    } else if message.starts_with("unknown variant") {
        Some("use one of the kinds listed".into())
    } else if message.starts_with("missing field") {
        Some("add the field; see the scenario reference in README.md".into())
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        Some("give a value of the expected type (the message says which)".into())
    } else {
        None
    }
}

fn apply(tree: &mut Value, o: &Override) -> Result<(), InputError> {
    let err = |problem: String| InputError::new(problem).at(format!("--set {}", o.path));
    let parts: Vec<&str> = o.path.split('.').collect();
    let mut node = tree;
    let mut i = 0;
    while i < parts.len() {
        let key = parts[i];
        if i == 0 && key == "variant" && parts.len() > 2 {
            let name = parts[1];
            let variants = node
                .get_mut("variant")
                .and_then(Value::as_array_mut)
                .ok_or_else(|| err("the scenario has no [[variant]] list".into()))?;
            let known: Vec<String> = variants
                .iter()
                .filter_map(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
                .collect();
            node = variants
                .iter_mut()
                .find(|v| v.get("name").and_then(Value::as_str) == Some(name))
                .ok_or_else(|| {
                    err(format!("no variant is named {name:?}"))
                        .fix(format!("variant names are: {}", known.join(", ")))
                })?;
            i += 2;
            continue;
        }
        let Value::Object(map) = node else {
            return Err(err(format!(
                "{:?} is not a table, so it has no key {key:?}",
                parts[..i].join(".")
            )));
        };
        if i + 1 == parts.len() {
            map.insert(key.to_string(), o.value.clone());
            return Ok(());
        }
        node = map
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
        i += 1;
    }
    Err(err("--set variant.NAME needs a key after the name".into())
        .fix("e.g. --set variant.flood.search.ttl=5"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn override_values_are_toml_or_strings() {
        assert_eq!(parse_override("a.b=5").unwrap().value, json!(5));
        assert_eq!(parse_override("a=0.5").unwrap().value, json!(0.5));
        assert_eq!(parse_override("a=[1, 2]").unwrap().value, json!([1, 2]));
        assert_eq!(parse_override("a=hello").unwrap().value, json!("hello"));
        assert_eq!(
            parse_override("a={ kind = \"constant\", ms = 20 }")
                .unwrap()
                .value,
            json!({"kind": "constant", "ms": 20})
        );
        assert!(parse_override("novalue").is_err());
        assert!(parse_override("a..b=1").is_err());
    }

    #[test]
    fn overrides_address_variants_by_name() {
        let mut tree = json!({"network": {"nodes": 10},
            "variant": [{"name": "a", "search": {"ttl": 1}}, {"name": "b", "search": {"ttl": 2}}]});
        apply(
            &mut tree,
            &parse_override("variant.b.search.ttl=9").unwrap(),
        )
        .unwrap();
        apply(&mut tree, &parse_override("network.nodes=20").unwrap()).unwrap();
        assert_eq!(tree["variant"][1]["search"]["ttl"], json!(9));
        assert_eq!(tree["variant"][0]["search"]["ttl"], json!(1));
        assert_eq!(tree["network"]["nodes"], json!(20));
        let e = apply(
            &mut tree,
            &parse_override("variant.zz.search.ttl=1").unwrap(),
        )
        .unwrap_err();
        assert!(e.fix.unwrap().contains("a, b"));
        assert!(apply(&mut tree, &parse_override("network.nodes.x=1").unwrap()).is_err());
    }

    #[test]
    fn error_paths_name_variants() {
        let names = vec![Some("flood".to_string())];
        assert_eq!(
            pretty_path("variant[0].search.ttl", &names),
            "variant.flood.search.ttl"
        );
        assert_eq!(pretty_path("network.nodes", &names), "network.nodes");
        assert_eq!(pretty_path(".", &names), "(top level)");
    }
}
