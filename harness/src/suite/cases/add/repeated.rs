//! `add/repeated`: the same ADD (container, network, interface) twice, as
//! a runtime that lost the first answer retries it. A main plugin refuses
//! the second (its interface exists: ADD-5); an IPAM plugin may answer it
//! with the reservation it holds; nobody holds two, and a refusal leaves
//! the first ADD's reservation alone (IPAM-REPEAT).

use crate::config::Role;
use crate::judge::repeat;
use crate::judge::Finding;
use crate::kernel::diff_sandbox;
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

fn addresses(v: &serde_json::Value) -> Vec<std::net::IpAddr> {
    crate::result::parse_value(v)
        .map(|r| r.addresses())
        .unwrap_or_default()
}

pub(super) fn run(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    let first = crate::bail_verdict!(ctx.add_ok(&att));
    let after_first = ctx.snapshot();
    let second = ctx.add(&att);
    let after_second = ctx.snapshot();
    let _ = ctx.del(&att);
    let (after_first, second, after_second) = match (after_first, second, after_second) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(v), _, _) | (_, Err(v), _) | (_, _, Err(v)) => return v,
    };
    let mut findings: Vec<Finding> = Vec::new();
    let main = ctx.role() == Role::Main;
    if main && second.succeeded() {
        findings.push(
            Finding::error(
                "ADD-5",
                format!(
                    "a repeated ADD succeeded although {} already existed in the container",
                    att.ifname
                ),
            )
            .expected("an error")
            .actual("success"),
        );
    }
    let second_addresses = second.result().filter(|_| !main).map(addresses);
    findings.extend(repeat::judge(
        &diff_sandbox(&after_first, &after_second),
        &att.container_id,
        &addresses(&first),
        second_addresses.as_deref(),
    ));
    let held = if second.succeeded() {
        "the repeated ADD answered with the same reservation"
    } else {
        "the repeated ADD was refused and the first ADD's reservation kept"
    };
    CaseVerdict::from_findings(&findings, "one reservation for the attachment", held)
}
