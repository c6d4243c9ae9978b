//! The `CNI_*` environment (SPEC.md "Parameters"), read and validated per verb.

use std::path::PathBuf;

use crate::error::CniError;

/// A CNI operation, as passed in `CNI_COMMAND`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Add,
    Del,
    Check,
    Version,
    Status,
    Gc,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Add => "ADD",
            Verb::Del => "DEL",
            Verb::Check => "CHECK",
            Verb::Version => "VERSION",
            Verb::Status => "STATUS",
            Verb::Gc => "GC",
        }
    }

    fn parse(s: &str) -> Option<Verb> {
        [
            Verb::Add,
            Verb::Del,
            Verb::Check,
            Verb::Version,
            Verb::Status,
            Verb::Gc,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// The validated environment of one invocation. Fields a verb does not need
/// are `None` (or empty) even when set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    pub verb: Verb,
    pub container_id: Option<String>,
    pub netns: Option<PathBuf>,
    pub ifname: Option<String>,
    /// `CNI_ARGS` split into pairs, in order.
    pub args: Vec<(String, String)>,
    /// `CNI_PATH` split on `:`, empty entries dropped.
    pub path: Vec<PathBuf>,
}

/// Linux `IFNAMSIZ` - 1.
const MAX_IFNAME: usize = 15;

impl Env {
    /// Read from the process environment.
    pub fn from_process() -> Result<Env, CniError> {
        Env::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read through `get` (tests pass a map). Which variables are required per
    /// verb follows SPEC.md "Parameters" for 1.x: ADD/CHECK need CONTAINERID,
    /// NETNS, IFNAME; DEL needs CONTAINERID, IFNAME; GC needs PATH.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Env, CniError> {
        let nonempty = |k: &str| get(k).filter(|v| !v.is_empty());
        let command =
            nonempty("CNI_COMMAND").ok_or_else(|| CniError::env("CNI_COMMAND is not set"))?;
        let verb = Verb::parse(&command).ok_or_else(|| {
            CniError::env(format!(
                "CNI_COMMAND {command:?} is not one of ADD, DEL, CHECK, VERSION, STATUS, GC"
            ))
        })?;
        let needs = |k: &str, verbs: &[Verb]| -> Result<Option<String>, CniError> {
            match nonempty(k) {
                Some(v) => Ok(Some(v)),
                None if verbs.contains(&verb) => Err(CniError::env(format!(
                    "{k} is required for {} but not set",
                    verb.as_str()
                ))),
                None => Ok(None),
            }
        };
        let container_id = needs("CNI_CONTAINERID", &[Verb::Add, Verb::Del, Verb::Check])?;
        if let Some(id) = &container_id {
            validate_container_id(id)?;
        }
        let netns = needs("CNI_NETNS", &[Verb::Add, Verb::Check])?.map(PathBuf::from);
        let ifname = needs("CNI_IFNAME", &[Verb::Add, Verb::Del, Verb::Check])?;
        if let Some(name) = &ifname {
            validate_ifname(name)?;
        }
        let args = parse_args(&get("CNI_ARGS").unwrap_or_default())?;
        let path = needs("CNI_PATH", &[Verb::Gc])?
            .map(|p| {
                p.split(':')
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Env {
            verb,
            container_id,
            netns,
            ifname,
            args,
            path,
        })
    }

    /// A required field, for verbs where `from_lookup` guaranteed it.
    pub fn container_id(&self) -> &str {
        self.container_id.as_deref().unwrap_or("")
    }

    pub fn ifname(&self) -> &str {
        self.ifname.as_deref().unwrap_or("")
    }

    /// The value of `K` in `CNI_ARGS`.
    pub fn arg(&self, key: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// SPEC.md: container ID "must have only alphanumeric characters, hyphens,
/// underscores and periods", starting with an alphanumeric.
pub fn validate_container_id(id: &str) -> Result<(), CniError> {
    let mut chars = id.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if first_ok && rest_ok {
        Ok(())
    } else {
        Err(CniError::env(format!(
            "CNI_CONTAINERID {id:?} is invalid: must start alphanumeric, then only [A-Za-z0-9_.-]"
        )))
    }
}

/// Linux interface names: at most 15 bytes, no '/', ':' or whitespace, not "." / "..".
pub fn validate_ifname(name: &str) -> Result<(), CniError> {
    let problem = if name.len() > MAX_IFNAME {
        Some(format!("longer than {MAX_IFNAME} characters"))
    } else if name == "." || name == ".." {
        Some("is . or ..".to_string())
    } else if name
        .chars()
        .any(|c| c == '/' || c == ':' || c.is_whitespace())
    {
        Some("contains '/', ':' or whitespace".to_string())
    } else {
        None
    };
    match problem {
        Some(p) => Err(CniError::env(format!(
            "CNI_IFNAME {name:?} is invalid: {p}"
        ))),
        None => Ok(()),
    }
}

/// `CNI_ARGS`: `K=V;K=V`. Empty items are tolerated; an item without `=` is code 4.
pub fn parse_args(raw: &str) -> Result<Vec<(String, String)>, CniError> {
    raw.split(';')
        .filter(|item| !item.is_empty())
        .map(|item| match item.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(CniError::env(format!(
                "CNI_ARGS item {item:?} is not of the form KEY=VALUE"
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Result<Env, CniError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Env::from_lookup(|k| m.get(k).cloned())
    }

    const ADD: [(&str, &str); 5] = [
        ("CNI_COMMAND", "ADD"),
        ("CNI_CONTAINERID", "abc-1.2_3"),
        ("CNI_NETNS", "/run/netns/x"),
        ("CNI_IFNAME", "eth0"),
        ("CNI_PATH", "/opt/cni/bin::/usr/lib/cni"),
    ];

    #[test]
    fn valid_add_env() {
        let e = env(&ADD).unwrap();
        assert_eq!(e.verb, Verb::Add);
        assert_eq!(e.path.len(), 2);
        assert_eq!(e.ifname(), "eth0");
    }

    #[test]
    fn missing_variables_are_named() {
        for missing in ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"] {
            let pairs: Vec<_> = ADD.iter().copied().filter(|(k, _)| *k != missing).collect();
            let e = env(&pairs).unwrap_err();
            assert_eq!(e.code, 4);
            assert!(e.msg.contains(missing), "{}", e.msg);
        }
        let e = env(&[("CNI_COMMAND", "GC")]).unwrap_err();
        assert!(e.msg.contains("CNI_PATH"));
        assert!(env(&[("CNI_COMMAND", "STATUS")]).is_ok());
        assert!(env(&[("CNI_COMMAND", "VERSION")]).is_ok());
        assert_eq!(env(&[("CNI_COMMAND", "FOO")]).unwrap_err().code, 4);
        assert_eq!(env(&[]).unwrap_err().code, 4);
    }

    #[test]
    fn del_does_not_need_netns() {
        let e = env(&[
            ("CNI_COMMAND", "DEL"),
            ("CNI_CONTAINERID", "c1"),
            ("CNI_IFNAME", "eth0"),
        ])
        .unwrap();
        assert_eq!(e.netns, None);
    }

    #[test]
    fn container_id_rules() {
        assert!(validate_container_id("a").is_ok());
        assert!(validate_container_id("0abc_.-Z").is_ok());
        for bad in ["", "-a", ".a", "a/b", "a b", "é"] {
            assert!(validate_container_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ifname_rules() {
        assert!(validate_ifname("eth0").is_ok());
        assert!(validate_ifname("123456789012345").is_ok());
        for bad in ["1234567890123456", "a/b", "a:b", "a b", ".", ".."] {
            assert!(validate_ifname(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn args_parse() {
        assert_eq!(
            parse_args("IgnoreUnknown=1;K8S_POD_NAME=x;").unwrap(),
            vec![
                ("IgnoreUnknown".into(), "1".into()),
                ("K8S_POD_NAME".into(), "x".into())
            ]
        );
        assert!(parse_args("novalue").is_err());
        assert!(parse_args("=v").is_err());
    }
}
