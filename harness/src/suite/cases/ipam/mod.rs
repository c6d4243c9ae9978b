//! Delegation (IPAM): a main plugin runs its IPAM plugin with the same
//! environment and the full configuration, on every verb. The IPAM slot is
//! filled with the recording test plugin, scripted to answer like an IPAM.

pub(super) mod carry;
pub(super) mod faults;
pub(super) mod pool;

use serde_json::{json, Value};

use crate::config::Role;
use crate::spec::{SpecVersion, Verb};
use crate::suite::case::{needs_chaining, Applicability, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub(super) const RECORDER: &str = crate::invoke::helpers::RECORDER;
pub(super) const RECORD_DIR: &str = "/var/lib/cni/harness-ipam-recorder";

pub fn cases() -> Vec<Case> {
    vec![Case {
        id: "ipam/delegation",
        title: "the IPAM delegate gets the same environment and the full configuration on ADD, CHECK, STATUS, GC and DEL",
        requirements: &["IPAM-3", "IPAM-4", "CHECK-3", "GC-3", "STATUS-3", "ENV-5", "IPAM-7"],
        scope: Scope::PerVersion,
        applies: delegating,
        run: delegation,
    }]
}

pub(super) fn delegating(a: &Applicability) -> Result<(), String> {
    needs_chaining(a)?; // the scripted IPAM answer uses the 0.3.0+ shape
    match a.role() {
        Role::Main => Ok(()),
        _ => Err("only main plugins delegate to IPAM".into()),
    }
}

pub(super) fn ipam_answer(v: SpecVersion) -> Value {
    let mut ip = json!({"address": "10.199.0.5/24", "gateway": "10.199.0.1"});
    if v.ips_carry_version() {
        ip["version"] = json!("4");
    }
    json!({"cniVersion": v.as_str(), "ips": [ip], "routes": [{"dst": "0.0.0.0/0"}], "dns": {}})
}

/// A line the scripted delegate logs on ADD: it must reach the caller's
/// stderr (IPAM-7).
const DELEGATE_LOG: &str = "cnih-delegate-log: scripted IPAM says hello\n";

/// What the plugin under test itself got: verb, environment, stdin.
type SubjectCall = (Verb, Vec<(String, String)>, Value);

pub(super) struct Call {
    pub verb: String,
    env: serde_json::Map<String, Value>,
    stdin: Value,
}

pub(super) fn recorded(ctx: &Ctx) -> Vec<Call> {
    let file = ctx
        .sandbox
        .host_view(std::path::Path::new(&format!("{RECORD_DIR}/calls.jsonl")));
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| Call {
            verb: v["env"]["CNI_COMMAND"].as_str().unwrap_or("").to_string(),
            env: v["env"].as_object().cloned().unwrap_or_default(),
            stdin: serde_json::from_str(v["stdin"].as_str().unwrap_or("null"))
                .unwrap_or(Value::Null),
        })
        .collect()
}

fn delegation(ctx: &mut Ctx) -> CaseVerdict {
    if ctx
        .net
        .plugins
        .get(ctx.subject_index())
        .and_then(|p| p.get("ipam"))
        .is_none()
    {
        return CaseVerdict::skip("the configuration has no ipam section");
    }
    if let Err(v) = ctx.helper_on_path(RECORDER) {
        return v;
    }
    let answer = ipam_answer(ctx.version);
    let net = crate::bail_verdict!(ctx.edited_config(|p| {
        p.insert(
            "ipam".into(),
            json!({"type": RECORDER, "recordDir": RECORD_DIR,
                "answers": {"ADD": {"stdout": answer, "stderr": DELEGATE_LOG}}}),
        );
    }));
    let att = ctx.attachment(0);
    let ran = ctx.with_config(net, |ctx| -> Result<(), CaseVerdict> {
        ctx.add_ok(&att)?;
        if ctx.sends(Verb::Check) {
            let run = ctx.check(&att)?;
            // A CHECK that fails as in the baseline says nothing of delegation.
            if let Some(blocked) = ctx
                .blocked_by_baseline(Verb::Check)
                .filter(|_| !run.succeeded())
            {
                let _ = ctx.del(&att);
                return Err(blocked);
            }
        }
        if ctx.sends(Verb::Status) {
            ctx.status()?;
        }
        if ctx.sends(Verb::Gc) {
            ctx.gc(&[])?;
        }
        ctx.del(&att)?;
        Ok(())
    });
    if let Err(v) = ran {
        return v;
    }
    let calls = recorded(ctx);
    let mut expected = vec!["ADD", "DEL"];
    if ctx.sends(Verb::Check) {
        expected.push("CHECK");
    }
    if ctx.sends(Verb::Status) {
        expected.push("STATUS");
    }
    if ctx.sends(Verb::Gc) {
        expected.push("GC");
    }
    let seen: Vec<&str> = calls.iter().map(|c| c.verb.as_str()).collect();
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|v| !seen.contains(v))
        .collect();
    if !missing.is_empty() {
        let fail = CaseVerdict::fail(
            format!("the IPAM delegate was not called on {}", missing.join(", ")),
            format!("IPAM called on {}", expected.join(", ")),
            format!(
                "IPAM called on {}",
                if seen.is_empty() {
                    "nothing".to_string()
                } else {
                    seen.join(", ")
                }
            ),
        );
        // Each missing verb is its own requirement's failure.
        return missing.iter().fold(fail, |v, verb| match *verb {
            "CHECK" => v.cites("CHECK-3"),
            "STATUS" => v.cites("STATUS-3"),
            "GC" => v.cites("GC-3"),
            _ => v.cites("IPAM-4"),
        });
    }
    // Each delegate call must carry the subject's own environment and stdin.
    let subject: Vec<SubjectCall> = ctx
        .subject_steps()
        .map(|s| {
            let stdin = serde_json::from_slice(&s.invocation.stdin).unwrap_or(Value::Null);
            (s.invocation.verb, s.invocation.env.clone(), stdin)
        })
        .collect();
    for call in &calls {
        let Some((_, env, stdin)) = subject.iter().find(|(v, _, _)| v.as_str() == call.verb) else {
            continue;
        };
        for (k, v) in env.iter().filter(|(k, _)| k.starts_with("CNI_")) {
            let got = call.env.get(k).and_then(Value::as_str);
            if got != Some(v.as_str()) {
                return CaseVerdict::fail(
                    format!(
                        "{}: the delegate got {k}={} instead of the plugin's own {k}={v}",
                        call.verb,
                        got.unwrap_or("(unset)")
                    ),
                    "the delegate runs with the same CNI_* environment",
                    format!("{k}={}", got.unwrap_or("(unset)")),
                );
            }
        }
        if &call.stdin != stdin {
            return CaseVerdict::fail(
                format!(
                    "{}: the delegate's stdin differs from the plugin's own configuration",
                    call.verb
                ),
                stdin.to_string(),
                call.stdin.to_string(),
            );
        }
    }
    let passed = CaseVerdict::pass(format!(
        "IPAM delegate called on {} with the same env and config",
        seen.join(", ")
    ));
    let logged = ctx
        .subject_steps()
        .filter(|s| s.invocation.verb == Verb::Add)
        .any(|s| String::from_utf8_lossy(&s.outcome.stderr).contains(DELEGATE_LOG.trim_end()));
    if logged {
        passed
    } else {
        CaseVerdict::warn(
            "the IPAM delegate's stderr did not reach the plugin's stderr",
            format!(
                "the plugin's ADD stderr holds {:?}",
                DELEGATE_LOG.trim_end()
            ),
            "not there",
        )
        .cites("IPAM-7")
    }
}
