//! Structure-aware mutation of an [`Input`]: edits of the configuration's
//! JSON tree (realistic values, type confusion, boundary numbers, odd
//! strings, missing required and added unknown fields, deep nesting, wrong
//! versions), edits of its text (duplicated keys, truncation), of the
//! environment (odd `CNI_IFNAME`, `CNI_CONTAINERID`, `CNI_NETNS`, `CNI_ARGS`)
//! and of the verb sequence.

use arbitrary::{Arbitrary, Result, Unstructured};
use serde_json::{json, Map, Value};

use super::input::{EnvChange, Input, SEQUENCES};
use super::values::{self, CidrText, CniVersion, IfName, Ip, Mac};

/// Random bytes consumed per generated input.
pub const BYTES_PER_INPUT: usize = 4096;

/// One step into a JSON tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Every node below the root, parents before children.
pub fn paths(v: &Value) -> Vec<Vec<Seg>> {
    let mut out = Vec::new();
    let mut stack = vec![(Vec::new(), v)];
    while let Some((path, node)) = stack.pop() {
        let children: Vec<(Seg, &Value)> = match node {
            Value::Object(m) => m.iter().map(|(k, c)| (Seg::Key(k.clone()), c)).collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, c)| (Seg::Index(i), c))
                .collect(),
            _ => Vec::new(),
        };
        for (seg, child) in children.into_iter().rev() {
            let mut p: Vec<Seg> = path.clone();
            p.push(seg);
            out.push(p.clone());
            stack.push((p, child));
        }
    }
    out
}

pub fn get_mut<'v>(v: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    path.iter().try_fold(v, |node, seg| match (seg, node) {
        (Seg::Key(k), Value::Object(m)) => m.get_mut(k),
        (Seg::Index(i), Value::Array(a)) => a.get_mut(*i),
        _ => None,
    })
}

/// Remove the node at `path`; false when there is none.
pub fn remove(v: &mut Value, path: &[Seg]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match (get_mut(v, parent), last) {
        (Some(Value::Object(m)), Seg::Key(k)) => m.shift_remove(k).is_some(),
        (Some(Value::Array(a)), Seg::Index(i)) if *i < a.len() => {
            a.remove(*i);
            true
        }
        _ => false,
    }
}

/// A mutated copy of `seed`, every choice drawn from `u`.
pub fn mutate(seed: &Input, u: &mut Unstructured<'_>) -> Result<Input> {
    mutate_with(seed, None, u)
}

/// A mutated copy of `seed`, every choice drawn from `u`; `other` (another
/// corpus entry) may give it some of its configuration's fields.
///
/// Mostly one dimension at a time: the documents (7 in 10), the
/// environment or the verbs (1 in 10 each), several (1 in 10). An input kept for what an odd environment did (an error path)
/// passes its environment edits on to every mutation of it, and most such
/// edits stop the plugin before it reads its configuration: so a mutation
/// of the documents also drops the inherited edits half of the time (back
/// to the environment the runtime computes), and an environment mutation
/// removes an edit as often as it adds one. Otherwise a corpus grown by
/// error paths would keep its configurations out of the plugin's reach.
/// Splicing (AFL's splice, libFuzzer's cross-over) joins what two entries
/// found separately: one field's value that reached some code, another's
/// that reached other code.
pub fn mutate_with(seed: &Input, other: Option<&Input>, u: &mut Unstructured<'_>) -> Result<Input> {
    let mut out = seed.clone();
    match u.int_in_range(0..=9u8)? {
        // The documents, in the runtime's environment as often as not.
        0..=6 => {
            if !out.env.is_empty() && u.ratio(1, 2)? {
                out.env.clear();
            }
            let spliced = match other {
                Some(o) if u.ratio(1, 4)? => splice(&mut out, o, u)?,
                _ => false,
            };
            if !spliced || u.ratio(1, 2)? {
                let base = out.clone();
                mutate_documents(&mut out, &base, u)?;
            }
        }
        // The environment alone: one edit more, or one less.
        7 => {
            if !out.env.is_empty() && u.ratio(1, 2)? {
                let i = u.choose_index(out.env.len())?;
                out.env.remove(i);
            } else {
                out.env.push(env_change(u)?);
            }
        }
        // The verbs alone.
        8 => out.verbs = u.choose(SEQUENCES)?.to_vec(),
        // Several at once.
        _ => {
            mutate_documents(&mut out, seed, u)?;
            if u.ratio(1, 2)? {
                out.env.push(env_change(u)?);
            }
            if u.ratio(1, 2)? {
                out.verbs = u.choose(SEQUENCES)?.to_vec();
            }
        }
    }
    Ok(out)
}

/// One to three top-level fields of `other`'s configuration copied into
/// `out`'s (both JSON objects); false when there is nothing to copy.
fn splice(out: &mut Input, other: &Input, u: &mut Unstructured<'_>) -> Result<bool> {
    let (Ok(Value::Object(mut mine)), Ok(Value::Object(theirs))) = (
        serde_json::from_str::<Value>(&out.config),
        serde_json::from_str::<Value>(&other.config),
    ) else {
        return Ok(false);
    };
    // Fields whose value differs: copying an equal one changes nothing.
    let keys: Vec<&String> = theirs
        .iter()
        .filter(|(k, v)| mine.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    if keys.is_empty() {
        return Ok(false);
    }
    for _ in 0..u.int_in_range(1..=3)? {
        let k = *u.choose(&keys)?;
        mine.insert(k.clone(), theirs[k].clone());
    }
    out.config = serde_json::to_string(&Value::Object(mine)).unwrap_or_default();
    Ok(true)
}

/// The configuration, or (for a chained plugin, which parses its
/// prevResult as much as its configuration) the prevResult.
fn mutate_documents(out: &mut Input, seed: &Input, u: &mut Unstructured<'_>) -> Result<()> {
    match &seed.prev_result {
        Some(prev) if u.ratio(1, 2)? => out.prev_result = Some(mutate_document(prev, u)?),
        _ => out.config = mutate_document(&seed.config, u)?,
    }
    Ok(())
}

/// A JSON document with one to three tree mutations, and now and then (or
/// when it is no JSON) a textual one.
fn mutate_document(text: &str, u: &mut Unstructured<'_>) -> Result<String> {
    let parsed = serde_json::from_str::<Value>(text).ok();
    let mut out = text.to_string();
    if let Some(mut tree) = parsed.clone() {
        for _ in 0..u.int_in_range(1..=3)? {
            mutate_tree(&mut tree, u)?;
        }
        out = serde_json::to_string(&tree).unwrap_or(out);
    }
    if u.ratio(1, 10)? || parsed.is_none() {
        out = mutate_text(&out, u)?;
    }
    Ok(out)
}

/// Fields whose absence plugins must report (SPEC.md "Network configuration").
const REQUIRED: [&str; 4] = ["cniVersion", "name", "type", "ipam"];
/// Fields worth adding where a plugin may read them.
const KNOWN_KEYS: [&str; 10] = [
    "mtu",
    "bridge",
    "mac",
    "vlan",
    "isGateway",
    "ipMasq",
    "hairpinMode",
    "master",
    "mode",
    "gateway",
];

fn mutate_tree(tree: &mut Value, u: &mut Unstructured<'_>) -> Result<()> {
    let all = paths(tree);
    let pick = |u: &mut Unstructured<'_>| -> Result<Option<Vec<Seg>>> {
        if all.is_empty() {
            return Ok(None);
        }
        Ok(Some(u.choose(&all)?.clone()))
    };
    match u.int_in_range(0..=10)? {
        // A realistic value for a field the plugin reads: one present (of
        // those with realistic values), or one added.
        0..=2 => {
            if u.ratio(2, 3)? {
                let mut valued = Vec::new();
                for p in &all {
                    if let Some(Seg::Key(k)) = p.last() {
                        if values::has_realistic_values(k) {
                            valued.push(p.clone());
                        }
                    }
                }
                if !valued.is_empty() {
                    let path = u.choose(&valued)?.clone();
                    if let Some(Seg::Key(k)) = path.last() {
                        if let Some(v) = values::for_key(k, u)? {
                            set(tree, &path, v);
                            return Ok(());
                        }
                    }
                }
            }
            let key = *u.choose(&KNOWN_KEYS)?;
            if let Some(v) = values::for_key(key, u)? {
                if let Some(obj) = random_object(tree, u)? {
                    obj.insert(key.to_string(), v);
                }
            }
        }
        3 => {
            if let Some(path) = pick(u)? {
                if let Some(node) = get_mut(tree, &path) {
                    *node = confuse_type(node, u)?;
                }
            }
        }
        4 => {
            if let Some(path) = pick(u)? {
                set(tree, &path, values::boundary_number(u)?);
            }
        }
        5 => {
            if let Some(path) = pick(u)? {
                set(tree, &path, json!(values::odd_string(u)?));
            }
        }
        6 => {
            let required: Vec<Vec<Seg>> = all
                .iter()
                .filter(|p| matches!(p.last(), Some(Seg::Key(k)) if REQUIRED.contains(&k.as_str())))
                .cloned()
                .collect();
            let path = if !required.is_empty() && u.ratio(1, 2)? {
                Some(u.choose(&required)?.clone())
            } else {
                pick(u)?
            };
            if let Some(path) = path {
                remove(tree, &path);
            }
        }
        7 => {
            let key = if u.ratio(1, 2)? {
                format!("fuzzUnknown{}", u.int_in_range(0..=99u8)?)
            } else {
                values::odd_string(u)?
            };
            let v = values::any_value(u)?;
            if let Some(obj) = random_object(tree, u)? {
                obj.insert(key, v);
            }
        }
        8 => {
            if let Some(path) = pick(u)? {
                if let Some(node) = get_mut(tree, &path) {
                    let depth = *u.choose(&[2usize, 32, 129, 200])?;
                    let as_array = u.arbitrary::<bool>()?;
                    let mut v = node.take();
                    for _ in 0..depth {
                        v = if as_array {
                            json!([v])
                        } else {
                            json!({ "n": v })
                        };
                    }
                    *node = v;
                }
            }
        }
        9 => {
            let arrays: Vec<Vec<Seg>> = all
                .iter()
                .filter(|p| matches!(get_mut(&mut tree.clone(), p), Some(Value::Array(_))))
                .cloned()
                .collect();
            if !arrays.is_empty() {
                let path = u.choose(&arrays)?.clone();
                let op = u.int_in_range(0..=2)?;
                if let Some(Value::Array(a)) = get_mut(tree, &path) {
                    match op {
                        0 => a.clear(),
                        1 if !a.is_empty() => a.push(a[0].clone()),
                        _ if !a.is_empty() => {
                            a.pop();
                        }
                        _ => a.push(Value::Null),
                    }
                }
            }
        }
        _ => {
            if let Some(obj) = tree.as_object_mut() {
                obj.insert("cniVersion".into(), json!(CniVersion::arbitrary(u)?.0));
            }
        }
    }
    Ok(())
}

fn set(tree: &mut Value, path: &[Seg], v: Value) {
    if let Some(node) = get_mut(tree, path) {
        *node = v;
    }
}

/// The root object or one of the objects below it.
fn random_object<'v>(
    tree: &'v mut Value,
    u: &mut Unstructured<'_>,
) -> Result<Option<&'v mut Map<String, Value>>> {
    let objects: Vec<Vec<Seg>> = std::iter::once(Vec::new())
        .chain(paths(tree))
        .filter(|p| matches!(get_mut(&mut tree.clone(), p), Some(Value::Object(_))))
        .collect();
    if objects.is_empty() {
        return Ok(None);
    }
    let path = u.choose(&objects)?.clone();
    Ok(get_mut(tree, &path).and_then(Value::as_object_mut))
}

/// The same information in another JSON type (`"1500"` for `1500`,
/// `"true"` for `true`, a list for an object...), or another type outright.
fn confuse_type(v: &Value, u: &mut Unstructured<'_>) -> Result<Value> {
    let other = match v {
        Value::Number(n) => json!(n.to_string()),
        Value::Bool(b) => json!(b.to_string()),
        Value::String(s) => match s.parse::<f64>() {
            Ok(n) => json!(n),
            Err(_) => json!([s]),
        },
        Value::Array(a) => a.first().cloned().unwrap_or(json!({})),
        Value::Object(m) => Value::Array(m.values().cloned().collect()),
        Value::Null => json!(""),
    };
    if u.ratio(1, 3)? {
        let any = values::any_value(u)?;
        if std::mem::discriminant(&any) != std::mem::discriminant(v) {
            return Ok(any);
        }
    }
    Ok(other)
}

/// Edits only text can express: duplicated keys (which value a plugin
/// honours is up to its JSON library), truncation, stray bytes.
fn mutate_text(text: &str, u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 => {
            let key = match serde_json::from_str::<Map<String, Value>>(text) {
                Ok(m) if !m.is_empty() => {
                    let keys: Vec<&String> = m.keys().collect();
                    (*u.choose(&keys)?).clone()
                }
                _ => "cniVersion".to_string(),
            };
            let v = values::any_value(u)?;
            match text.trim_start().strip_prefix('{') {
                Some(rest) => format!("{{{}:{v},{rest}", json!(key)),
                None => text.to_string(),
            }
        }
        1 => {
            let chars: Vec<char> = text.chars().collect();
            let cut = u.int_in_range(0..=chars.len())?;
            chars[..cut].iter().collect()
        }
        2 => format!("\u{feff}{text}"),
        _ => format!("{text}{}", u.choose(&["}", " garbage", "\n{}", "\0"])?),
    })
}

/// Odd values for the variables libcni sets (SPEC.md "Parameters").
fn env_change(u: &mut Unstructured<'_>) -> Result<EnvChange> {
    const VARS: [&str; 5] = [
        "CNI_IFNAME",
        "CNI_CONTAINERID",
        "CNI_NETNS",
        "CNI_ARGS",
        "CNI_PATH",
    ];
    let var = *u.choose(&VARS)?;
    if u.ratio(1, 6)? {
        return Ok(EnvChange::Remove(var.to_string()));
    }
    let value = match var {
        "CNI_IFNAME" => IfName::arbitrary(u)?.0,
        "CNI_CONTAINERID" => u
            .choose(&[
                "",
                "-abc",
                "a b",
                "ü",
                "a/b",
                "..",
                "c:1",
                "_x",
                &"c".repeat(300),
            ])?
            .to_string(),
        // Never a real namespace: the plugin would configure it.
        "CNI_NETNS" => u
            .choose(&[
                "",
                "/nonexistent/netns",
                "/dev/null",
                "/proc/self/ns/net",
                "/run",
                "ns",
            ])?
            .to_string(),
        "CNI_ARGS" if u.ratio(1, 2)? => runtime_args(u)?,
        "CNI_ARGS" => u
            .choose(&[
                "a",
                "=",
                ";;;",
                "K=V;K",
                "IgnoreUnknown=1;FOO=bar",
                "IP=10.0.0.999",
                "MAC=zz",
                "IgnoreUnknown=true;IP=10.0.0.5",
                &format!("K8S_POD_NAME={}", "p".repeat(5000)),
            ])?
            .to_string(),
        _ => u.choose(&["", "/nonexistent", "relative/dir"])?.to_string(),
    };
    Ok(EnvChange::Set(var.to_string(), value))
}

/// `CNI_ARGS` as runtimes write it: Kubernetes' pod identity (with
/// `IgnoreUnknown`, as CRI runtimes send it or not), and the keys plugins
/// read (`IP=` as an address or a CIDR, several of them, `MAC=`), with
/// realistic and near-miss values.
fn runtime_args(u: &mut Unstructured<'_>) -> Result<String> {
    let mut parts = Vec::new();
    if u.ratio(3, 4)? {
        parts.push("IgnoreUnknown=1".to_string());
    }
    if u.ratio(1, 2)? {
        parts.push("K8S_POD_NAMESPACE=default".to_string());
        // An environment value cannot hold a NUL byte: no runtime can send one.
        let name = values::odd_string(u)?.replace('\0', "");
        parts.push(format!("K8S_POD_NAME={name}"));
        parts.push("K8S_POD_INFRA_CONTAINER_ID=fuzz".to_string());
    }
    if u.ratio(2, 3)? {
        let ip = match u.int_in_range(0..=3)? {
            0 | 1 => CidrText::arbitrary(u)?.0,
            2 => Ip::arbitrary(u)?.0,
            _ => format!("{},{}", Ip::arbitrary(u)?.0, CidrText::arbitrary(u)?.0),
        };
        parts.push(format!("IP={ip}"));
    }
    if u.ratio(1, 3)? {
        parts.push(format!("MAC={}", Mac::arbitrary(u)?.0));
    }
    Ok(parts.join(";"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::rng::Rng;
    use crate::spec::Verb;

    #[test]
    fn mutations_stay_deterministic_and_vary() {
        let seed = Input::new(
            r#"{"cniVersion":"1.0.0","name":"n","type":"bridge","bridge":"cni0","ipam":{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}]]}}"#.into(),
            vec![Verb::Add, Verb::Del],
        );
        let gen = |i| {
            let bytes = Rng::for_iteration(7, i).bytes(BYTES_PER_INPUT);
            mutate(&seed, &mut Unstructured::new(&bytes)).expect("mutation")
        };
        let first: Vec<Input> = (0..50).map(gen).collect();
        let again: Vec<Input> = (0..50).map(gen).collect();
        assert_eq!(first, again);
        let distinct: std::collections::HashSet<&Input> = first.iter().collect();
        assert!(
            distinct.len() > 40,
            "only {} distinct inputs",
            distinct.len()
        );
        assert!(first.iter().any(|i| i != &seed));
    }

    #[test]
    fn runtime_arguments_look_like_a_runtime_s_and_never_hold_nul() {
        let all: Vec<String> = (0..400)
            .map(|i| {
                let bytes = Rng::for_iteration(11, i).bytes(BYTES_PER_INPUT);
                runtime_args(&mut Unstructured::new(&bytes)).expect("args")
            })
            .collect();
        assert!(all.iter().all(|a| !a.contains('\0')));
        assert!(all.iter().any(|a| a.contains("IP=")));
        assert!(all.iter().any(|a| a.contains("K8S_POD_NAME=")));
        assert!(all.iter().any(|a| a.contains("MAC=")));
    }

    #[test]
    fn a_chained_seed_has_its_prev_result_mutated_too() {
        let mut seed = Input::new(
            r#"{"cniVersion":"1.0.0","name":"n","type":"tuning","mtu":1400}"#.into(),
            vec![Verb::Add, Verb::Del],
        );
        seed.prev_result = Some(
            r#"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"address":"10.1.0.2/24","interface":0}]}"#
                .into(),
        );
        let inputs: Vec<Input> = (0..60)
            .map(|i| {
                let bytes = Rng::for_iteration(3, i).bytes(BYTES_PER_INPUT);
                mutate(&seed, &mut Unstructured::new(&bytes)).expect("mutation")
            })
            .collect();
        let prev_changed = inputs
            .iter()
            .filter(|i| i.prev_result != seed.prev_result)
            .count();
        let config_changed = inputs.iter().filter(|i| i.config != seed.config).count();
        assert!(
            prev_changed > 10,
            "prevResult mutated in {prev_changed} of 60"
        );
        assert!(
            config_changed > 10,
            "config mutated in {config_changed} of 60"
        );
        // One document at a time: a mutated prevResult keeps the configuration.
        assert!(inputs
            .iter()
            .filter(|i| i.prev_result != seed.prev_result)
            .all(|i| i.config == seed.config));
    }
}
