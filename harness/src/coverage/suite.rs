//! What a conformance run reached of its plugins' code (`test --coverage`):
//! each case's counters, gathered while it runs, and at the end the whole
//! run's per-function coverage with, per case, the functions only it reached.
//!
//! A case is a scope on the thread that grades it ([`CaseScope`]); every
//! sandbox context made inside it collects into that scope when it goes
//! ([`absorb`]). Counters of contexts made outside any case (the baseline
//! run that plans the suite) count for the run, not for a case.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::map::{CounterId, Counts};
use super::summary::{self, BinaryCoverage};

/// (binary, package, function).
type FuncKey = (u64, u32, u32);

static ENABLED: AtomicBool = AtomicBool::new(false);
static CASES: Mutex<Vec<(String, Counts)>> = Mutex::new(Vec::new());
static OUTSIDE: Mutex<Counts> = Mutex::new(BTreeMap::new());

thread_local! {
    static CURRENT: RefCell<Option<(String, Counts)>> = const { RefCell::new(None) };
}

/// Collect code coverage in every sandbox context from now on.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Counters read from a context's collector, for the case running on this
/// thread (or the run as a whole).
pub fn absorb(counts: Counts) {
    let added = CURRENT.with(|c| {
        if let Some((_, acc)) = c.borrow_mut().as_mut() {
            add(acc, &counts);
            true
        } else {
            false
        }
    });
    if !added {
        if let Ok(mut o) = OUTSIDE.lock() {
            add(&mut o, &counts);
        }
    }
}

fn add(acc: &mut Counts, counts: &Counts) {
    for (id, c) in counts {
        let e = acc.entry(*id).or_insert(0);
        *e = e.saturating_add(*c);
    }
}

/// One case's scope on its thread: what contexts collect until it drops
/// is that case's.
pub struct CaseScope(());

impl CaseScope {
    pub fn begin(case: &str) -> Option<CaseScope> {
        if !enabled() {
            return None;
        }
        CURRENT.with(|c| *c.borrow_mut() = Some((case.to_string(), Counts::new())));
        Some(CaseScope(()))
    }
}

impl Drop for CaseScope {
    fn drop(&mut self) {
        if let Some(done) = CURRENT.with(|c| c.borrow_mut().take()) {
            if let Ok(mut cases) = CASES.lock() {
                cases.push(done);
            }
        }
    }
}

/// The functions one case alone reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseCoverage {
    /// `<spec version>::<case id>`.
    pub case: String,
    pub counters_hit: usize,
    /// `package.function` reached by this case and by no other (nor by the
    /// baseline run).
    pub only_here: Vec<String>,
    /// Blocks (`package.function file:first-last line`) reached by this
    /// case and by no other: finer than functions, which the baseline
    /// often reaches all of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks_only_here: Vec<String>,
}

/// The run's code coverage, as results.json records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeCoverage {
    pub binaries: Vec<BinaryCoverage>,
    pub cases: Vec<CaseCoverage>,
}

impl CodeCoverage {
    /// One line per binary: statements hit, counters hit, functions unreached.
    pub fn lines(&self) -> Vec<String> {
        self.binaries
            .iter()
            .map(|b| {
                let funcs: usize = b.packages.iter().map(|p| p.functions.len()).sum();
                format!(
                    "code coverage of {}: {:.1}% of {} ({} of {} counters), {} of {} functions never reached",
                    b.binary.as_deref().unwrap_or(&b.hash),
                    b.percent(),
                    match b.instrumentation {
                        summary::Instrumentation::Go => "statements",
                        summary::Instrumentation::Llvm => "counters",
                    },
                    b.counters_hit,
                    b.counters,
                    b.uncovered().len(),
                    funcs
                )
            })
            .collect()
    }
}

/// What the run reached, once every case is done; `None` when coverage
/// was not collected or no binary wrote counters.
pub fn report() -> Option<CodeCoverage> {
    if !enabled() {
        return None;
    }
    let cases = CASES.lock().ok()?.clone();
    let outside = OUTSIDE.lock().ok()?.clone();
    let mut all: BTreeSet<CounterId> = outside.keys().copied().collect();
    for (_, c) in &cases {
        all.extend(c.keys().copied());
    }
    let binaries = summary::summarize(&all);
    if binaries.is_empty() {
        return None;
    }
    // Functions per case, and how many reached each (the baseline counts as one).
    let funcs_of = |counts: &Counts| -> BTreeSet<FuncKey> {
        counts
            .keys()
            .map(|id| (id.binary, id.package, id.func))
            .collect()
    };
    let mut reach: BTreeMap<FuncKey, usize> = BTreeMap::new();
    for f in funcs_of(&outside) {
        *reach.entry(f).or_insert(0) += 1;
    }
    let mut block_reach: BTreeMap<CounterId, usize> = BTreeMap::new();
    for id in outside
        .keys()
        .chain(cases.iter().flat_map(|(_, c)| c.keys()))
    {
        *block_reach.entry(*id).or_insert(0) += 1;
    }
    let blocks_only: BTreeMap<&str, Vec<String>> = cases
        .iter()
        .map(|(name, c)| {
            let only = c
                .keys()
                .filter(|id| block_reach.get(id) == Some(&1))
                .filter_map(|id| summary::block_name(*id))
                .collect();
            (name.as_str(), only)
        })
        .collect();
    let per_case: Vec<(String, usize, BTreeSet<FuncKey>)> = cases
        .iter()
        .map(|(name, c)| (name.clone(), c.len(), funcs_of(c)))
        .collect();
    for (_, _, fs) in &per_case {
        for f in fs {
            *reach.entry(*f).or_insert(0) += 1;
        }
    }
    let mut cases: Vec<CaseCoverage> = per_case
        .into_iter()
        .map(|(case, counters_hit, fs)| CaseCoverage {
            counters_hit,
            only_here: fs
                .iter()
                .filter(|f| reach.get(f) == Some(&1))
                .filter_map(|f| summary::function_name(*f))
                .collect(),
            blocks_only_here: blocks_only.get(case.as_str()).cloned().unwrap_or_default(),
            case,
        })
        .collect();
    cases.sort_by(|a, b| a.case.cmp(&b.case));
    Some(CodeCoverage { binaries, cases })
}
