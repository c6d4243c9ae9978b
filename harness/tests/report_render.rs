//! Snapshot tests of every renderer over realistic results (see
//! `report_fixtures.rs`). Review changed snapshots as you would code.

#[path = "report_fixtures.rs"]
mod fixtures;

use cni_harness::report;

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("junit", report::junit(&fixtures::runs()));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("markdown", report::markdown(&fixtures::runs()));
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!("html", report::html(&fixtures::runs()));
}

/// Renderers sort their input, so the order runs were given in does not
/// change a report.
#[test]
fn input_order_does_not_matter() {
    let runs = fixtures::runs();
    let mut reversed = runs.clone();
    reversed.reverse();
    assert_eq!(report::junit(&runs), report::junit(&reversed));
    assert_eq!(report::markdown(&runs), report::markdown(&reversed));
    assert_eq!(report::html(&runs), report::html(&reversed));
}

#[test]
fn empty_input_renders_without_panicking() {
    assert!(report::markdown(&[]).contains("No results"));
    assert!(report::html(&[]).contains("</html>"));
    assert!(report::junit(&[]).contains("testsuites"));
}

/// Untrusted plugin output must never become markup.
#[test]
fn html_escapes_plugin_output() {
    let mut runs = fixtures::runs();
    runs[0].cases[0].reason = "<script>alert(1)</script>".into();
    let page = report::html(&runs);
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(
        page.matches("<script>").count(),
        1,
        "only the page's own script"
    );
}

/// The page must open offline and from a CI artifact: nothing it loads may
/// come from elsewhere.
#[test]
fn html_is_self_contained() {
    let page = report::html(&fixtures::runs());
    for external in ["<link", " src=", "@import", "url(", "http://", "https://"] {
        assert!(
            !page.contains(external),
            "report.html references {external:?}"
        );
    }
}

#[test]
fn write_all_writes_the_three_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("nested/report");
    let written = report::write_all(&fixtures::runs(), &out).expect("write_all");
    let names: Vec<_> = written
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["junit.xml", "summary.md", "report.html"]);
    for path in written {
        assert!(std::fs::metadata(&path).expect("written").len() > 100);
    }
}

/// A MAY the plugin does not do is allowed: its row shows information,
/// even when the case that checked it failed for a MUST it also cites.
#[test]
fn may_rows_never_show_failures() {
    let page = report::html(&fixtures::runs());
    let start = page
        .find("<code>del.keep-shared</code>")
        .expect("the MAY requirement's row");
    let row = &page[start..start + page[start..].find("</tr>").expect("row ends")];
    assert!(
        row.contains("lv-MAY\">MAY</span>"),
        "level not shown: {row}"
    );
    assert!(
        row.contains("class=\"c v-info"),
        "no information mark: {row}"
    );
    for bad in ["v-fail", "v-warn"] {
        assert!(
            !row.contains(&format!("class=\"c {bad}")),
            "{bad} in a MAY row: {row}"
        );
    }
    // The MUST the same case broke still shows the failure.
    let start = page.find("<code>del.idempotent</code>").expect("MUST row");
    let row = &page[start..start + page[start..].find("</tr>").expect("row ends")];
    assert!(row.contains("class=\"c v-fail"), "{row}");
}

/// Issue 21: runs of one plugin under several runtimes get a runtime axis
/// (one row per plugin, one column per runtime) and labels naming the
/// runtime; runs all under one runtime get none.
#[test]
fn runs_under_several_runtimes_get_a_runtime_axis() {
    use cni_harness::invoke::RuntimeKind;
    let runs = fixtures::runs();
    assert!(!report::html(&runs).contains("Plugins × runtimes"));
    let mut both = vec![runs[0].clone(), runs[0].clone()];
    both[1].target.runtime.persona = RuntimeKind::Podman;
    both[1].target.runtime.never_sends = vec![cni_harness::spec::Verb::Check];
    let html = report::html(&both);
    let axis = &html[html.find("Plugins × runtimes").expect("runtime axis")..];
    let axis = &axis[..axis.find("</table>").expect("table end")];
    assert!(axis.contains("<th>libcni</th><th>podman</th>"), "{axis}");
    assert_eq!(axis.matches("<tr><td class=\"name\">").count(), 1, "{axis}");
    assert!(html.contains(&format!("{} [podman]", runs[0].target.name)));
    assert!(axis.contains("never sends CHECK"), "{axis}");
}
