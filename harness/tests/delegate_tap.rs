//! The delegate tap records every binary a plugin runs itself, with what it
//! was given and answered, and leaves the plugins the runtime runs (and
//! what they answer) as they are.

mod common;

use cni_harness::config::NetworkConfig;
use cni_harness::invoke::{Attachment, DelegateTap, Runtime};
use cni_harness::sandbox::Sandbox;
use cni_harness::spec::Verb;

fn config() -> NetworkConfig {
    NetworkConfig::from_value(
        serde_json::json!({
            "cniVersion": "1.0.0",
            "name": "h-tap",
            "plugins": [{
                "type": "cni-zoo-check-never-fails",
                "bridge": "cni-h0",
                "isGateway": true,
                "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.88.0.0/24"}]]}
            }]
        }),
        "test",
    )
    .expect("config")
}

#[test]
fn delegate_calls_are_recorded_with_their_caller() {
    require_root!();
    let sandbox = Sandbox::new().expect("sandbox");
    let cni_path = vec![common::bin_dir(), common::debian_cni_dir()];
    let tap = DelegateTap::new(&sandbox, &cni_path).expect("tap");
    let rt = Runtime::new(&sandbox, cni_path.clone()).tapped(&tap);
    let net = config();
    let att = Attachment::new("cnih-tap", "eth0");

    let add = rt.add(&net, &att).expect("ADD runs");
    assert!(add.succeeded(), "{}", add.summary());
    // The runtime ran the plugin under test itself, not through a shim.
    assert_eq!(add.steps.len(), 1);
    assert_eq!(
        add.steps[0].invocation.plugin,
        common::bin_dir().join("cni-zoo-check-never-fails")
    );
    let calls = tap.calls();
    let seen: Vec<(String, Option<Verb>, Option<String>)> = calls
        .iter()
        .map(|c| (c.binary.clone(), c.verb, c.caller.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            ("bridge".to_string(), Some(Verb::Add), None),
            (
                "host-local".to_string(),
                Some(Verb::Add),
                Some("bridge".to_string())
            ),
        ],
        "{calls:#?}"
    );
    let bridge = &calls[0];
    assert_eq!(bridge.path, common::debian_cni_dir().join("bridge"));
    assert!(bridge.exit.success());
    assert_eq!(bridge.env_var("CNI_CONTAINERID"), Some("cnih-tap"));
    assert_eq!(
        bridge
            .stdin_json()
            .and_then(|v| v["cniVersion"].as_str().map(String::from)),
        Some("1.0.0".into())
    );
    // What the delegate answered is what the plugin passed on.
    assert_eq!(
        bridge.reply().result(),
        add.result(),
        "the wrapper forwards bridge's result"
    );

    tap.clear().expect("clear");
    let del = rt.del(&net, &att).expect("DEL runs");
    assert!(del.succeeded(), "{}", del.summary());
    let verbs: Vec<(String, Option<Verb>)> = tap
        .calls()
        .iter()
        .map(|c| (c.binary.clone(), c.verb))
        .collect();
    assert_eq!(
        verbs,
        [
            ("bridge".to_string(), Some(Verb::Del)),
            ("host-local".to_string(), Some(Verb::Del))
        ]
    );
}
