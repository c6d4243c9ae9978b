//! The `CNI_*` environment for each verb and version.

use std::path::PathBuf;

use crate::spec::{SpecVersion, Verb};

/// `PATH` given to plugins: fixed, so runs reproduce whatever the harness's own environment.
pub const PLUGIN_PATH_ENV: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What libcni's VERSION probe puts in `CNI_NETNS`, `CNI_IFNAME` and `CNI_PATH`.
pub const VERSION_PROBE_DUMMY: &str = "dummy";

/// How the `CNI_*` variables are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EnvStyle {
    /// As libcni does: all six variables always set, empty where unused
    /// (plugins built on Go's skel expect this); VERSION gets `dummy` for
    /// `CNI_NETNS`, `CNI_IFNAME` and `CNI_PATH`.
    #[default]
    Libcni,
    /// Only the variables SPEC.md requires or allows for the verb.
    SpecMinimal,
}

/// `CNI_ARGS`: `K=V;K=V`. In profiles and results it is that string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CniArgs(pub Vec<(String, String)>);

impl CniArgs {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// These arguments with `over`'s on top: a key in both keeps its place
    /// and takes `over`'s value; `over`'s other keys follow in their order.
    /// (Runtime-wide arguments under a user's, under a case's own.)
    pub fn overlay(&self, over: &CniArgs) -> CniArgs {
        let mut out = self.0.clone();
        for (k, v) in &over.0 {
            match out.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1 = v.clone(),
                None => out.push((k.clone(), v.clone())),
            }
        }
        CniArgs(out)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn parse(s: &str) -> Result<CniArgs, String> {
        let mut out = Vec::new();
        for pair in s.split(';').filter(|p| !p.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| format!("CNI_ARGS entry {pair:?} is not KEY=VALUE"))?;
            if k.is_empty() {
                return Err(format!("CNI_ARGS entry {pair:?} has an empty key"));
            }
            out.push((k.to_string(), v.to_string()));
        }
        Ok(CniArgs(out))
    }

    pub fn render(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";")
    }
}

impl serde::Serialize for CniArgs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.render())
    }
}

impl<'de> serde::Deserialize<'de> for CniArgs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        CniArgs::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A deliberate change to the computed environment (conformance cases and
/// the fuzzer use these to send missing or malformed variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvEdit {
    Set(String, String),
    Remove(String),
}

/// The per-invocation inputs of the environment.
#[derive(Debug, Clone)]
pub struct EnvInputs<'a> {
    pub verb: Verb,
    /// Parsed `cniVersion` of the configuration, if known.
    pub version: Option<SpecVersion>,
    pub container_id: &'a str,
    /// `None`: no namespace (network-wide verbs, or the namespace is gone):
    /// sent empty in libcni's style, not sent in the spec's for DEL.
    pub netns: Option<&'a std::path::Path>,
    pub ifname: &'a str,
    pub args: &'a CniArgs,
    pub cni_path: &'a [PathBuf],
}

/// Build the full environment for one plugin execution.
pub fn build(style: EnvStyle, inp: &EnvInputs<'_>, edits: &[EnvEdit]) -> Vec<(String, String)> {
    let cni_path = inp
        .cni_path
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":");
    let netns = inp
        .netns
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let mut env = vec![("PATH".to_string(), PLUGIN_PATH_ENV.to_string())];
    let mut set = |k: &str, v: String| env.push((k.to_string(), v));
    set("CNI_COMMAND", inp.verb.as_str().to_string());
    match style {
        // libcni's VERSION probe (`invoke.GetVersionInfo`) fills in what
        // plugins built on an older skel insist on.
        EnvStyle::Libcni if inp.verb == Verb::Version => {
            set("CNI_CONTAINERID", String::new());
            set("CNI_NETNS", VERSION_PROBE_DUMMY.into());
            set("CNI_ARGS", String::new());
            set("CNI_IFNAME", VERSION_PROBE_DUMMY.into());
            set("CNI_PATH", VERSION_PROBE_DUMMY.into());
        }
        EnvStyle::Libcni => {
            let per_container = matches!(inp.verb, Verb::Add | Verb::Del | Verb::Check);
            let pick = |v: String| if per_container { v } else { String::new() };
            set("CNI_CONTAINERID", pick(inp.container_id.to_string()));
            set("CNI_NETNS", pick(netns));
            set("CNI_ARGS", pick(inp.args.render()));
            set("CNI_IFNAME", pick(inp.ifname.to_string()));
            set("CNI_PATH", cni_path);
        }
        EnvStyle::SpecMinimal => {
            if matches!(inp.verb, Verb::Add | Verb::Del | Verb::Check) {
                set("CNI_CONTAINERID", inp.container_id.to_string());
                // NETNS is optional for DEL.
                if inp.verb != Verb::Del || inp.netns.is_some() {
                    set("CNI_NETNS", netns);
                }
                set("CNI_IFNAME", inp.ifname.to_string());
                if !inp.args.0.is_empty() {
                    set("CNI_ARGS", inp.args.render());
                }
            }
            set("CNI_PATH", cni_path);
        }
    }
    if inp.version.is_some_and(SpecVersion::has_version_env) {
        set("CNI_VERSION", SpecVersion::V0_1_0.to_string());
    }
    for edit in edits {
        match edit {
            EnvEdit::Set(k, v) => match env.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1 = v.clone(),
                None => env.push((k.clone(), v.clone())),
            },
            EnvEdit::Remove(k) => env.retain(|(key, _)| key != k),
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(verb: Verb, version: SpecVersion) -> EnvInputs<'static> {
        static ARGS: CniArgs = CniArgs(Vec::new());
        EnvInputs {
            verb,
            version: Some(version),
            container_id: "c1",
            netns: Some(std::path::Path::new("/run/netns/x")),
            ifname: "eth0",
            args: &ARGS,
            cni_path: &[],
        }
    }

    fn keys(env: &[(String, String)]) -> Vec<&str> {
        env.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn cni_version_only_at_0_1_0() {
        let e = build(
            EnvStyle::Libcni,
            &inputs(Verb::Add, SpecVersion::V0_1_0),
            &[],
        );
        assert!(keys(&e).contains(&"CNI_VERSION"));
        let e = build(
            EnvStyle::Libcni,
            &inputs(Verb::Add, SpecVersion::V0_2_0),
            &[],
        );
        assert!(!keys(&e).contains(&"CNI_VERSION"));
    }

    #[test]
    fn minimal_style_follows_the_verb() {
        let e = build(
            EnvStyle::SpecMinimal,
            &inputs(Verb::Gc, SpecVersion::V1_1_0),
            &[],
        );
        assert_eq!(keys(&e), ["PATH", "CNI_COMMAND", "CNI_PATH"]);
        let e = build(
            EnvStyle::Libcni,
            &inputs(Verb::Status, SpecVersion::V1_1_0),
            &[],
        );
        assert_eq!(value(&e, "CNI_CONTAINERID"), Some(""));
    }

    fn value<'e>(env: &'e [(String, String)], key: &str) -> Option<&'e str> {
        env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn version_probe_sends_libcni_dummies() {
        let e = build(
            EnvStyle::Libcni,
            &inputs(Verb::Version, SpecVersion::V1_1_0),
            &[],
        );
        let got: Vec<(&str, &str)> = e.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            [
                ("PATH", PLUGIN_PATH_ENV),
                ("CNI_COMMAND", "VERSION"),
                ("CNI_CONTAINERID", ""),
                ("CNI_NETNS", "dummy"),
                ("CNI_ARGS", ""),
                ("CNI_IFNAME", "dummy"),
                ("CNI_PATH", "dummy"),
            ]
        );
    }

    #[test]
    fn a_gone_namespace_is_sent_empty_or_not_at_all() {
        let mut inp = inputs(Verb::Del, SpecVersion::V1_0_0);
        inp.netns = None;
        let e = build(EnvStyle::Libcni, &inp, &[]);
        assert_eq!(value(&e, "CNI_NETNS"), Some(""));
        let e = build(EnvStyle::SpecMinimal, &inp, &[]);
        assert_eq!(value(&e, "CNI_NETNS"), None);
    }

    #[test]
    fn edits_apply_last() {
        let edits = [
            EnvEdit::Remove("CNI_IFNAME".into()),
            EnvEdit::Set("CNI_NETNS".into(), "/x".into()),
        ];
        let e = build(
            EnvStyle::Libcni,
            &inputs(Verb::Add, SpecVersion::V1_0_0),
            &edits,
        );
        assert!(!keys(&e).contains(&"CNI_IFNAME"));
        assert!(e.contains(&("CNI_NETNS".to_string(), "/x".to_string())));
    }

    #[test]
    fn cni_args_round_trip_and_reject_garbage() {
        let a = CniArgs::parse("IgnoreUnknown=1;K8S_POD_NAME=p").expect("valid");
        assert_eq!(a.render(), "IgnoreUnknown=1;K8S_POD_NAME=p");
        assert!(CniArgs::parse("novalue").is_err());
    }

    #[test]
    fn overlay_lets_the_later_keys_win_in_place() {
        let base = CniArgs::parse("IgnoreUnknown=1;K8S_POD_NAME=a").expect("valid");
        let user = CniArgs::parse("K8S_POD_NAME=b;X=y").expect("valid");
        assert_eq!(
            base.overlay(&user).render(),
            "IgnoreUnknown=1;K8S_POD_NAME=b;X=y"
        );
        assert_eq!(CniArgs::default().overlay(&user), user);
    }
}
