//! Real plugin output against the schemas: Debian's Go `bridge` (with
//! `host-local`) driven through the harness at 0.2.0, 0.3.1, 0.4.0 and 1.0.0.
//! Every document on the wire must validate: the config the harness sends,
//! the ADD result, host-local's IPAM result, the error of a repeated ADD and
//! the VERSION answer. Needs root (it creates namespaces and links).

mod common;

use cni_harness::config::Profile;
use cni_harness::invoke::{Attachment, Runtime};
use cni_harness::sandbox::Sandbox;
use cni_harness::schema::{validate, DocumentKind};
use cni_harness::{SpecVersion, Verb};
use serde_json::Value;

const VERSIONS: [SpecVersion; 4] = [
    SpecVersion::V0_2_0,
    SpecVersion::V0_3_1,
    SpecVersion::V0_4_0,
    SpecVersion::V1_0_0,
];

fn assert_valid(version: SpecVersion, kind: DocumentKind, doc: &Value) {
    if let Err(e) = validate(version, kind, doc) {
        panic!("{kind} at {version} rejected: {e}\n{doc:#}");
    }
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("harness wrote JSON on stdin")
}

#[test]
fn debian_bridge_documents_validate_at_each_version() {
    require_root!();
    let cni_dir = common::debian_cni_dir();
    let profile_path = common::repo_root().join("plugins-under-test/profiles/debian/bridge.json");
    let profile = Profile::load(&profile_path).expect("profile loads");

    for version in VERSIONS {
        let sandbox = Sandbox::new().expect("sandbox");
        let rt = Runtime::new(&sandbox, vec![cni_dir.clone()]);
        let net = profile.config.at_version(version);
        let att = Attachment::new("c1", "eth0");

        let add = rt.add(&net, &att).expect("ADD runs");
        let step = add.last().expect("one plugin ran");
        let sent = json(&step.invocation.stdin);
        assert_valid(version, DocumentKind::Config, &sent);
        let result = add
            .result()
            .unwrap_or_else(|| panic!("ADD at {version} failed: {}", step.reply.summary()));
        assert_valid(version, DocumentKind::Result, result);

        // The delegated IPAM plugin, run directly on the same configuration.
        let ipam = cni_dir.join("host-local");
        let ipam_att = Attachment::new("c2", "eth0");
        let env = rt.env(Verb::Add, Some(version), Some(&ipam_att));
        let ipam_add = rt
            .exec(&ipam, Verb::Add, env, step.invocation.stdin.clone())
            .expect("host-local runs");
        let ipam_result = ipam_add
            .reply
            .result()
            .unwrap_or_else(|| panic!("host-local ADD at {version}: {}", ipam_add.reply.summary()));
        assert_valid(version, DocumentKind::IpamResult, ipam_result);
        let env = rt.env(Verb::Del, Some(version), Some(&ipam_att));
        let ipam_del = rt
            .exec(&ipam, Verb::Del, env, step.invocation.stdin.clone())
            .expect("host-local DEL runs");
        assert!(
            ipam_del.reply.is_success(),
            "host-local DEL at {version}: {}",
            ipam_del.reply.summary()
        );

        // ADD again with the same ifname: the plugin must fail with an error object.
        let again = rt.add(&net, &att).expect("second ADD runs");
        let again_step = again.last().expect("one plugin ran");
        assert!(
            !again_step.reply.is_success(),
            "repeated ADD at {version} succeeded"
        );
        let error: Value =
            serde_json::from_slice(&again_step.outcome.stdout).expect("error is JSON");
        assert_valid(version, DocumentKind::Error, &error);

        if version.has_version_verb() {
            let probe = rt.version(&net, 0).expect("VERSION runs");
            let answer = probe.reply.result().expect("VERSION answers");
            assert_valid(version, DocumentKind::Version, answer);
        }

        let del = rt.del(&net, &att).expect("DEL runs");
        assert!(del.succeeded(), "DEL at {version} failed");
    }
}
