//! ADD judged against the kernel: the interface carries CNI_IFNAME, and
//! every interface, address and route the result names is really there.

use crate::judge::{self, consistency, interface};
use crate::suite::case::{has_interfaces, own_interface, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

/// A non-default interface name, so a plugin that ignores CNI_IFNAME shows.
const OTHER_IFNAME: &str = "net1";

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "add/ifname",
            title: "the container interface is named CNI_IFNAME (a non-default name)",
            requirements: &["ADD-2", "RES-IFNAME"],
            scope: Scope::PerVersion,
            applies: own_interface,
            run: ifname,
        },
        Case {
            id: "add/consistent-with-kernel",
            title: "every interface, address and route in the result exists in the kernel",
            requirements: &[
                "RES-IF-SANDBOX",
                "RES-IF-HOST",
                "RES-IF-MAC",
                "RES-IF-MTU",
                "RES-IP-CONFIGURED",
                "RES-ROUTE-PRESENT",
                "RES-SANDBOX",
            ],
            scope: Scope::PerVersion,
            applies: has_interfaces,
            run: consistent,
        },
        Case {
            id: "add/interface-sanity",
            title: "the attachment's links carry traffic: non-zero veth queues, equal MTU on both veth ends, a forwarding bridge port, what the configuration asks",
            requirements: &[
                interface::ids::TXQLEN,
                interface::ids::MTU_ENDS,
                interface::ids::BRIDGE_PORT,
                interface::ids::CONFIG,
            ],
            // What it judges does not vary with the spec version; once keeps the suite fast.
            scope: Scope::Once,
            applies: own_interface,
            run: sane,
        },
    ]
}

fn ifname(ctx: &mut Ctx) -> CaseVerdict {
    let mut att = ctx.attachment(0);
    att.ifname = OTHER_IFNAME.into();
    crate::bail_verdict!(ctx.add_ok(&att));
    let snap = crate::bail_verdict!(ctx.snapshot());
    let links: Vec<String> = snap
        .container
        .as_ref()
        .map(|c| {
            c.links
                .iter()
                .map(|l| l.name.clone())
                .filter(|n| n != "lo")
                .collect()
        })
        .unwrap_or_default();
    let _ = ctx.del(&att);
    if links.iter().any(|l| l == OTHER_IFNAME) {
        CaseVerdict::pass(format!("container interface is {OTHER_IFNAME}"))
    } else {
        CaseVerdict::fail(
            "the plugin did not name the container interface after CNI_IFNAME",
            format!("a link named {OTHER_IFNAME} in the container namespace"),
            format!("container links: {}", links.join(", ")),
        )
    }
}

fn consistent(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    let raw = crate::bail_verdict!(ctx.add_ok(&att));
    let parsed = match judge::result::parse(&raw, ctx.version) {
        Ok(r) => r,
        Err(f) => {
            let _ = ctx.del(&att);
            return CaseVerdict::from_finding(&f);
        }
    };
    let snap = crate::bail_verdict!(ctx.snapshot());
    let Some(container) = snap.container.as_ref() else {
        return CaseVerdict::error("container namespace vanished");
    };
    let mut findings = consistency::check(&parsed, &att.ifname, container, &snap.node);
    findings.extend(sandbox_is_netns(
        &parsed,
        &att.ifname,
        ctx.sandbox.container_path(),
    ));
    let _ = ctx.del(&att);
    CaseVerdict::from_findings(
        &findings,
        "the kernel matches",
        "the result agrees with the kernel",
    )
}

fn sane(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    // Delegates' links are read as each returns: what a delegate made is
    // reported against it, not against the plugin that ran it.
    if let Err(e) = ctx.tap_delegates() {
        return CaseVerdict::error(format!("delegate tap: {e}"));
    }
    crate::bail_verdict!(ctx.add_ok(&att));
    let asked = interface::Asked::from_plugins(&ctx.net.plugins);
    // A bridge port's state follows its carrier asynchronously (linkwatch,
    // up to a second): only a port that stays wrong that long is the
    // plugin's. The other attributes are set synchronously: judged at once.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(1500);
    let findings = loop {
        let snap = match ctx.snapshot() {
            Ok(s) => s,
            Err(v) => {
                let _ = ctx.del(&att);
                return v;
            }
        };
        let Some(container) = snap.container.as_ref() else {
            let _ = ctx.del(&att);
            return CaseVerdict::error("container namespace vanished");
        };
        let findings = interface::check(&att.ifname, container, &snap.node, &asked);
        let settling = findings
            .iter()
            .any(|f| f.requirement == interface::ids::BRIDGE_PORT);
        if !settling || std::time::Instant::now() >= deadline {
            break findings;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let findings =
        interface::attribute_to_delegates(findings, &att.ifname, &ctx.delegate_calls(), &asked);
    // A meta plugin's links were made by the list's first plugin (SPEC.md:
    // the first plugin of a chain creates the interface), unless a delegate
    // of the subject's was seen making them above.
    let maker = (ctx.opts.profile.role == crate::config::Role::Meta
        && ctx.opts.profile.subject_index() > 0)
        .then(|| ctx.net.plugins.first().map(crate::config::plugin_type))
        .flatten()
        .filter(|t| !t.is_empty());
    let findings: Vec<_> = findings
        .into_iter()
        .map(|mut f| {
            f.by = f.by.or_else(|| maker.clone());
            f
        })
        .collect();
    let _ = ctx.del(&att);
    CaseVerdict::from_findings_of(
        &ctx.opts.profile.plugin,
        &findings,
        "the links are sane",
        "queue lengths, MTU of both ends, bridge port state and configured flags are sane",
    )
}

/// The container interface's `sandbox` should be the CNI_NETNS value itself
/// (RES-SANDBOX), not another name for the same namespace.
fn sandbox_is_netns(
    result: &crate::result::CniResult,
    ifname: &str,
    netns: &std::path::Path,
) -> Option<crate::judge::Finding> {
    let iface = result.interfaces.iter().find(|i| i.name == ifname)?;
    let sandbox = iface.sandbox.as_deref()?;
    let want = netns.to_string_lossy();
    (sandbox != want).then(|| {
        crate::judge::Finding::warning(
            "RES-SANDBOX",
            format!("{ifname}'s sandbox is not the CNI_NETNS value"),
        )
        .expected(want.to_string())
        .actual(sandbox.to_string())
    })
}
