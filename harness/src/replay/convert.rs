//! A capture turned into something the harness runs again: a fuzz seed
//! (the attachment's verbs with the recorded configuration, see
//! `fuzz::corpus`) or a regression profile (the recorded configuration as
//! a profile, see `plugins-under-test/profiles/`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::{json, Map, Value};

use super::record::Captured;
use super::run::runtime_calls;
use crate::config::Profile;
use crate::fuzz::{corpus, EnvChange, Input};
use crate::spec::Verb;

/// The stdin of a capture as a JSON object, if it is one.
fn stdin_object(c: &Captured) -> Option<Map<String, Value>> {
    let bytes = c.stdin.to_vec().ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(o) => Some(o),
        _ => None,
    }
}

/// The first ADD the runtime made, and every ADD, CHECK and DEL it sent
/// the same plugin for the same attachment, in order.
fn first_attachment(captures: &[Captured]) -> anyhow::Result<(Vec<&Captured>, &Captured)> {
    let (calls, _) = runtime_calls(captures);
    let add = *calls
        .iter()
        .find(|c| c.verb() == Ok(Verb::Add))
        .context("the capture holds no ADD to make a seed or profile of")?;
    let same = |c: &&&Captured| {
        c.plugin_type() == add.plugin_type()
            && ["CNI_CONTAINERID", "CNI_IFNAME"]
                .iter()
                .all(|k| c.env_var(k) == add.env_var(k))
            && matches!(c.verb(), Ok(Verb::Add | Verb::Check | Verb::Del))
    };
    let seq: Vec<&Captured> = calls.iter().filter(same).copied().collect();
    Ok((seq, add))
}

/// The capture's first attachment as a fuzz input: the ADD's stdin (byte
/// for byte unless it carries a `prevResult`, which becomes the input's
/// own), its `CNI_ARGS`, and the verbs sent for it. Returns the file written.
pub fn to_seed(captures: &[Captured], dir: &Path) -> anyhow::Result<PathBuf> {
    let (seq, add) = first_attachment(captures)?;
    let verbs: Vec<Verb> = seq.iter().filter_map(|c| c.verb().ok()).collect();
    let stdin = add
        .stdin
        .to_vec()
        .map_err(|e| anyhow::anyhow!("capture {}: {e}", add.seq))?;
    let text = String::from_utf8(stdin)
        .map_err(|_| anyhow::anyhow!("capture {}: stdin is not text", add.seq))?;
    let mut input = Input::new(text, verbs);
    if let Some(mut obj) = stdin_object(add) {
        if let Some(prev) = obj.remove("prevResult") {
            input.config = serde_json::to_string(&obj)?;
            input.prev_result = Some(prev.to_string());
        }
    }
    if let Some(args) = add.env_var("CNI_ARGS").filter(|a| !a.is_empty()) {
        input
            .env
            .push(EnvChange::Set("CNI_ARGS".into(), args.into()));
    }
    corpus::save(dir, &input)
}

/// The capture's configuration as a profile: the plugins ADD ran for the
/// first attachment, in order (each stdin without what the runtime adds:
/// `name`, `cniVersion`, `prevResult`, `runtimeConfig`); the last is the
/// plugin under test. The recorded `runtimeConfig` becomes the capability
/// arguments; the CNI path is the recorded one with the shim's directory
/// replaced by the real plugins'.
pub fn to_profile(captures: &[Captured], file: &Path) -> anyhow::Result<()> {
    let (calls, _) = runtime_calls(captures);
    let (_, add) = first_attachment(captures)?;
    let first = stdin_object(add).with_context(|| {
        format!(
            "capture {}: the ADD's stdin is not a JSON object, so no configuration",
            add.seq
        )
    })?;
    let same_attachment = |c: &&Captured| {
        c.verb() == Ok(Verb::Add)
            && ["CNI_CONTAINERID", "CNI_IFNAME"]
                .iter()
                .all(|k| c.env_var(k) == add.env_var(k))
    };
    let mut plugins: Vec<Value> = Vec::new();
    let mut types: Vec<String> = Vec::new();
    let mut cni_path: Vec<PathBuf> = Vec::new();
    for c in calls.iter().copied().filter(same_attachment) {
        let Some(mut obj) = stdin_object(c) else {
            continue;
        };
        let ty = obj.get("type").and_then(Value::as_str).unwrap_or_default();
        if types.iter().any(|t| t == ty) {
            continue;
        }
        types.push(ty.to_string());
        for k in ["name", "cniVersion", "prevResult", "runtimeConfig"] {
            obj.remove(k);
        }
        plugins.push(Value::Object(obj));
        let shim_dir = c.invoked_as.parent().map(Path::to_path_buf);
        if let Some(real) = c.plugin.parent() {
            cni_path.push(real.to_path_buf());
        }
        for d in c.env_var("CNI_PATH").unwrap_or_default().split(':') {
            if !d.is_empty() && Some(PathBuf::from(d)) != shim_dir {
                cni_path.push(PathBuf::from(d));
            }
        }
    }
    let mut unique = Vec::new();
    for d in cni_path {
        if !unique.contains(&d) {
            unique.push(d);
        }
    }
    let name = first.get("name").cloned().unwrap_or(json!("replayed"));
    let mut needs = Map::new();
    if let Some(ifname) = add.env_var("CNI_IFNAME").filter(|i| *i != "eth0") {
        needs.insert("ifname".into(), json!(ifname));
    }
    if let Some(Value::Object(rc)) = first.get("runtimeConfig") {
        if !rc.is_empty() {
            needs.insert("capabilityArgs".into(), Value::Object(rc.clone()));
        }
    }
    let doc = json!({
        "profile": format!("replay-{}", name.as_str().unwrap_or("replayed")),
        "description": format!("made by `cni-harness replay --to-profile` from capture {}", add.seq),
        "plugin": types.last().cloned().unwrap_or_default(),
        "role": if types.len() > 1 { "meta" } else { "main" },
        "cniPath": unique,
        "needs": needs,
        "config": {
            "cniVersion": first.get("cniVersion").cloned().unwrap_or(json!("1.0.0")),
            "name": name,
            "plugins": plugins,
        }
    });
    let bytes = serde_json::to_vec_pretty(&doc)?;
    // What is written must load as a profile.
    Profile::parse(&bytes, &file.display().to_string())?;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(file, bytes).with_context(|| format!("cannot write {}", file.display()))
}
