//! ADD: the result it returns, the interface it makes, and what it must refuse.

use serde_json::Value;

use crate::sandbox::fixture;
use crate::suite::case::{has_interfaces, Applicability, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "add/result-version",
            title: "the result's cniVersion equals the configuration's",
            requirements: &["ADD-3", "RES-2", "ADD-1", "EXEC-1"],
            scope: Scope::PerVersion,
            applies: crate::suite::case::always,
            run: result_version,
        },
        Case {
            id: "add/schema-valid",
            title: "the ADD result validates against the version's schema (the IPAM one for IPAM plugins)",
            requirements: &["RES-2", "RES-3", "IPAM-1"],
            scope: Scope::PerVersion,
            applies: crate::suite::case::always,
            run: schema_valid,
        },
        Case {
            id: "add/existing-interface-fails",
            title: "ADD fails when CNI_IFNAME already exists in the container",
            requirements: &["ADD-5"],
            scope: Scope::PerVersion,
            applies: own_interface,
            run: existing_interface_fails,
        },
    ]
    .into_iter()
    .chain(super::add_kernel::cases())
    .collect()
}

/// Cases that make the plugin create an interface of a name we choose.
pub fn own_interface(a: &Applicability) -> Result<(), String> {
    has_interfaces(a)?;
    if a.fixed_ifname {
        return Err("the profile pins CNI_IFNAME".into());
    }
    Ok(())
}

fn result_version(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    let result = crate::bail_verdict!(ctx.add_ok(&att));
    let got = result
        .get("cniVersion")
        .and_then(Value::as_str)
        .unwrap_or("(none)")
        .to_string();
    let want = ctx.version.as_str();
    let v = if got == want {
        CaseVerdict::pass(format!("result cniVersion {got}"))
    } else {
        CaseVerdict::fail(
            "result cniVersion differs from the configuration's",
            format!("cniVersion {want}"),
            format!("cniVersion {got}"),
        )
    };
    let _ = ctx.del(&att);
    v
}

fn schema_valid(ctx: &mut Ctx) -> CaseVerdict {
    use crate::schema::{self, DocumentKind, SchemaError};
    let att = ctx.attachment(0);
    let result = crate::bail_verdict!(ctx.add_ok(&att));
    let kind = match ctx.role() {
        crate::config::Role::Ipam => DocumentKind::IpamResult,
        _ => DocumentKind::Result,
    };
    let file = schema::schema_file(ctx.version, kind);
    let v = match schema::validate(ctx.version, kind, &result) {
        Ok(()) => CaseVerdict::pass(format!("valid against {file}")),
        Err(SchemaError::Invalid(violations)) => CaseVerdict::fail(
            format!(
                "the result breaks {file}: {}",
                violations
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
            format!("a result valid against {file}"),
            violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Err(e) => CaseVerdict::error(e.to_string()),
    };
    let _ = ctx.del(&att);
    v
}

fn existing_interface_fails(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    let Some(container) = ctx.sandbox.container() else {
        return CaseVerdict::error("container namespace missing");
    };
    if let Err(e) = fixture::add_parent_link(container, &att.ifname) {
        return CaseVerdict::error(format!("could not pre-create {}: {e}", att.ifname));
    }
    let run = crate::bail_verdict!(ctx.add(&att));
    let v = if run.succeeded() {
        CaseVerdict::fail(
            format!(
                "ADD succeeded although {} already existed in the container",
                att.ifname
            ),
            "an error",
            "success",
        )
    } else {
        CaseVerdict::pass("ADD refused the existing interface name")
    };
    let _ = ctx.del(&att);
    v
}
