//! A success result on its own: which document it must be (a full result,
//! or the abbreviated one of an IPAM plugin), its schema, its version and
//! whether it normalises. The kernel's side is [`super::consistency`].

use serde_json::Value;

use super::{schema, Finding};
use crate::config::{Profile, Role};
use crate::result::{self, CniResult};
use crate::schema::{DocumentKind, SchemaError};
use crate::spec::SpecVersion;

/// The document a result printed by `plugin_type` must be: the IPAM result
/// when the binary is the profile's IPAM plugin run on its own (as the
/// suite runs it), the full result otherwise (every plugin of a list, also
/// a main plugin whose delegate is under test, returns one).
pub fn kind_for(profile: &Profile, plugin_type: &str) -> DocumentKind {
    if profile.role == Role::Ipam && plugin_type == profile.plugin {
        DocumentKind::IpamResult
    } else {
        DocumentKind::Result
    }
}

/// The result against the `kind` schema of `version` (RES-2, or IPAM-1 for
/// an IPAM result); `Err` when that version has no such schema.
pub fn schema(
    version: SpecVersion,
    kind: DocumentKind,
    result: &Value,
) -> Result<Option<Finding>, SchemaError> {
    let requirement = match kind {
        DocumentKind::IpamResult => "IPAM-1",
        _ => "RES-2",
    };
    schema::check(version, kind, result, requirement)
}

/// The result's `cniVersion` as written, `(none)` when missing.
pub fn cni_version(result: &Value) -> &str {
    result
        .get("cniVersion")
        .and_then(Value::as_str)
        .unwrap_or("(none)")
}

/// ADD-3: a result is in the configuration's version.
pub fn version(result: &Value, want: SpecVersion) -> Option<Finding> {
    let got = cni_version(result);
    (got != want.as_str()).then(|| {
        Finding::error(
            "ADD-3",
            "result cniVersion differs from the configuration's",
        )
        .expected(format!("cniVersion {want}"))
        .actual(format!("cniVersion {got}"))
    })
}

/// The result in the version-independent model, read as libcni reads it
/// under a configuration at `config_version` (a missing `cniVersion` is
/// the configuration's, unknown fields are ignored: `add/result-version`
/// and `add/result-schema` judge those deviations, once); failing that, a
/// finding (RES-2: every field of the right type and shape for its
/// version, RES-3: interface indices in range).
pub fn parse(result: &Value, config_version: SpecVersion) -> Result<CniResult, Finding> {
    result::parse_as_libcni(result, config_version.as_str()).map_err(|e| {
        Finding::error("RES-2", "the ADD result cannot be read")
            .expected("a result of the spec's shape")
            .actual(e.to_string())
    })
}

/// Everything a result alone can break, in order: it normalises, its
/// schema, its version (when the configuration's is a spec version).
/// Returns the normalised result when there is one, for judging it
/// against the kernel.
pub fn judge(
    result: &Value,
    requested: Option<SpecVersion>,
    kind: DocumentKind,
) -> (Option<CniResult>, Vec<Finding>) {
    let mut out = Vec::new();
    let parsed = match requested {
        Some(v) => parse(result, v),
        None => result::parse_value(result).map_err(|e| {
            Finding::error("RES-2", "the ADD result cannot be read")
                .expected("a result of the spec's shape")
                .actual(e.to_string())
        }),
    }
    .map_err(|f| out.push(f))
    .ok();
    if let Some(v) = requested {
        out.extend(schema(v, kind, result).ok().flatten());
        out.extend(version(result, v));
    }
    (parsed, out)
}
