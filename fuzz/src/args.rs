//! `CNI_ARGS` and the `CNI_*` environment: the harness writes them, the
//! reference kit reads them.

use std::path::{Path, PathBuf};

use cni_harness::invoke::env::{build, EnvInputs};
use cni_harness::invoke::{CniArgs, EnvStyle};
use cni_harness::spec::{SpecVersion, Verb};
use cni_plugin_kit::env::{parse_args, validate_container_id, validate_ifname, Env};

/// Input: `CNI_ARGS` text, then optionally `\n` container ID `\n` ifname.
///
/// - the harness's and the kit's `CNI_ARGS` readers agree, and render → parse
///   is the identity;
/// - the environment the harness builds (libcni style) for any verb is read
///   back by the kit with the same container ID, ifname and arguments;
/// - the kit never accepts an environment its own validators reject.
pub fn cni_args(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let raw_args = parts.next().unwrap_or_default();
    let container_id = parts.next().unwrap_or("c1");
    let ifname = parts.next().unwrap_or("eth0");

    let ours = CniArgs::parse(raw_args);
    let kit = parse_args(raw_args);
    let args = match (ours, kit) {
        (Ok(a), Ok(k)) => {
            assert_eq!(a.0, k, "harness and kit split CNI_ARGS differently");
            assert_eq!(
                CniArgs::parse(&a.render()),
                Ok(a.clone()),
                "render round trip"
            );
            a
        }
        (Err(_), Err(_)) => return,
        (a, k) => panic!("{raw_args:?}: harness {a:?}, kit {k:?}"),
    };

    let cni_path = [PathBuf::from("/opt/cni/bin")];
    for verb in Verb::ALL {
        let inputs = EnvInputs {
            verb,
            version: Some(SpecVersion::LATEST),
            container_id,
            netns: Some(Path::new("/run/netns/fuzz")),
            ifname,
            args: &args,
            cni_path: &cni_path,
        };
        let env = build(EnvStyle::Libcni, &inputs, &[]);
        let lookup = |k: &str| env.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let read = Env::from_lookup(lookup);
        let per_container = matches!(verb, Verb::Add | Verb::Del | Verb::Check);
        let valid = validate_container_id(container_id).is_ok() && validate_ifname(ifname).is_ok();
        match read {
            Ok(e) => {
                assert_eq!(e.verb.as_str(), verb.as_str());
                if per_container {
                    assert!(valid, "kit accepted {container_id:?} / {ifname:?}");
                    assert_eq!(e.container_id(), container_id);
                    assert_eq!(e.ifname(), ifname);
                    assert_eq!(e.args, args.0);
                }
            }
            Err(e) => {
                assert_eq!(e.code, 4, "{e:?}");
                // libcni-style env for a valid attachment must be readable
                // (an empty ifname is valid to the validator but unset to the
                // reader, which then reports it missing).
                assert!(
                    per_container && (!valid || ifname.is_empty()),
                    "kit rejected a valid {verb} env: {e:?}"
                );
            }
        }
    }
}
