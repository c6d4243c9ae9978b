//! Saved findings: `<out>/findings/<oracle>-<signature hash>.json`, holding
//! everything needed to understand and replay one defect.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::execute::Execution;
use super::input::{fnv1a, Input};
use super::oracles::Detection;
use super::target::TargetRecord;
use crate::invoke::Step;
use crate::record::{FindingRecord, InvocationRecord, Oracle};

/// One saved finding of the session.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundDefect {
    pub file: PathBuf,
    pub finding: FindingFile,
    /// Inputs that fired this signature (the first one included).
    pub hits: u64,
}

pub const FINDING_FORMAT: &str = "cni-harness-fuzz-finding";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingFile {
    pub format: String,
    pub oracle: Oracle,
    pub signature: String,
    pub summary: String,
    pub reproduce: String,
    pub target: TargetRecord,
    /// The smallest input found that still shows the defect.
    pub input: Input,
    /// The input as the fuzzer first hit it.
    pub original_input: Input,
    /// Every plugin execution of the (minimised) input, cleanup DEL and re-check included.
    pub invocations: Vec<InvocationRecord>,
    /// Kernel and state-directory changes left by the input.
    pub kernel_diff: String,
    /// The binary whose invocations the input drove (its `type`): the one
    /// that misbehaved. Empty in findings saved before it was recorded.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub plugin: String,
}

/// `crash-1a2b3c4d5e6f7a8b.json`
pub fn file_name(detection: &Detection) -> String {
    format!(
        "{}-{:016x}.json",
        detection.oracle,
        fnv1a(detection.signature().as_bytes())
    )
}

/// The file of a finding of another binary of the chain than the subject:
/// `panic-ipam-0-static-1a2b3c4d5e6f7a8b.json`.
pub fn file_name_in(detection: &Detection, target: &str) -> String {
    format!(
        "{}-{target}-{:016x}.json",
        detection.oracle,
        fnv1a(format!("{target}|{}", detection.signature()).as_bytes())
    )
}

impl FindingFile {
    pub fn new(
        detection: &Detection,
        target: TargetRecord,
        input: Input,
        original: Input,
        ex: &Execution,
        path: &Path,
    ) -> FindingFile {
        FindingFile {
            format: FINDING_FORMAT.into(),
            oracle: detection.oracle,
            signature: detection.signature(),
            summary: detection.summary.clone(),
            reproduce: format!("cni-harness fuzz --reproduce {}", path.display()),
            target,
            input,
            original_input: original,
            invocations: ex
                .steps
                .iter()
                .chain(&ex.extra_steps)
                .map(Step::record)
                .collect(),
            kernel_diff: ex.kernel_diff.clone(),
            plugin: String::new(),
        }
    }

    pub fn load(path: &Path) -> anyhow::Result<FindingFile> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read finding {}", path.display()))?;
        let f: FindingFile = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a cni-harness fuzz finding", path.display()))?;
        anyhow::ensure!(
            f.format == FINDING_FORMAT,
            "{}: format is {:?}, expected {FINDING_FORMAT:?}",
            path.display(),
            f.format
        );
        Ok(f)
    }

    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// The entry for the results JSON.
    pub fn to_result(&self, file: &Path, out: &Path) -> FindingRecord {
        let rel: PathBuf = file.strip_prefix(out).unwrap_or(file).to_path_buf();
        FindingRecord {
            id: rel
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default(),
            oracle: self.oracle,
            signature: self.signature.clone(),
            summary: self.summary.clone(),
            reproduce: self.reproduce.clone(),
            file: rel.display().to_string(),
            plugin: Some(self.plugin.clone()).filter(|p| !p.is_empty()),
        }
    }
}
