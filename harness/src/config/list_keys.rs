//! The top-level keys of a configuration list that steer the runtime rather
//! than a plugin, read as libcni 1.2+ reads them (`NetworkConfFromBytes`):
//! `cniVersions` (1.1.0) picks the version the list runs at, `disableCheck`
//! and `disableGC` switch verbs off.
//!
//! libcni 1.1.2 (Debian's) knows neither `cniVersions` (it runs the list at
//! `cniVersion`) nor `disableGC`, and takes `disableCheck` only as a boolean.

use serde_json::{Map, Value};

use super::json_type::json_type;

/// A version as libcni's `version.ParseVersion` reads it: up to three
/// dot-separated integers, missing parts zero, `""` meaning 0.1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Loose(i64, i64, i64);

impl Loose {
    fn parse(text: &str) -> Result<Loose, String> {
        if text.is_empty() {
            return Ok(Loose(0, 1, 0));
        }
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() > 3 {
            return Err(format!("{text:?} has more than three parts"));
        }
        let mut n = [0i64; 3];
        for (slot, part) in n.iter_mut().zip(&parts) {
            *slot = part
                .parse()
                .map_err(|_| format!("{text:?}: {part:?} is not a number"))?;
        }
        Ok(Loose(n[0], n[1], n[2]))
    }

    /// The newest version this runtime implements, as libcni's `version.Current()`.
    fn current() -> Loose {
        Loose(1, 1, 0)
    }
}

/// The version the list runs at: `cniVersion`, or, when `cniVersions` is
/// present, the highest of `cniVersion` ∪ `cniVersions` not newer than the
/// runtime's own (libcni drops newer ones silently). Malformed entries are
/// errors, as in libcni. `None` when the list declares no version at all.
pub fn effective_version(
    cni_version: Option<&str>,
    cni_versions: Option<&Value>,
) -> Result<Option<String>, String> {
    let Some(listed) = cni_versions else {
        return Ok(cni_version.map(str::to_string));
    };
    let items = listed.as_array().ok_or_else(|| {
        format!(
            "field `cniVersions` must be an array of version strings, found {}",
            json_type(listed)
        )
    })?;
    let mut usable: Vec<(Loose, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let text = item.as_str().ok_or_else(|| {
            format!(
                "`cniVersions[{i}]` must be a version string, found {}",
                json_type(item)
            )
        })?;
        let v = Loose::parse(text).map_err(|e| format!("`cniVersions[{i}]`: {e}"))?;
        if v <= Loose::current() {
            usable.push((v, text.to_string()));
        }
    }
    if let Some(text) = cni_version.filter(|t| !t.is_empty()) {
        let v = Loose::parse(text).map_err(|e| format!("field `cniVersion`: {e}"))?;
        if v <= Loose::current() {
            usable.push((v, text.to_string()));
        }
    }
    // Highest wins; among equal versions the spelling listed first.
    let mut best: Option<(Loose, String)> = None;
    for (v, text) in usable {
        if best.as_ref().is_none_or(|(b, _)| v > *b) {
            best = Some((v, text));
        }
    }
    Ok(best
        .map(|(_, text)| text)
        .or_else(|| cni_version.map(str::to_string)))
}

/// `disableCheck` / `disableGC`: absent is false; a boolean, or the strings
/// `"true"` / `"false"` in any case, as libcni accepts; anything else is an error.
pub fn flag(top: &Map<String, Value>, key: &str) -> Result<bool, String> {
    match top.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!(
                "field `{key}` must be true or false (a boolean or the string), found {s:?}"
            )),
        },
        Some(other) => Err(format!(
            "field `{key}` must be a boolean, found {}",
            json_type(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pick(version: Option<&str>, versions: Value) -> Result<Option<String>, String> {
        effective_version(version, Some(&versions))
    }

    #[test]
    fn highest_of_both_fields_wins() {
        let got = pick(Some("1.0.0"), json!(["1.0.0", "1.1.0"]));
        assert_eq!(got, Ok(Some("1.1.0".into())));
        let got = pick(Some("1.1.0"), json!(["0.4.0"]));
        assert_eq!(got, Ok(Some("1.1.0".into())));
        let got = pick(None, json!(["0.3.1", "1.0.0", "0.4.0"]));
        assert_eq!(got, Ok(Some("1.0.0".into())));
    }

    #[test]
    fn versions_newer_than_the_runtime_are_ignored() {
        let got = pick(Some("1.0.0"), json!(["1.0.0", "1.2.0", "2.0"]));
        assert_eq!(got, Ok(Some("1.0.0".into())));
        // Nothing usable: libcni keeps cniVersion as written.
        let got = pick(Some("9.0.0"), json!(["3.0.0"]));
        assert_eq!(got, Ok(Some("9.0.0".into())));
    }

    #[test]
    fn without_cni_versions_cni_version_stands() {
        assert_eq!(
            effective_version(Some("0.4.0"), None),
            Ok(Some("0.4.0".into()))
        );
        assert_eq!(effective_version(None, None), Ok(None));
    }

    #[test]
    fn malformed_entries_are_named() {
        let err = pick(Some("1.0.0"), json!(["1.0.0", "one"])).expect_err("bad entry");
        assert!(err.contains("cniVersions[1]"), "{err}");
        let err = pick(Some("1.0.0"), json!(["1.0.0", 7])).expect_err("bad type");
        assert!(err.contains("cniVersions[1]"), "{err}");
        let err = pick(Some("1.0.0"), json!("1.1.0")).expect_err("not an array");
        assert!(err.contains("array"), "{err}");
        let err = pick(Some("1.a"), json!(["1.0.0"])).expect_err("bad cniVersion");
        assert!(err.contains("cniVersion"), "{err}");
    }

    #[test]
    fn flags_take_booleans_and_their_strings() {
        let top = json!({"a": true, "b": "TRUE", "c": "false", "d": "yes", "e": 1});
        let top = top.as_object().expect("object");
        assert_eq!(flag(top, "a"), Ok(true));
        assert_eq!(flag(top, "b"), Ok(true));
        assert_eq!(flag(top, "c"), Ok(false));
        assert_eq!(flag(top, "missing"), Ok(false));
        assert!(flag(top, "d").expect_err("yes").contains("`d`"));
        assert!(flag(top, "e").expect_err("number").contains("a number"));
    }
}
