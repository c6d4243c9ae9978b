//! Network configurations as a runtime reads them: a configuration list
//! (`.conflist`) or a single plugin configuration (`.conf`, pre-1.0 only),
//! and the per-plugin stdin that libcni derives from them.

mod json_type;
mod list_keys;
pub mod node;
pub mod profile;
mod stdin;
pub mod surroundings;
pub mod validate;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

pub(crate) use json_type::json_type;

use crate::spec::SpecVersion;

pub use profile::{subject_index_in, Needs, Profile, Role, RuntimeOverrides, REFERENCE_PROFILE};
pub use stdin::{ipam_stdin, plugin_stdin, valid_attachments, StdinFor};
pub use surroundings::Surroundings;

/// Where a network configuration came from and how it was shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A configuration list with a `plugins` array.
    List,
    /// A single plugin configuration (`type` at the top level).
    Single,
}

/// A network configuration, normalised to a list of plugin configurations.
///
/// Plugin objects are kept as raw JSON: the harness passes through whatever
/// fields the user (or the fuzzer) put there, exactly as libcni does.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkConfig {
    pub shape: Shape,
    pub name: String,
    /// The version the runtime runs the list at and injects into every
    /// plugin's stdin: `cniVersion` as written, or with `cniVersions` the
    /// highest of both that the runtime implements (libcni 1.2+). May be a
    /// version unknown to the harness.
    pub cni_version: String,
    /// 1.1.0 `cniVersions` list as written (only lists carry it).
    pub cni_versions: Vec<String>,
    /// `disableCheck`: the runtime sends no CHECK (lists only).
    pub disable_check: bool,
    /// `disableGC`: the runtime sends no GC (lists only).
    pub disable_gc: bool,
    pub plugins: Vec<Map<String, Value>>,
    /// The document as given.
    pub raw: Value,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read network configuration {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("network configuration {origin} is not valid JSON: {source}")]
    Json {
        origin: String,
        source: serde_json::Error,
    },
    #[error("network configuration {origin}: {problem}")]
    Invalid { origin: String, problem: String },
}

impl NetworkConfig {
    /// Read and parse a `.conf` or `.conflist` file.
    pub fn load(path: &Path) -> Result<NetworkConfig, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&bytes, &path.display().to_string())
    }

    /// Parse a configuration from bytes; `origin` names it in errors.
    pub fn parse(bytes: &[u8], origin: &str) -> Result<NetworkConfig, ConfigError> {
        let raw: Value = serde_json::from_slice(bytes).map_err(|source| ConfigError::Json {
            origin: origin.to_string(),
            source,
        })?;
        Self::from_value(raw, origin)
    }

    pub fn from_value(raw: Value, origin: &str) -> Result<NetworkConfig, ConfigError> {
        let invalid = |problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            problem,
        };
        let top = raw
            .as_object()
            .ok_or_else(|| invalid("top level must be a JSON object".into()))?;
        let name = match top.get("name") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::String(_)) => return Err(invalid("field `name` is empty".into())),
            Some(other) => {
                return Err(invalid(format!(
                    "field `name` must be a string, found {}",
                    json_type(other)
                )))
            }
            None => return Err(invalid("missing required field `name`".into())),
        };
        let declared = match top.get("cniVersion") {
            Some(Value::String(s)) => Some(s.as_str()),
            Some(other) => {
                return Err(invalid(format!(
                    "field `cniVersion` must be a string, found {}",
                    json_type(other)
                )))
            }
            None => None,
        };

        let (shape, plugins) = match (top.get("plugins"), top.get("type")) {
            (Some(Value::Array(list)), _) => {
                let mut plugins = Vec::with_capacity(list.len());
                for (i, p) in list.iter().enumerate() {
                    let obj = p
                        .as_object()
                        .ok_or_else(|| invalid(format!("`plugins[{i}]` must be an object")))?;
                    match obj.get("type") {
                        Some(Value::String(t)) if valid_plugin_type(t) => {}
                        Some(Value::String(t)) => {
                            return Err(invalid(format!(
                                "`plugins[{i}].type` {t:?} is not a plugin binary name"
                            )))
                        }
                        _ => {
                            return Err(invalid(format!(
                                "`plugins[{i}]` is missing the string field `type`"
                            )))
                        }
                    }
                    plugins.push(obj.clone());
                }
                if plugins.is_empty() {
                    return Err(invalid("`plugins` is empty".into()));
                }
                (Shape::List, plugins)
            }
            (Some(other), _) => {
                return Err(invalid(format!(
                    "field `plugins` must be an array, found {}",
                    json_type(other)
                )))
            }
            (None, Some(Value::String(t))) if valid_plugin_type(t) => {
                (Shape::Single, vec![top.clone()])
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "field `type` must name a plugin binary (no `/`)".into(),
                ))
            }
            (None, None) => {
                return Err(invalid(
                    "neither `plugins` (configuration list) nor `type` (single plugin) present"
                        .into(),
                ))
            }
        };
        // The runtime's own keys belong to lists: libcni turns a single
        // configuration into a list of one without reading them.
        let (cni_version, cni_versions, disable_check, disable_gc) = match shape {
            Shape::List => (
                list_keys::effective_version(declared, top.get("cniVersions")).map_err(&invalid)?,
                string_array(top.get("cniVersions")),
                list_keys::flag(top, "disableCheck").map_err(&invalid)?,
                list_keys::flag(top, "disableGC").map_err(&invalid)?,
            ),
            Shape::Single => (declared.map(str::to_string), Vec::new(), false, false),
        };
        let cni_version =
            cni_version.ok_or_else(|| invalid("missing required field `cniVersion`".into()))?;
        Ok(NetworkConfig {
            shape,
            name,
            cni_version,
            cni_versions,
            disable_check,
            disable_gc,
            plugins,
            raw,
        })
    }

    /// The declared version, if the harness knows it.
    pub fn spec_version(&self) -> Option<SpecVersion> {
        self.cni_version.parse().ok()
    }

    /// `type` of each plugin, in order.
    pub fn plugin_types(&self) -> Vec<String> {
        self.plugins.iter().map(plugin_type).collect()
    }

    /// The same configuration re-declared at another version (the suite runs
    /// one configuration at every version the plugin supports). A
    /// `cniVersions` list goes: it would pick another version when the
    /// document is read again. Every nested `cniVersion` equal to the
    /// configuration's own (inline delegate configurations, as multus's
    /// `delegates`) follows, so the result is a configuration a user would
    /// write at that version: see [`NetworkConfig::at_version_with`].
    pub fn at_version(&self, version: SpecVersion) -> NetworkConfig {
        self.at_version_with(version, true)
    }

    /// [`NetworkConfig::at_version`], with nested versions left as they are
    /// when `nested` is false (a profile's `"rewriteNestedVersions": false`).
    /// A nested `cniVersion` that differs from the configuration's own is
    /// never touched: it was written to differ.
    pub fn at_version_with(&self, version: SpecVersion, nested: bool) -> NetworkConfig {
        let mut copy = self.clone();
        let to = version.to_string();
        // What the user wrote at the top, and what the list settled on.
        let mut from: Vec<String> = vec![self.cni_version.clone()];
        from.extend(
            self.raw
                .get("cniVersion")
                .and_then(Value::as_str)
                .map(str::to_string),
        );
        copy.cni_version = to.clone();
        copy.cni_versions.clear();
        if nested {
            for p in &mut copy.plugins {
                follow_in(p, &from, &to);
            }
            if let Some(obj) = copy.raw.as_object_mut() {
                follow_in(obj, &from, &to);
            }
        }
        if let Some(obj) = copy.raw.as_object_mut() {
            obj.insert("cniVersion".into(), Value::String(to.clone()));
            obj.remove("cniVersions");
        }
        if copy.shape == Shape::Single {
            copy.plugins[0].insert("cniVersion".into(), Value::String(to));
        }
        copy
    }
}

/// Every `cniVersion` string in `map`, at any depth, equal to one of
/// `from` becomes `to`.
fn follow_in(map: &mut Map<String, Value>, from: &[String], to: &str) {
    for (k, inner) in map.iter_mut() {
        match inner {
            Value::String(s) if k == "cniVersion" && from.contains(s) => *s = to.to_string(),
            Value::Object(m) => follow_in(m, from, to),
            Value::Array(items) => {
                for i in items {
                    if let Value::Object(m) = i {
                        follow_in(m, from, to);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `type` of a plugin object (validated at parse time).
pub fn plugin_type(p: &Map<String, Value>) -> String {
    p.get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The `ipam.type` of a plugin's object: the IPAM plugin it delegates to.
pub fn ipam_type(p: &Map<String, Value>) -> Option<&str> {
    p.get("ipam")
        .and_then(|i| i.get("type"))
        .and_then(Value::as_str)
}

/// A plugin type is looked up as a file name in CNI_PATH: no path separators.
fn valid_plugin_type(t: &str) -> bool {
    !t.is_empty() && !t.contains('/') && t != "." && t != ".."
}

/// The strings of a JSON array (other elements, or a non-array, give none).
pub(crate) fn string_array(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_list_and_single() {
        let list = NetworkConfig::parse(
            br#"{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge"},{"type":"tuning"}]}"#,
            "t",
        )
        .expect("list parses");
        assert_eq!(list.shape, Shape::List);
        assert_eq!(list.plugin_types(), ["bridge", "tuning"]);
        let single =
            NetworkConfig::parse(br#"{"cniVersion":"0.3.1","name":"n","type":"ptp"}"#, "t")
                .expect("single parses");
        assert_eq!(single.shape, Shape::Single);
        assert_eq!(single.spec_version(), Some(SpecVersion::V0_3_1));
    }

    #[test]
    fn nested_versions_equal_to_the_configurations_follow_it() {
        let net = NetworkConfig::parse(
            br#"{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"m","delegates":[
                {"cniVersion":"1.0.0","name":"d","type":"bridge"},
                {"cniVersion":"0.3.1","name":"old","type":"ptp"}]}]}"#,
            "t",
        )
        .expect("parses");
        let at = net.at_version(SpecVersion::V0_4_0);
        for doc in [&at.raw["plugins"][0], &Value::Object(at.plugins[0].clone())] {
            assert_eq!(doc["delegates"][0]["cniVersion"], "0.4.0");
            // Written to differ: left alone.
            assert_eq!(doc["delegates"][1]["cniVersion"], "0.3.1");
        }
        let kept = net.at_version_with(SpecVersion::V0_4_0, false);
        assert_eq!(kept.raw["cniVersion"], "0.4.0");
        assert_eq!(
            kept.raw["plugins"][0]["delegates"][0]["cniVersion"],
            "1.0.0"
        );
    }

    #[test]
    fn lists_run_at_the_highest_declared_version() {
        let net = NetworkConfig::parse(
            br#"{"cniVersion":"1.0.0","cniVersions":["1.0.0","1.1.0"],"name":"n","plugins":[{"type":"x"}]}"#,
            "t",
        )
        .expect("parses");
        assert_eq!(net.cni_version, "1.1.0");
        assert_eq!(net.cni_versions, ["1.0.0", "1.1.0"]);
        // Re-declared at a version, the document keeps saying that version.
        let at = net.at_version(SpecVersion::V0_4_0);
        let again = NetworkConfig::from_value(at.raw.clone(), "t").expect("parses");
        assert_eq!(
            (at.cni_version.as_str(), again.cni_version.as_str()),
            ("0.4.0", "0.4.0")
        );
        // cniVersions alone is enough for a list.
        let only = NetworkConfig::parse(
            br#"{"cniVersions":["0.4.0","1.0.0"],"name":"n","plugins":[{"type":"x"}]}"#,
            "t",
        )
        .expect("parses");
        assert_eq!(only.spec_version(), Some(SpecVersion::V1_0_0));
    }

    #[test]
    fn disable_flags_take_booleans_and_strings() {
        let net = NetworkConfig::parse(
            br#"{"cniVersion":"1.1.0","name":"n","disableCheck":"True","disableGC":true,"plugins":[{"type":"x"}]}"#,
            "t",
        )
        .expect("parses");
        assert!(net.disable_check && net.disable_gc);
        let err = NetworkConfig::parse(
            br#"{"cniVersion":"1.1.0","name":"n","disableCheck":"sometimes","plugins":[{"type":"x"}]}"#,
            "t",
        )
        .expect_err("refused")
        .to_string();
        assert!(err.contains("disableCheck"), "{err}");
    }

    #[test]
    fn errors_name_the_problem() {
        let cases: [(&[u8], &str); 5] = [
            (b"{", "not valid JSON"),
            (br#"{"cniVersion":"1.0.0","plugins":[]}"#, "`name`"),
            (br#"{"name":"n","plugins":[{"type":"x"}]}"#, "`cniVersion`"),
            (
                br#"{"cniVersion":"1.0.0","name":"n","plugins":[{}]}"#,
                "plugins[0]",
            ),
            (
                br#"{"cniVersion":"1.0.0","name":"n","type":"../x"}"#,
                "`type`",
            ),
        ];
        for (doc, needle) in cases {
            let err = NetworkConfig::parse(doc, "t")
                .expect_err("must fail")
                .to_string();
            assert!(err.contains(needle), "{err:?} should mention {needle}");
        }
    }
}
