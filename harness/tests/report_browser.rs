//! Renders report.html in a real headless Chromium: the page must load from
//! a file with no network, show the matrix, and its anchor script must open
//! the linked case. With 30 runs side by side (made from the committed
//! reports) the page must not scroll sideways, the matrix must keep its
//! requirement column and header rows in view while it scrolls, keep each
//! requirement on one line, and its filters must hide exactly what they
//! say. Skips with a message when Chromium is not installed, except under
//! CI (`CI` set), where a skip would hide a broken page.

#[path = "report_chromium.rs"]
mod chromium;
#[path = "report_fixtures.rs"]
mod fixtures;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cni_harness::record::{RunResults, Verdict};
use cni_harness::requirements::Level;
use serde::Deserialize;

fn write_page(dir: &Path, name: &str, html: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, html).expect("write page");
    path
}

/// Kept under target/ (not in git) so a person can look at it.
fn keep(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[test]
fn screenshot_is_a_real_page() {
    if !chromium::available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let page = write_page(
        dir.path(),
        "report.html",
        &cni_harness::report::html(&fixtures::runs()),
    );
    let png = keep("report.png");
    let bytes = chromium::screenshot(dir.path(), &page, &png);
    // A blank 1280×900 page compresses to a few KB; text and colour do not.
    assert!(
        bytes.len() > 30_000,
        "screenshot only {} bytes: page looks empty",
        bytes.len()
    );
    eprintln!("screenshot: {} ({} bytes)", png.display(), bytes.len());
}

/// The 30-run page twice: its top (legend, filters, a line per plugin)
/// and its matrix scrolled into the middle both ways, where the sticky
/// requirement column and headers matter. (Chromium's --screenshot paints
/// from the top of the page whatever the script scrolls, so the second
/// one hides what comes before the matrix instead.)
#[test]
fn screenshots_of_thirty_runs() {
    if !chromium::available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let html = cni_harness::report::html(&fixtures::many_runs());
    let top = write_page(dir.path(), "top.html", &html);
    let matrix = html.replacen(
        "</style>",
        "header, #summary { display: none; }\n</style>",
        1,
    );
    let matrix = chromium::with_script(
        &matrix,
        "var w = document.getElementById('matrix-wrap');\n\
         w.scrollLeft = (w.scrollWidth - w.clientWidth) / 2;\n\
         w.scrollTop = 200;\n",
    );
    let matrix = write_page(dir.path(), "matrix.html", &matrix);
    for (page, name) in [(top, "report-30-top.png"), (matrix, "report-30-matrix.png")] {
        let png = keep(name);
        let bytes = chromium::screenshot(dir.path(), &page, &png);
        assert!(
            bytes.len() > 30_000,
            "{name} only {} bytes: page looks empty",
            bytes.len()
        );
        eprintln!("screenshot: {} ({} bytes)", png.display(), bytes.len());
    }
}

#[test]
fn dom_has_the_matrix_and_links_open_their_case() {
    if !chromium::available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let html = cni_harness::report::html(&fixtures::runs());
    let page = write_page(dir.path(), "report.html", &html);
    // Link straight to the first failing case, as a matrix cell does.
    let marker = "<details class=\"case k-fail\" id=\"";
    let start = html.find(marker).expect("a failing case block") + marker.len();
    let id = &html[start..start + html[start..].find('"').expect("id ends")];
    let dom = chromium::dump_dom(dir.path(), &format!("file://{}#{id}", page.display()));
    assert!(
        dom.contains("<table id=\"matrix\" class=\"matrix\">"),
        "matrix table missing from DOM"
    );
    // bridge: 4 versions + version-independent; the reference plugin: 7 + 1.
    assert!(dom.contains("colspan=\"5\" data-r=\"0\" title=\"bridge\""));
    assert!(dom.contains("colspan=\"8\" data-r=\"2\" title=\"cni-ref-bridge\""));
    // The script ran: the filters are shown and the targeted case is open.
    assert!(dom.contains("<form id=\"filters\" class=\"filters\">"));
    let opened = format!("<details class=\"case k-fail\" id=\"{id}\" open=\"\">");
    assert!(dom.contains(&opened), "anchor did not open {id}");
}

// What report_probe.js reports (see there for how each is measured).

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Probe {
    page: Width,
    all_open: Width,
    filters_shown: bool,
    wrap: Scroller,
    rows: Rows,
    scrolled: Scrolled,
    initial: Shown,
    scenarios: Vec<Shown>,
    reset: Shown,
    jump: Jump,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Jump {
    hidden_before: bool,
    visible: bool,
    open: bool,
    filter: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Width {
    scroll_width: f64,
    client_width: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Scroller {
    scroll_width: f64,
    client_width: f64,
    scroll_height: f64,
    client_height: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rows {
    count: usize,
    heights: Vec<f64>,
    line_height: f64,
    titles: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Scrolled {
    wrap: Rect,
    scroll_left: f64,
    scroll_top: f64,
    req: Rect,
    req_on_top: bool,
    last_cell: Rect,
    last_head: Rect,
    last_head_on_top: bool,
    corner: Rect,
    first_plugin: Rect,
}

#[derive(Deserialize, Debug)]
struct Rect {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Shown {
    rows: Vec<String>,
    columns: Vec<String>,
    plugins: Vec<PluginHead>,
    summary: Vec<String>,
    sections: Vec<String>,
    cells_per_row: Vec<usize>,
    output: String,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct PluginHead {
    label: String,
    col_span: usize,
    aligned: bool,
}

/// One setting of the three filters; `run` is a plugin's label, `""` for all.
#[derive(serde::Serialize)]
struct Scenario<'a> {
    rows: &'a str,
    run: &'a str,
    ver: &'a str,
}

/// What the page should show, worked out from the results themselves
/// rather than from the page.
struct Expect<'a> {
    runs: &'a [RunResults],
}

impl Expect<'_> {
    /// `name@version` of every matrix column of `run`, in order.
    fn columns(&self, run: &RunResults) -> Vec<String> {
        let mut versions: BTreeSet<_> = run.versions.iter().copied().collect();
        versions.extend(run.cases.iter().filter_map(|c| c.spec_version));
        let mut out: Vec<String> = versions
            .iter()
            .map(|v| format!("{}@{v}", run.target.name))
            .collect();
        if run.cases.iter().any(|c| c.spec_version.is_none()) {
            out.push(format!("{}@any", run.target.name));
        }
        out
    }

    fn all_rows(&self) -> BTreeSet<String> {
        self.runs
            .iter()
            .flat_map(|r| &r.cases)
            .flat_map(|c| &c.requirements)
            .map(|r| r.id.clone())
            .collect()
    }

    /// Requirement ids some case shows as bad in the matrix: a `fail` or
    /// `error` (plus `warn` with `warnings`) in the selected run and
    /// version. A MAY's fail or warn does not count: it is information
    /// (an error still does: the harness could not judge it).
    fn bad_rows(&self, run: Option<&str>, ver: Option<&str>, warnings: bool) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for r in self.runs {
            if run.is_some_and(|n| n != r.target.name) {
                continue;
            }
            for c in &r.cases {
                let column = c.spec_version.map_or("any".to_string(), |v| v.to_string());
                if ver.is_some_and(|v| v != column) {
                    continue;
                }
                for req in &c.requirements {
                    let may = req.level == Some(Level::May);
                    // As the cell shows it: the requirement's own verdict.
                    let bad = match c.verdict_for(&req.id) {
                        Verdict::Error | Verdict::Blocked => true,
                        Verdict::Fail => !may,
                        Verdict::Warn => warnings && !may,
                        Verdict::Pass | Verdict::Skip => false,
                    };
                    if bad {
                        out.insert(req.id.clone());
                    }
                }
            }
        }
        out
    }
}

/// `target_run`'s first notable case is opened by a link while the plugin
/// filter shows `filter_run`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct JumpArgs<'a> {
    target_run: &'a str,
    filter_run: &'a str,
}

fn probe(runs: &[RunResults], scenarios: &[Scenario<'_>], jump: &JumpArgs<'_>) -> Probe {
    let dir = tempfile::tempdir().expect("tempdir");
    let args = serde_json::to_string(&serde_json::json!({ "scenarios": scenarios, "jump": jump }))
        .expect("scenarios")
        .replace("</", "<\\/");
    // The arguments go first in <body>, the probe after the page's own script.
    let html = chromium::with_script(
        &cni_harness::report::html(runs),
        include_str!("report_probe.js"),
    )
    .replacen(
        "<body>\n",
        &format!("<body>\n<script type=\"application/json\" id=\"probe-args\">{args}</script>\n"),
        1,
    );
    let page = write_page(dir.path(), "report.html", &html);
    let dom = chromium::dump_dom(dir.path(), &format!("file://{}", page.display()));
    // The last one: the probe's own source mentions the element too.
    let start = dom
        .rfind("<pre id=\"probe\">")
        .expect("the probe ran and wrote its result")
        + "<pre id=\"probe\">".len();
    let end = start + dom[start..].find("</pre>").expect("probe output ends");
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| {
        let head: String = json.chars().take(300).collect();
        panic!("probe output: {e}: {head}")
    })
}

#[test]
fn thirty_runs_stay_readable_and_filter() {
    if !chromium::available() {
        return;
    }
    let runs = fixtures::many_runs();
    let names: BTreeSet<&str> = runs.iter().map(|r| r.target.name.as_str()).collect();
    assert_eq!(names.len(), fixtures::MANY, "fixture names must be unique");
    let expect = Expect { runs: &runs };

    // The run with the most failures, and its version with the most.
    let failing = |r: &RunResults| {
        r.cases
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .count()
    };
    let worst = runs.iter().max_by_key(|r| failing(r)).expect("runs");
    assert!(failing(worst) > 0, "the committed reports have no failure");
    let mut per_version: BTreeMap<String, usize> = BTreeMap::new();
    for c in worst.cases.iter().filter(|c| c.verdict == Verdict::Fail) {
        let column = c.spec_version.map_or("any".to_string(), |v| v.to_string());
        *per_version.entry(column).or_default() += 1;
    }
    let (worst_ver, _) = per_version
        .iter()
        .max_by_key(|(_, n)| **n)
        .expect("a failing version");
    let name = worst.target.name.as_str();
    // A version most runs have, to filter the whole matrix by.
    let common = "1.0.0";
    let scenarios = [
        Scenario {
            rows: "fail",
            run: "",
            ver: "",
        },
        Scenario {
            rows: "all",
            run: name,
            ver: "",
        },
        Scenario {
            rows: "fail",
            run: name,
            ver: worst_ver,
        },
        Scenario {
            rows: "all",
            run: "",
            ver: common,
        },
        Scenario {
            rows: "warn",
            run: "",
            ver: "",
        },
    ];
    let other = runs
        .iter()
        .map(|r| r.target.name.as_str())
        .find(|n| *n != name)
        .expect("another run");
    let jump = JumpArgs {
        target_run: name,
        filter_run: other,
    };
    let p = probe(&runs, &scenarios, &jump);

    // The page never scrolls sideways, even with every case opened; only
    // the matrix's own box does, and it has to here.
    assert!(p.filters_shown, "the script did not show the filters");
    assert!(
        p.page.scroll_width <= p.page.client_width,
        "page scrolls sideways: {} > {}",
        p.page.scroll_width,
        p.page.client_width
    );
    assert!(
        p.all_open.scroll_width <= p.all_open.client_width,
        "with every <details> open the page scrolls sideways: {} > {}",
        p.all_open.scroll_width,
        p.all_open.client_width
    );
    assert!(
        p.wrap.scroll_width > 2.0 * p.wrap.client_width,
        "30 runs should need the matrix to scroll sideways ({} in {})",
        p.wrap.scroll_width,
        p.wrap.client_width
    );
    assert!(p.wrap.scroll_height > p.wrap.client_height);

    // Scrolled to the far right and half-way down: the requirement column
    // is still at the box's left edge and on top of the cells, the version
    // headers still at its top, and the last column is in view.
    let s = &p.scrolled;
    assert!(s.scroll_left > 0.0 && s.scroll_top > 0.0);
    assert!(
        (s.req.left - s.wrap.left).abs() <= 2.0,
        "requirement column left the box: {:?} vs {:?}",
        s.req,
        s.wrap
    );
    assert!(s.req_on_top, "requirement cell is covered: {:?}", s.req);
    assert!(s.last_cell.right <= s.wrap.right + 1.0);
    assert!(
        (s.corner.top - s.wrap.top).abs() <= 2.0 && (s.first_plugin.top - s.wrap.top).abs() <= 2.0,
        "header rows scrolled away: corner {:?}, plugin {:?}, box {:?}",
        s.corner,
        s.first_plugin,
        s.wrap
    );
    assert!(
        s.last_head.top >= s.first_plugin.bottom - 2.0
            && s.last_head.bottom <= s.corner.bottom + 2.0,
        "version header not under the plugin row: {:?}",
        s.last_head
    );
    assert!(s.last_head_on_top, "version header is covered");

    // Every requirement row is one line tall, and its tooltip has the text.
    let rows = &p.rows;
    assert_eq!(rows.count, expect.all_rows().len());
    let tallest = rows.heights.iter().copied().fold(0.0, f64::max);
    assert!(
        tallest < 1.5 * rows.line_height,
        "a row is {tallest}px tall for {}px lines",
        rows.line_height
    );
    eprintln!(
        "rows: {} of {}..{tallest}px (line height {}px)",
        rows.count,
        rows.heights.iter().copied().fold(f64::MAX, f64::min),
        rows.line_height
    );
    let texts: BTreeSet<String> = runs
        .iter()
        .flat_map(|r| &r.cases)
        .flat_map(|c| &c.requirements)
        .map(|r| format!("{} ({}, {}): {}", r.id, r.level_text(), r.section, r.text))
        .collect();
    for title in &rows.titles {
        assert!(
            texts.contains(title),
            "tooltip {title:?} is not a requirement's text"
        );
    }

    // Filters. Everything is shown until one is chosen, and again after.
    let all_rows: Vec<String> = expect.all_rows().into_iter().collect();
    let all_columns: Vec<String> = {
        let mut sorted: Vec<&RunResults> = runs.iter().collect();
        sorted.sort_by(|a, b| a.target.name.cmp(&b.target.name));
        sorted.iter().flat_map(|r| expect.columns(r)).collect()
    };
    for shown in [&p.initial, &p.reset] {
        assert_eq!(sorted(&shown.rows), all_rows);
        assert_eq!(shown.columns, all_columns);
        assert_eq!(shown.summary.len(), fixtures::MANY);
        assert_eq!(shown.sections.len(), fixtures::MANY);
        assert_eq!(
            shown.output,
            format!(
                "{n} of {n} requirements, {c} of {c} columns",
                n = all_rows.len(),
                c = all_columns.len()
            )
        );
    }
    for shown in p.scenarios.iter().chain([&p.initial, &p.reset]) {
        assert!(
            shown
                .cells_per_row
                .iter()
                .all(|&n| n == shown.columns.len()),
            "rows do not have one cell per shown column"
        );
        assert!(
            shown.plugins.iter().all(|h| h.aligned),
            "plugin headers misaligned: {:?}",
            shown.plugins
        );
    }
    let [fails, one_plugin, one_cell, one_version, warns] = &p.scenarios[..] else {
        panic!("{} scenarios", p.scenarios.len());
    };

    // Failures only: the rows with a fail or error anywhere, all columns.
    let expected = expect.bad_rows(None, None, false);
    assert!(!expected.is_empty() && expected.len() < all_rows.len());
    assert_eq!(sorted(&fails.rows), Vec::from_iter(expected));
    assert_eq!(fails.columns, all_columns);

    // One plugin: its columns only, all rows; the other plugins' summary
    // lines and sections hidden too.
    assert_eq!(sorted(&one_plugin.rows), all_rows);
    assert_eq!(one_plugin.columns, expect.columns(worst));
    assert_eq!(one_plugin.plugins.len(), 1);
    assert_eq!(one_plugin.plugins[0].label, name);
    assert_eq!(one_plugin.plugins[0].col_span, expect.columns(worst).len());
    assert_eq!(one_plugin.summary, [name]);
    assert_eq!(one_plugin.sections, [name]);

    // Failures of one plugin at one version: one column.
    let expected = expect.bad_rows(Some(name), Some(worst_ver), false);
    assert!(!expected.is_empty());
    assert_eq!(sorted(&one_cell.rows), Vec::from_iter(expected));
    assert_eq!(one_cell.columns, [format!("{name}@{worst_ver}")]);

    // One version: that column of every plugin that has it.
    let with_common: Vec<String> = all_columns
        .iter()
        .filter(|c| c.ends_with(&format!("@{common}")))
        .cloned()
        .collect();
    assert!(with_common.len() > 1);
    assert_eq!(one_version.columns, with_common);
    assert_eq!(one_version.plugins.len(), with_common.len());
    assert!(one_version.plugins.iter().all(|h| h.col_span == 1));
    assert_eq!(one_version.summary.len(), fixtures::MANY);

    // Failures and warnings; a MAY's warning is not one.
    let expected = expect.bad_rows(None, None, true);
    assert_eq!(sorted(&warns.rows), Vec::from_iter(expected));

    // A link into a run the plugin filter hides clears the filter and
    // opens the case.
    assert!(p.jump.hidden_before, "the filter did not hide the case");
    assert!(p.jump.visible && p.jump.open, "linked case not shown open");
    assert_eq!(p.jump.filter, "");
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}
