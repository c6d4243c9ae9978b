//! The schema catalogue: which documents exist at which version, that every
//! embedded schema compiles, and how violations are reported.

use cni_harness::schema::{schema_file, schema_text, validate, DocumentKind, SchemaError};
use cni_harness::spec::SpecVersion;
use serde_json::json;

#[test]
fn every_embedded_schema_compiles_and_names_its_spec_section() {
    let mut count = 0;
    for version in SpecVersion::ALL {
        for kind in DocumentKind::ALL {
            let Some(text) = schema_text(version, kind) else {
                continue;
            };
            count += 1;
            let schema: serde_json::Value = serde_json::from_str(text).expect("schema is JSON");
            assert_eq!(
                schema["$schema"],
                "https://json-schema.org/draft/2020-12/schema",
                "{}",
                schema_file(version, kind)
            );
            let description = schema["description"].as_str().unwrap_or("");
            assert!(
                description.contains("SPEC.md"),
                "{}: description names no SPEC.md section",
                schema_file(version, kind)
            );
            // Compiling happens on first validation; an empty object exercises it.
            let _ = validate(version, kind, &json!({}));
        }
    }
    // 7 versions x 4 kinds, + conflist from 0.3.0 (5), + VERSION from 0.2.0 (6).
    assert_eq!(count, 7 * 4 + 5 + 6);
}

#[test]
fn documents_absent_from_a_version_are_reported_as_such() {
    for (version, kind) in [
        (SpecVersion::V0_1_0, DocumentKind::Conflist),
        (SpecVersion::V0_2_0, DocumentKind::Conflist),
        (SpecVersion::V0_1_0, DocumentKind::Version),
    ] {
        let err = validate(version, kind, &json!({})).expect_err("not in version");
        assert_eq!(err, SchemaError::NotInVersion { kind, version });
        assert_eq!(
            err.to_string(),
            format!("CNI {version} has no {kind} document")
        );
    }
}

#[test]
fn kinds_parse_from_their_names() {
    for kind in DocumentKind::ALL {
        assert_eq!(kind.as_str().parse::<DocumentKind>(), Ok(kind));
    }
    let err = "results".parse::<DocumentKind>().expect_err("unknown kind");
    assert!(err.to_string().contains("\"results\""), "{err}");
}

#[test]
fn violations_carry_instance_path_and_schema_rule() {
    let doc = json!({
        "cniVersion": "1.0.0",
        "ips": [{"address": "10.0.0.300/24"}]
    });
    let Err(SchemaError::Invalid(violations)) =
        validate(SpecVersion::V1_0_0, DocumentKind::Result, &doc)
    else {
        panic!("bad address must be rejected");
    };
    let v = violations
        .iter()
        .find(|v| v.path == "/ips/0/address")
        .expect("violation at the address");
    assert_eq!(
        v.rule,
        "/properties/ips/items/$ref/properties/address/$ref/pattern"
    );
    assert!(v.message.contains("CIDR notation"), "{v}");
    assert!(v.to_string().starts_with("/ips/0/address: "), "{v}");

    let Err(SchemaError::Invalid(violations)) = validate(
        SpecVersion::V1_0_0,
        DocumentKind::Error,
        &json!({"code": 7}),
    ) else {
        panic!("missing msg must be rejected");
    };
    assert_eq!(violations[0].path, "");
    assert!(
        violations[0].to_string().starts_with("/: "),
        "{}",
        violations[0]
    );
}

#[test]
fn ips_version_is_required_only_from_0_3_0_to_0_4_0() {
    let doc = |v: &str| json!({"cniVersion": v, "ips": [{"address": "10.0.0.2/24"}]});
    for version in [
        SpecVersion::V0_3_0,
        SpecVersion::V0_3_1,
        SpecVersion::V0_4_0,
    ] {
        assert!(
            validate(version, DocumentKind::Result, &doc(version.as_str())).is_err(),
            "{version}"
        );
    }
    for version in [SpecVersion::V1_0_0, SpecVersion::V1_1_0] {
        assert_eq!(
            validate(version, DocumentKind::Result, &doc(version.as_str())),
            Ok(()),
            "{version}"
        );
    }
}
