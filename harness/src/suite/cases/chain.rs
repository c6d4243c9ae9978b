//! Chaining (0.3.0+): a plugin in a list receives the previous plugin's
//! result as `prevResult` and must pass it on, possibly modified, never lose it.

use serde_json::Value;

use crate::config::{NetworkConfig, Role, Shape};
use crate::invoke::ChainRun;
use crate::spec::Verb;
use crate::suite::case::{both, has_interfaces, needs_chaining, Applicability, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

/// The pass-through plugin appended after a main plugin (the recording test plugin).
const PASS_THROUGH: &str = crate::invoke::helpers::RECORDER;

pub fn cases() -> Vec<Case> {
    vec![Case {
        id: "chain/prevresult-passthrough",
        title: "in a list, prevResult reaches the next plugin and is passed on, not lost",
        requirements: &["CHAIN-1", "CHAIN-2", "ADD-4"],
        scope: Scope::PerVersion,
        applies: chained,
        run: prevresult,
    }]
}

/// Where a prevResult can reach a plugin: a main plugin in a list (the
/// case appends a pass-through plugin after it), or a meta plugin with a
/// plugin before it. A `.conf` runs its plugin alone, as libcni does: no
/// plugin is appended to it, so nothing is chained to judge.
fn chained(a: &Applicability) -> Result<(), String> {
    both(a, needs_chaining, has_interfaces)?;
    match a.role() {
        Role::Main if a.shape() == Shape::Single => Err(
            "a single plugin configuration (.conf) runs its plugin alone: no plugin follows it \
             to receive its result as prevResult (chaining is judged on configuration lists)"
                .into(),
        ),
        Role::Meta if a.plugins_before() == 0 => {
            Err("the plugin under test comes first in its list: no prevResult reaches it".into())
        }
        _ => Ok(()),
    }
}

/// Interface names and addresses of a 0.3.0+ result.
fn identity(result: &Value) -> (Vec<String>, Vec<String>) {
    let names = result["interfaces"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let ips = result["ips"]
        .as_array()
        .or_else(|| result["ip"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|i| i["address"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (names, ips)
}

/// What the later plugin lost of the earlier one's result.
fn lost(prev: &Value, next: &Value) -> Vec<String> {
    let (p_names, p_ips) = identity(prev);
    let (n_names, n_ips) = identity(next);
    let mut missing: Vec<String> = p_names
        .into_iter()
        .filter(|n| !n_names.contains(n))
        .map(|n| format!("interface {n}"))
        .collect();
    missing.extend(
        p_ips
            .into_iter()
            .filter(|a| !n_ips.contains(a))
            .map(|a| format!("address {a}")),
    );
    missing
}

fn prevresult(ctx: &mut Ctx) -> CaseVerdict {
    match ctx.role() {
        Role::Meta => meta_keeps_prev(ctx),
        Role::Main => main_in_a_chain(ctx),
        Role::Ipam => CaseVerdict::skip("IPAM plugins are not chained"),
    }
}

/// The profile's own chain: the plugin under test comes after a main plugin.
fn meta_keeps_prev(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    let run = crate::bail_verdict!(ctx.add(&att));
    let v = judge_chain(&run, ctx.subject_index());
    let _ = ctx.del(&att);
    v
}

/// The main plugin followed by a pass-through plugin: its result must come
/// back to it intact as prevResult on CHECK and DEL.
fn main_in_a_chain(ctx: &mut Ctx) -> CaseVerdict {
    if let Err(v) = ctx.helper_on_path(PASS_THROUGH) {
        return v;
    }
    let mut raw = ctx.net.raw.clone();
    // A list (applicability keeps `.conf` configurations away).
    let Some(list) = raw.get_mut("plugins").and_then(Value::as_array_mut) else {
        return CaseVerdict::error(
            "harness bug: the chain case ran on a single plugin configuration",
        );
    };
    list.push(serde_json::json!({"type": PASS_THROUGH}));
    let later = list.len() - 1;
    let Ok(chain) = NetworkConfig::from_value(raw, "chain") else {
        return CaseVerdict::error("could not extend the configuration with a pass-through plugin");
    };
    let saved = std::mem::replace(&mut ctx.net, chain);
    let att = ctx.attachment(0);
    let verdict = (|| {
        let run = crate::bail_verdict!(ctx.add(&att));
        if run.result().is_none() && run.steps.len() < 2 {
            // The plugin under test itself failed: the baseline names it.
            return ctx.add_failed(&run);
        }
        let mut v = judge_chain(&run, later);
        if v.verdict != crate::record::Verdict::Pass {
            return v;
        }
        if ctx.sends(Verb::Check) {
            let check = crate::bail_verdict!(ctx.check(&att));
            if let Some(blocked) = ctx
                .blocked_by_baseline(crate::spec::Verb::Check)
                .filter(|_| !check.succeeded())
            {
                // The plugin's CHECK fails outside a chain too: the baseline says so.
                v = blocked;
            } else if !check.succeeded() {
                v = CaseVerdict::fail(
                    "CHECK failed when the plugin's result came back through a chain as prevResult",
                    "CHECK succeeds",
                    check.last().map(|s| s.reply.summary()).unwrap_or_default(),
                );
            }
        }
        v
    })();
    let del = ctx.del(&att);
    ctx.net = saved;
    match del {
        Ok(run) if !run.succeeded() && verdict.verdict == crate::record::Verdict::Pass => {
            CaseVerdict::fail(
                "DEL failed in a chain (prevResult from the chain)",
                "DEL succeeds",
                run.last().map(|s| s.reply.summary()).unwrap_or_default(),
            )
        }
        _ => verdict,
    }
}

/// Step `later` of an ADD chain and the one before it: did the later
/// plugin keep what came before?
fn judge_chain(run: &ChainRun, later: usize) -> CaseVerdict {
    if !run.succeeded() {
        return CaseVerdict::fail(
            "ADD of the chain failed",
            "every plugin of the chain succeeds",
            run.last()
                .map(|s| format!("{}: {}", s.plugin_type, s.reply.summary()))
                .unwrap_or_default(),
        );
    }
    // Applicability guarantees a plugin before `later`.
    let (Some(prev_step), Some(last_step)) = (
        later.checked_sub(1).and_then(|i| run.steps.get(i)),
        run.steps.get(later),
    ) else {
        return CaseVerdict::error(format!(
            "harness bug: the chain ran {} plugins, step {later} has none before it",
            run.steps.len()
        ));
    };
    let later = last_step.plugin_type.as_str();
    let (Some(_), Some(next)) = (prev_step.reply.result(), last_step.reply.result()) else {
        return CaseVerdict::fail(
            "a plugin of the chain returned no result",
            "a result from every ADD",
            "",
        );
    };
    // Judged against what the later plugin got: the runtime re-encodes the
    // earlier result first, as libcni does.
    let stdin: Value = serde_json::from_slice(&last_step.invocation.stdin).unwrap_or(Value::Null);
    let Some(prev) = stdin.get("prevResult") else {
        return CaseVerdict::error("the harness did not pass prevResult (harness bug)");
    };
    let missing = lost(prev, next);
    if missing.is_empty() {
        CaseVerdict::pass(format!("{later} passed prevResult on"))
    } else {
        CaseVerdict::fail(
            format!(
                "{later} dropped parts of prevResult: {}",
                missing.join(", ")
            ),
            format!("{later}'s result keeps prevResult's interfaces and IPs"),
            next.to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SpecVersion;

    /// A profile of `role` whose subject has `plugins_before` plugins
    /// before it, in a list or (`Shape::Single`) alone.
    fn profile(role: Role, shape: Shape, plugins_before: usize) -> crate::config::Profile {
        let mut plugins: Vec<serde_json::Value> = (0..plugins_before)
            .map(|i| serde_json::json!({"type": format!("before-{i}")}))
            .collect();
        plugins.push(serde_json::json!({"type": "subject"}));
        let config = match shape {
            Shape::List => {
                serde_json::json!({"cniVersion": "0.3.1", "name": "n", "plugins": plugins})
            }
            Shape::Single => {
                serde_json::json!({"cniVersion": "0.3.1", "name": "n", "type": "subject"})
            }
        };
        let role = match role {
            Role::Main => "main",
            Role::Ipam => "ipam",
            Role::Meta => "meta",
        };
        let doc = serde_json::json!({"profile": "t", "plugin": "subject", "role": role, "config": config});
        crate::config::Profile::parse(doc.to_string().as_bytes(), "test").expect("profile parses")
    }

    fn applies(
        role: Role,
        shape: Shape,
        plugins_before: usize,
        version: SpecVersion,
    ) -> Result<(), String> {
        let p = profile(role, shape, plugins_before);
        chained(&Applicability {
            version,
            profile: &p,
        })
    }

    /// A `.conf` is run alone: the case skips it with a reason rather than
    /// ending in a harness error (it did on the workshop plugins).
    #[test]
    fn only_configurations_that_chain_the_plugin_apply() {
        let facts = |role, shape, before| applies(role, shape, before, SpecVersion::V0_3_1);
        let single = facts(Role::Main, Shape::Single, 0);
        assert!(
            single.as_ref().is_err_and(|r| r.contains(".conf")),
            "{single:?}"
        );
        assert_eq!(facts(Role::Main, Shape::List, 0), Ok(()));
        let first = facts(Role::Meta, Shape::List, 0);
        assert!(
            first.as_ref().is_err_and(|r| r.contains("first")),
            "{first:?}"
        );
        assert_eq!(facts(Role::Meta, Shape::List, 1), Ok(()));
        assert!(facts(Role::Ipam, Shape::List, 0).is_err());
        assert!(applies(Role::Main, Shape::List, 0, SpecVersion::V0_2_0).is_err());
    }
}
