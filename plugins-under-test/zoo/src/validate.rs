//! The checks a correct plugin makes before acting, for the zoo plugins that
//! have no delegate to make them (`drops-prevresult`): without them such a
//! plugin would carry more defects than the one it is meant to show.

use crate::Call;

/// CNI error codes used here (SPEC.md §6 "Error").
const INCOMPATIBLE_VERSION: u32 = 1;
const INVALID_ENVIRONMENT: u32 = 4;
const DECODE: u32 = 6;

/// Why a request is refused: a CNI error code and its message.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: u32,
    pub msg: String,
}

impl Refusal {
    fn new(code: u32, msg: String) -> Refusal {
        Refusal { code, msg }
    }
}

/// Check the verb, the configuration's decoding and version, and the
/// environment the verb needs. VERSION needs nothing but the verb.
pub fn request(call: &Call, supported: &[&str]) -> Result<(), Refusal> {
    request_using(call, supported, &[])
}

/// [`request`] for a plugin that never uses the variables in `unused`
/// (a pass-through meta plugin needs no interface name or container ID):
/// it neither requires nor checks them.
pub fn request_using(call: &Call, supported: &[&str], unused: &[&str]) -> Result<(), Refusal> {
    let required: &[&str] = match call.verb.as_str() {
        "VERSION" => return Ok(()),
        "ADD" | "CHECK" => &["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"],
        "DEL" => &["CNI_CONTAINERID", "CNI_IFNAME"],
        other => {
            return Err(Refusal::new(
                INVALID_ENVIRONMENT,
                format!("unknown CNI_COMMAND {other:?}"),
            ))
        }
    };
    if !matches!(call.conf, Some(serde_json::Value::Object(_))) {
        return Err(Refusal::new(
            DECODE,
            "cannot decode the network configuration on stdin as a JSON object".into(),
        ));
    }
    match call.version() {
        Some(v) if supported.contains(&v) => {}
        other => {
            return Err(Refusal::new(
                INCOMPATIBLE_VERSION,
                format!(
                    "incompatible CNI versions: config is {other:?}, plugin supports {supported:?}"
                ),
            ))
        }
    }
    let required: Vec<&str> = required
        .iter()
        .copied()
        .filter(|k| !unused.contains(k))
        .collect();
    environment(&required, |key| {
        if unused.contains(&key) {
            // Checked as if valid: the plugin never reads it.
            return Some(
                if key == "CNI_IFNAME" {
                    "eth0"
                } else {
                    "unused"
                }
                .into(),
            );
        }
        std::env::var(key).ok()
    })
}

/// The environment part of [`request`], over any variable lookup.
fn environment(required: &[&str], get: impl Fn(&str) -> Option<String>) -> Result<(), Refusal> {
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|k| get(k).is_none_or(|v| v.is_empty()))
        .collect();
    if !missing.is_empty() {
        return Err(Refusal::new(
            INVALID_ENVIRONMENT,
            format!(
                "required environment variables missing: {}",
                missing.join(", ")
            ),
        ));
    }
    let id = get("CNI_CONTAINERID").unwrap_or_default();
    if !container_id_ok(&id) {
        return Err(Refusal::new(
            INVALID_ENVIRONMENT,
            format!("CNI_CONTAINERID {id:?} must start alphanumeric and hold only [A-Za-z0-9_.-]"),
        ));
    }
    let ifname = get("CNI_IFNAME").unwrap_or_default();
    if !ifname_ok(&ifname) {
        return Err(Refusal::new(
            INVALID_ENVIRONMENT,
            format!("CNI_IFNAME {ifname:?} is not a valid interface name (at most 15 bytes, no '/', ':' or whitespace)"),
        ));
    }
    Ok(())
}

/// SPEC.md §2: alphanumeric first, then `[A-Za-z0-9_.-]`.
fn container_id_ok(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// What the kernel accepts as a link name (IFNAMSIZ less the NUL).
pub fn ifname_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 15
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == ':' || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    const ADD: &[&str] = &["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"];

    #[test]
    fn missing_and_empty_variables_are_named() {
        let e =
            environment(ADD, env(&[("CNI_CONTAINERID", ""), ("CNI_IFNAME", "eth0")])).unwrap_err();
        assert_eq!(e.code, INVALID_ENVIRONMENT);
        assert!(e.msg.contains("CNI_CONTAINERID, CNI_NETNS"), "{}", e.msg);
    }

    #[test]
    fn bad_names_are_refused() {
        let ok = [("CNI_CONTAINERID", "c1"), ("CNI_NETNS", "/n")];
        for bad in ["this-name-is-too-long0", "bad/name", "bad name", "a:b"] {
            let vars = [ok[0], ok[1], ("CNI_IFNAME", bad)];
            assert!(environment(ADD, env(&vars)).is_err(), "{bad}");
        }
        let vars = [
            ("CNI_CONTAINERID", "-bad/id"),
            ok[1],
            ("CNI_IFNAME", "eth0"),
        ];
        assert!(environment(ADD, env(&vars)).is_err());
        let vars = [ok[0], ok[1], ("CNI_IFNAME", "net1")];
        assert_eq!(environment(ADD, env(&vars)), Ok(()));
    }
}
