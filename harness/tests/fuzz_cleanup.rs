//! The fuzzer's cleanup DEL addresses the attachment the input's ADD made
//! (root, real namespaces, the reference plugin). Regression: it used to
//! drop every environment edit, so an input whose ADD ran with another
//! CNI_IFNAME or CNI_CONTAINERID was cleaned up as `eth0` of the default
//! container, and what the ADD really made was reported as a leak
//! (upstream macvlan v1.9.1, `CNI_IFNAME=br104`).

mod common;

use std::time::Duration;

use cni_harness::fuzz::{self, EnvChange, Input};
use cni_harness::record::Oracle;
use cni_harness::spec::Verb;

#[test]
fn cleanup_del_repeats_the_attachment_the_add_named() {
    require_root!();
    common::workspace_plugin("cni-ref-bridge");
    common::workspace_plugin("cni-ref-ipam");
    let profile = common::repo_root().join("plugins-under-test/profiles/reference/bridge.json");
    let target = fuzz::target::build(&profile, &[common::bin_dir()], Duration::from_secs(10))
        .expect("target");
    let mut input = Input::new(target.seed_config.clone(), vec![Verb::Add]);
    input.env = vec![
        EnvChange::Set("CNI_IFNAME".into(), "net1".into()),
        EnvChange::Set("CNI_CONTAINERID".into(), "other-ctr".into()),
        // Not part of the attachment: the cleanup goes back to libcni's value.
        EnvChange::Set("CNI_ARGS".into(), "IgnoreUnknown=1".into()),
    ];
    let mut exec = fuzz::execute::Executor::new(target);
    let ex = exec.run(&input, false).expect("run");
    assert!(
        ex.steps[0].reply.is_success(),
        "{}",
        ex.steps[0].reply.summary()
    );

    let del = ex
        .extra_steps
        .iter()
        .find(|s| s.invocation.verb == Verb::Del)
        .expect("the runtime cleans up after an ADD without DEL");
    let env = |k: &str| {
        del.invocation
            .env
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(env("CNI_IFNAME").as_deref(), Some("net1"));
    assert_eq!(env("CNI_CONTAINERID").as_deref(), Some("other-ctr"));
    assert_eq!(env("CNI_ARGS").as_deref(), Some(""));
    assert!(del.reply.is_success(), "{}", del.reply.summary());
    assert!(
        !ex.detections.iter().any(|v| v.oracle == Oracle::Leak),
        "false leak: {:?}",
        ex.detections
    );
}
