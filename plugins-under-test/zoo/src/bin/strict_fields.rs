//! Defect: every top-level configuration key the bridge does not define is
//! refused with code 2, `args` included, and the message names neither the
//! key nor its value. Refusing unknown fields is allowed (CONF-2, a MAY:
//! a warning), but code 2 must name key and value (ERR-4: a failure of
//! `config/unknown-fields`), and `args` should be ignored (ARGS-1: a
//! warning of `config/args-ignored`).

use cni_zoo::{fail, Call};

/// CNI error code for an unsupported configuration field.
const UNSUPPORTED_FIELD: u32 = 2;

/// The keys of Debian's bridge configuration, and those the protocol adds.
const KNOWN: [&str; 27] = [
    "cniVersion",
    "name",
    "type",
    "capabilities",
    "runtimeConfig",
    "prevResult",
    "bridge",
    "isGateway",
    "isDefaultGateway",
    "forceAddress",
    "ipMasq",
    "ipMasqBackend",
    "mtu",
    "hairpinMode",
    "ipam",
    "dns",
    "promiscMode",
    "vlan",
    "vlanTrunk",
    "preserveDefaultVlan",
    "macspoofchk",
    "enabledad",
    "disableContainerInterface",
    "portIsolation",
    "mac",
    "dataDir",
    "cniVersions",
];

fn main() {
    let call = Call::read();
    let unknown = call
        .conf
        .as_ref()
        .and_then(|c| c.as_object())
        .and_then(|o| {
            o.keys()
                .find(|k| !KNOWN.contains(&k.as_str()) && !k.starts_with("cni.dev/"))
                .cloned()
        });
    if matches!(call.verb.as_str(), "ADD" | "CHECK") && unknown.is_some() {
        fail(
            &call.version_or_default(),
            UNSUPPORTED_FIELD,
            "unsupported field in the network configuration",
        )
    }
    call.forward().finish()
}
