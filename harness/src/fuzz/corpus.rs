//! The corpus: seed configurations and interesting inputs, one JSON file
//! each. A file is either an [`Input`] document (what the fuzzer writes back)
//! or a network configuration / plugin configuration written by hand
//! (`corpus/<plugin>/*.json`), which becomes an input with the default verbs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value;

use super::input::{fnv1a, Input, INPUT_FORMAT};
use crate::config::{plugin_stdin, NetworkConfig, StdinFor};
use crate::spec::Verb;

/// Read every `*.json` of `dir` (sorted by name, so sessions are
/// deterministic); `index` picks the plugin of a configuration list.
pub fn load(dir: &Path, index: usize) -> anyhow::Result<Vec<Input>> {
    let files = json_files(dir)?;
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).with_context(|| format!("cannot read {}", f.display()))?;
        out.push(from_file(&bytes, index).with_context(|| format!("corpus file {}", f.display()))?);
    }
    Ok(out)
}

fn from_file(bytes: &[u8], index: usize) -> anyhow::Result<Input> {
    let v: Value = serde_json::from_slice(bytes).context("not JSON")?;
    if v.get("format").and_then(Value::as_str) == Some(INPUT_FORMAT) {
        return Ok(serde_json::from_value(v)?);
    }
    // A configuration list or a plugin's own configuration: libcni's stdin
    // for the plugin at `index`, or the document itself.
    let config = match NetworkConfig::from_value(v.clone(), "corpus") {
        Ok(net) if net.plugins.len() > index => {
            let stdin = plugin_stdin(
                &net,
                index,
                StdinFor::Add { prev_result: None },
                &Default::default(),
            );
            serde_json::to_string(&stdin)?
        }
        _ => serde_json::to_string(&v)?,
    };
    Ok(Input::new(config, vec![Verb::Add, Verb::Del]))
}

/// File name of an input in a corpus directory.
pub fn file_name(input: &Input) -> String {
    format!("{:016x}.json", input.content_hash())
}

/// Write `input` into `dir` (idempotent: the name is the content hash).
pub fn save(dir: &Path, input: &Input) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(file_name(input));
    if !path.exists() {
        std::fs::write(&path, serde_json::to_vec_pretty(input)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(path)
}

/// Merge corpus directories (e.g. of shards) into `out`, keeping one file
/// per distinct content: files are compared as parsed JSON, so formatting
/// does not count; their coverage maps are merged too
/// ([`super::guidance::merge_maps`]). Returns how many files `out` received.
pub fn merge_corpora(dirs: &[PathBuf], out: &Path) -> anyhow::Result<usize> {
    let mut unique: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    for dir in dirs {
        let files = json_files(dir)?;
        for f in files {
            let bytes = std::fs::read(&f)?;
            let canonical = match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => serde_json::to_vec(&v)?,
                Err(_) => bytes.clone(),
            };
            unique.entry(fnv1a(&canonical)).or_insert(bytes);
        }
    }
    std::fs::create_dir_all(out)?;
    super::guidance::merge_maps(dirs, out)?;
    let mut written = 0;
    for (hash, bytes) in unique {
        let path = out.join(format!("{hash:016x}.json"));
        if !path.exists() {
            std::fs::write(&path, bytes)?;
            written += 1;
        }
    }
    Ok(written)
}

/// The `*.json` files of a corpus directory, sorted by name so that sessions
/// and merges are deterministic.
fn json_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read corpus directory {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Ok(files)
}
