//! How verdicts look on the HTML page: a labelled badge where there is
//! room (case lists), one glyph on a coloured ground in matrix cells. The
//! glyphs differ in shape as well as colour, for readers who cannot tell
//! the colours apart and for greyscale prints.

use std::fmt::Write;

use super::escape::html as esc;
use super::matrix::Mark;
use crate::record::Verdict;

/// Every mark in legend order, with what it means.
pub(super) const MEANINGS: [(Mark, &str); 7] = [
    (Mark::Pass, "every requirement holds"),
    (Mark::Fail, "a MUST is broken"),
    (Mark::Warn, "a SHOULD is broken, or the spec is ambiguous"),
    (Mark::Info, "a MAY not done: allowed, information only"),
    (Mark::Skip, "not applicable"),
    (Mark::Error, "the harness could not run the case"),
    (
        Mark::Blocked,
        "not judged: the baseline or the case's control failed first",
    ),
];

pub(super) fn badge(v: Verdict) -> String {
    format!(
        "<span class=\"badge v-{}\">{}</span>",
        v.as_str(),
        v.as_str().to_uppercase()
    )
}

pub(super) fn glyph(m: Mark) -> &'static str {
    match m {
        Mark::Pass => verdict_glyph(Verdict::Pass),
        Mark::Fail => verdict_glyph(Verdict::Fail),
        Mark::Warn => verdict_glyph(Verdict::Warn),
        Mark::Skip => verdict_glyph(Verdict::Skip),
        Mark::Error => verdict_glyph(Verdict::Error),
        Mark::Blocked => verdict_glyph(Verdict::Blocked),
        Mark::Info => "i",
    }
}

/// A case's own verdict, in the glyphs cells use.
pub(super) fn verdict_glyph(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✓",
        Verdict::Fail => "✗",
        Verdict::Warn => "!",
        Verdict::Skip => "–",
        Verdict::Error => "E",
        Verdict::Blocked => "B",
    }
}

/// The legend: each glyph as it appears in a cell, with its meaning.
pub(super) fn legend(out: &mut String) {
    out.push_str("<p class=\"legend\">");
    for (m, meaning) in MEANINGS {
        let _ = write!(
            out,
            "<span class=\"item\"><span class=\"glyph v-{}\">{}</span> <b>{}</b> {}</span>",
            m.as_str(),
            glyph(m),
            m.as_str(),
            esc(meaning)
        );
    }
    out.push_str(
        "<span class=\"item\"><span class=\"glyph none\"></span> not checked</span></p>\n",
    );
}
