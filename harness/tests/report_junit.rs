//! The JUnit output parses with a real XML parser and counts what CI
//! systems count: tests, failures, errors and skipped, per suite and overall.

#[path = "report_fixtures.rs"]
mod fixtures;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

#[derive(Debug, Default, PartialEq)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    warn_outputs: usize,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .filter_map(Result::ok)
        .find(|a| a.key.as_ref() == name.as_bytes())
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Counts elements, not the summary attributes, so a wrong `tests="..."`
/// from the writer would show up as a mismatch below.
fn count(xml: &str) -> (Counts, Option<String>) {
    let mut reader = Reader::from_str(xml);
    let mut counts = Counts::default();
    let mut declared = None;
    let mut in_system_out = false;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.name().as_ref() {
                b"testsuites" => declared = attr(&e, "tests"),
                b"testcase" => counts.tests += 1,
                b"failure" => counts.failures += 1,
                b"error" => counts.errors += 1,
                b"skipped" => counts.skipped += 1,
                b"system-out" => in_system_out = true,
                _ => {}
            },
            Ok(Event::Text(t)) if in_system_out => {
                let text = String::from_utf8_lossy(t.as_ref()).into_owned();
                if text.starts_with("WARN: ") {
                    counts.warn_outputs += 1;
                }
                in_system_out = false;
            }
            Ok(_) => {}
            Err(e) => panic!(
                "junit.xml does not parse at {}: {e}",
                reader.buffer_position()
            ),
        }
    }
    (counts, declared)
}

#[test]
fn junit_parses_and_counts_match_the_verdicts() {
    let xml = cni_harness::report::junit(&fixtures::runs());
    let (counts, declared) = count(&xml);
    // bridge: 18 cases (2 fail, 1 error, 1 skip, 2 warn as passes with WARN output);
    // bridge fuzz: 2 findings as failures;
    // cni-ref-bridge (strict): 17 cases (4 skip, 1 warn as a failure).
    assert_eq!(
        counts,
        Counts {
            tests: 37,
            failures: 5,
            errors: 1,
            skipped: 5,
            warn_outputs: 2,
        }
    );
    assert_eq!(declared.as_deref(), Some("37"));
}

#[test]
fn testcases_are_named_case_and_version_with_the_plugin_as_classname() {
    let xml = cni_harness::report::junit(&fixtures::runs());
    assert!(
        xml.contains(r#"<testcase name="add/ipam-exhausted-cleanup [1.1.0]" classname="bridge""#)
    );
    assert!(
        xml.contains(r#"<testcase name="version/supported-versions" classname="cni-ref-bridge""#)
    );
}
