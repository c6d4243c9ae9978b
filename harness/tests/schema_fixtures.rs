//! Every example document under `specs/examples/<version>/{valid,invalid}/`
//! is checked against the embedded schema its file name names
//! (`<kind>-<what>.json`). Invalid examples each break one rule; the sidecar
//! `<kind>-<what>.expect` holds the JSON pointer of the offending value, and
//! that pointer must be among the reported violations.

use std::fs;
use std::path::{Path, PathBuf};

use cni_harness::schema::{validate, DocumentKind, SchemaError};
use cni_harness::spec::SpecVersion;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/examples")
}

/// The document kind a fixture file name starts with.
fn kind_of(file_stem: &str) -> Option<DocumentKind> {
    DocumentKind::ALL
        .into_iter()
        .find(|k| file_stem.starts_with(&format!("{}-", k.as_str())))
}

struct Fixture {
    version: SpecVersion,
    kind: DocumentKind,
    path: PathBuf,
    /// `None` for valid examples, the expected instance path for invalid ones.
    expect: Option<String>,
}

fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for version in SpecVersion::ALL {
        for (sub, valid) in [("valid", true), ("invalid", false)] {
            let dir = examples_dir().join(version.as_str()).join(sub);
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().and_then(|e| e.to_str()) != Some("json") {
                    continue;
                }
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                let kind = kind_of(stem).unwrap_or_else(|| {
                    panic!("{}: name does not start with a kind", path.display())
                });
                let expect = (!valid).then(|| {
                    let sidecar = path.with_extension("expect");
                    fs::read_to_string(&sidecar)
                        .unwrap_or_else(|e| panic!("{}: {e}", sidecar.display()))
                        .trim_end_matches('\n')
                        .to_string()
                });
                out.push(Fixture {
                    version,
                    kind,
                    path,
                    expect,
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

#[test]
fn examples_validate_as_their_directory_says() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 60,
        "expected at least 60 examples, found {}",
        fixtures.len()
    );
    let mut failures = Vec::new();
    for f in &fixtures {
        let text = fs::read_to_string(&f.path).expect("readable fixture");
        let doc: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", f.path.display()));
        let outcome = validate(f.version, f.kind, &doc);
        let name = f.path.display();
        match (&f.expect, outcome) {
            (None, Ok(())) => {}
            (None, Err(e)) => failures.push(format!("{name}: should be valid: {e}")),
            (Some(_), Ok(())) => failures.push(format!("{name}: should be invalid")),
            (Some(want), Err(SchemaError::Invalid(violations))) => {
                if !violations.iter().any(|v| &v.path == want) {
                    let got: Vec<_> = violations.iter().map(ToString::to_string).collect();
                    failures.push(format!("{name}: no violation at {want:?}; got {got:?}"));
                }
            }
            (Some(_), Err(e)) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_version_has_valid_and_invalid_examples_of_each_kind_it_defines() {
    let fixtures = fixtures();
    for version in SpecVersion::ALL {
        for kind in DocumentKind::ALL
            .into_iter()
            .filter(|k| k.exists_in(version))
        {
            for valid in [true, false] {
                let found = fixtures
                    .iter()
                    .any(|f| f.version == version && f.kind == kind && f.expect.is_none() == valid);
                assert!(
                    found,
                    "{version} {kind}: no {} example",
                    if valid { "valid" } else { "invalid" }
                );
            }
        }
    }
}
