//! One fuzz input: the exact configuration text the plugin under test reads
//! on stdin, changes to the environment the runtime computes, and the verbs
//! to send in order. Inputs are what the corpus and findings store.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::invoke::EnvEdit;
use crate::spec::{SpecVersion, Verb};

/// Marks an input document in a corpus directory (other files are seed configurations).
pub const INPUT_FORMAT: &str = "cni-harness-fuzz-input";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// Always [`INPUT_FORMAT`].
    pub format: String,
    /// The plugin's stdin for ADD, byte for byte (it may hold duplicated keys
    /// or be no JSON at all); it gets `prevResult` spliced in on CHECK and
    /// DEL, and on ADD when the plugin is chained after others.
    pub config: String,
    /// Applied after the runtime computed the libcni environment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvChange>,
    /// For a plugin chained after others: the `prevResult` its ADD gets
    /// instead of the chain's real result, as text (it may be malformed).
    /// Such an input is judged for robustness only, see [`Input::robustness_only`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_result: Option<String>,
    pub verbs: Vec<Verb>,
}

/// The variables that name an attachment (SPEC.md "Attachment Parameters":
/// container ID and interface name, plus the namespace the ADD configured).
const IDENTITY: [&str; 3] = ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_NETNS"];

/// A serialisable [`EnvEdit`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EnvChange {
    Set(String, String),
    Remove(String),
}

impl EnvChange {
    pub fn to_edit(&self) -> EnvEdit {
        match self {
            EnvChange::Set(k, v) => EnvEdit::Set(k.clone(), v.clone()),
            EnvChange::Remove(k) => EnvEdit::Remove(k.clone()),
        }
    }

    pub fn variable(&self) -> &str {
        match self {
            EnvChange::Set(k, _) | EnvChange::Remove(k) => k,
        }
    }
}

/// The verb sequences the fuzzer sends: the attachment lifecycle plus the
/// orders the spec says plugins must tolerate (repeated DEL, DEL without
/// ADD) or reject cleanly (CHECK after DEL, ADD twice).
pub const SEQUENCES: &[&[Verb]] = &[
    &[Verb::Add, Verb::Del],
    &[Verb::Add, Verb::Check, Verb::Del],
    &[Verb::Add, Verb::Add, Verb::Del],
    &[Verb::Add, Verb::Del, Verb::Del],
    &[Verb::Add, Verb::Del, Verb::Check],
    &[Verb::Del],
];

impl Input {
    pub fn new(config: String, verbs: Vec<Verb>) -> Input {
        Input {
            format: INPUT_FORMAT.to_string(),
            config,
            env: Vec::new(),
            prev_result: None,
            verbs,
        }
    }

    /// The configuration as JSON, if it is JSON.
    pub fn config_value(&self) -> Option<Value> {
        serde_json::from_str(&self.config).ok()
    }

    /// Whether only the robustness oracles (crash, panic, hang, garbage) and
    /// the re-check judge this input. A replaced prevResult describes a
    /// chain that is not the one in the kernel, so results and leftovers
    /// judged against the kernel would blame the plugin for the fuzzer's own
    /// mismatch.
    pub fn robustness_only(&self) -> bool {
        self.prev_result.is_some()
    }

    /// The declared `cniVersion`, when it is one the harness knows.
    pub fn spec_version(&self) -> Option<SpecVersion> {
        self.config_value()?
            .get("cniVersion")?
            .as_str()?
            .parse()
            .ok()
    }

    pub fn env_edits(&self) -> Vec<EnvEdit> {
        self.env.iter().map(EnvChange::to_edit).collect()
    }

    /// The edits that change which attachment the verbs address. The
    /// runtime's cleanup DEL must repeat them, as libcni's DEL repeats the
    /// ADD's runtime configuration: without them it deletes an attachment
    /// the ADD never made, and what the ADD did make looks leaked.
    pub fn identity_edits(&self) -> Vec<EnvEdit> {
        self.env
            .iter()
            .filter(|c| IDENTITY.contains(&c.variable()))
            .map(EnvChange::to_edit)
            .collect()
    }

    /// The value the input gives `var` (empty when it removes it), if it
    /// changes it at all; the last edit wins, as when they are applied.
    pub fn env_value(&self, var: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|c| c.variable() == var)
            .map(|c| match c {
                EnvChange::Set(_, v) => v.as_str(),
                EnvChange::Remove(_) => "",
            })
    }

    /// Stdin with `prev` as `prevResult`: the chain's result on ADD (SPEC.md
    /// "Chained plugins"), the ADD result on CHECK and DEL ("CHECK", "DEL",
    /// from 0.4.0). Spliced into the text, so that whatever else the text
    /// holds (duplicated keys, odd spacing) reaches the plugin unchanged.
    pub fn stdin_with(&self, prev: Option<&str>) -> Vec<u8> {
        let Some(prev) = prev else {
            return self.config.clone().into_bytes();
        };
        let text = self.config.trim_start();
        let Some(rest) = text.strip_prefix('{') else {
            return self.config.clone().into_bytes();
        };
        let comma = if rest.trim_start().starts_with('}') {
            ""
        } else {
            ","
        };
        format!("{{\"prevResult\":{prev}{comma}{rest}").into_bytes()
    }

    /// Stable content hash, the identity of corpus entries.
    pub fn content_hash(&self) -> u64 {
        fnv1a(serde_json::to_string(self).unwrap_or_default().as_bytes())
    }
}

/// FNV-1a, 64 bit: stable across runs and Rust releases (std's hasher is
/// not), which file names and shard assignment rely on.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_edits_keep_only_what_names_the_attachment() {
        let mut input = Input::new("{}".into(), vec![Verb::Add]);
        input.env = vec![
            EnvChange::Set("CNI_IFNAME".into(), "net1".into()),
            EnvChange::Set("CNI_PATH".into(), "relative/dir".into()),
            EnvChange::Remove("CNI_CONTAINERID".into()),
            EnvChange::Set("CNI_IFNAME".into(), "br104".into()),
        ];
        assert_eq!(
            input.identity_edits(),
            vec![
                EnvEdit::Set("CNI_IFNAME".into(), "net1".into()),
                EnvEdit::Remove("CNI_CONTAINERID".into()),
                EnvEdit::Set("CNI_IFNAME".into(), "br104".into()),
            ]
        );
        assert_eq!(input.env_value("CNI_IFNAME"), Some("br104"));
        assert_eq!(input.env_value("CNI_CONTAINERID"), Some(""));
        assert_eq!(input.env_value("CNI_NETNS"), None);
    }

    #[test]
    fn prev_result_is_spliced_into_the_text() {
        let input = Input::new(r#"{"a":1,"a":2}"#.into(), vec![Verb::Add, Verb::Del]);
        let prev = serde_json::json!({"cniVersion": "1.0.0"});
        let del = String::from_utf8(input.stdin_with(Some(&prev.to_string()))).expect("utf8");
        assert_eq!(del, r#"{"prevResult":{"cniVersion":"1.0.0"},"a":1,"a":2}"#);
        let empty = Input::new("{ }".into(), vec![Verb::Del]);
        let del = String::from_utf8(empty.stdin_with(Some(&prev.to_string()))).expect("utf8");
        assert!(serde_json::from_str::<Value>(&del).is_ok(), "{del}");
        assert_eq!(input.stdin_with(None), input.config.as_bytes());
    }
}
