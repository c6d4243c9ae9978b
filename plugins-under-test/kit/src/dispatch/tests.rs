use std::collections::HashMap;

use super::*;

struct Fake;

impl Plugin for Fake {
    fn add(&self, inv: &Invocation) -> Result<CniResult, CniError> {
        if inv.env.ifname() == "boom" {
            panic!("kaboom");
        }
        Ok(CniResult::default())
    }
    fn del(&self, _: &Invocation) -> Result<(), CniError> {
        Err(CniError::new(ErrorCode::TryAgainLater, "busy"))
    }
    fn check(&self, _: &Invocation) -> Result<(), CniError> {
        Ok(())
    }
}

fn call(pairs: &[(&str, &str)], stdin: &str) -> (i32, serde_json::Value) {
    let env: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut out = Vec::new();
    let code = run(&Fake, |k| env.get(k).cloned(), stdin.as_bytes(), &mut out);
    let json = if out.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&out).unwrap()
    };
    (code, json)
}

fn add_env(ifname: &str) -> Vec<(&str, &str)> {
    vec![
        ("CNI_COMMAND", "ADD"),
        ("CNI_CONTAINERID", "c1"),
        ("CNI_NETNS", "/run/netns/x"),
        ("CNI_IFNAME", ifname),
    ]
}

#[test]
fn add_prints_result_in_requested_version() {
    let (code, out) = call(&add_env("eth0"), r#"{"cniVersion":"0.3.1","name":"n"}"#);
    assert_eq!(code, 0);
    assert_eq!(out["cniVersion"], "0.3.1");
}

#[test]
fn errors_are_json_with_version_and_code() {
    let (code, out) = call(&[("CNI_COMMAND", "ADD")], r#"{"cniVersion":"0.4.0"}"#);
    assert_eq!((code, out["code"].as_u64()), (1, Some(4)));
    assert_eq!(out["cniVersion"], "0.4.0");
    let (_, out) = call(&add_env("eth0"), r#"{"cniVersion":"5.5.5"}"#);
    assert_eq!(out["code"], 1);
    let (_, out) = call(&add_env("eth0"), "not json");
    assert_eq!(out["code"], 6);
    let (_, out) = call(
        &[
            ("CNI_COMMAND", "DEL"),
            ("CNI_CONTAINERID", "c"),
            ("CNI_IFNAME", "e"),
        ],
        r#"{"cniVersion":"1.0.0"}"#,
    );
    assert_eq!(out["code"], 11);
}

#[test]
fn verbs_are_gated_by_version() {
    let mut env = add_env("eth0");
    env[0].1 = "CHECK";
    assert_eq!(call(&env, r#"{"cniVersion":"0.3.1"}"#).1["code"], 1);
    assert_eq!(call(&env, r#"{"cniVersion":"0.4.0"}"#).0, 0);
    let status = [("CNI_COMMAND", "STATUS")];
    assert_eq!(call(&status, r#"{"cniVersion":"1.0.0"}"#).1["code"], 1);
    assert_eq!(call(&status, r#"{"cniVersion":"1.1.0"}"#).0, 0);
}

#[test]
fn version_verb_answers_even_without_config() {
    let (code, out) = call(&[("CNI_COMMAND", "VERSION")], "");
    assert_eq!(code, 0);
    assert_eq!(out["supportedVersions"][0], "0.1.0");
}

#[test]
fn panic_becomes_internal_error_json() {
    let (code, out) = call(&add_env("boom"), r#"{"cniVersion":"1.1.0"}"#);
    assert_eq!((code, out["code"].as_u64()), (1, Some(999)));
    assert_eq!(out["details"], "kaboom");
}
