//! What a set of counters covers of each binary: per package and function,
//! counters and statements hit (statements weigh as in `go tool covdata
//! percent`), and the functions never reached. For an LLVM binary the
//! packages are crates (the first segment of a function's demangled path),
//! a counter weighs one statement, and functions carry no file or line
//! (they are in the binary's coverage map, which is not read).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::collector::{binary_id, binary_path, known_go_binaries};
use super::llvm;
use super::map::CounterId;

/// Which instrumentation wrote a binary's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Instrumentation {
    /// `go build -cover`: packages, functions and statement blocks.
    #[default]
    Go,
    /// `-C instrument-coverage` (LLVM raw profiles): crates and functions.
    Llvm,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FuncCoverage {
    pub name: String,
    pub file: String,
    pub line: u32,
    pub counters: usize,
    pub counters_hit: usize,
    pub statements: u64,
    pub statements_hit: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageCoverage {
    pub path: String,
    pub counters: usize,
    pub counters_hit: usize,
    pub statements: u64,
    pub statements_hit: u64,
    pub functions: Vec<FuncCoverage>,
}

impl PackageCoverage {
    /// Share of statements hit, in percent (what `covdata percent` prints).
    pub fn percent(&self) -> f64 {
        percent(self.statements_hit, self.statements)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinaryCoverage {
    /// The binary's coverage hash (Go's meta-data hash; for LLVM the
    /// harness's hash of its functions), hex.
    pub hash: String,
    #[serde(default)]
    pub instrumentation: Instrumentation,
    /// The program path a process of it ran as (its `argv[0]`), if seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary: Option<String>,
    pub counters: usize,
    pub counters_hit: usize,
    pub statements: u64,
    pub statements_hit: u64,
    pub packages: Vec<PackageCoverage>,
}

impl BinaryCoverage {
    pub fn percent(&self) -> f64 {
        percent(self.statements_hit, self.statements)
    }

    /// Functions no counter of which was hit, `package.function`.
    pub fn uncovered(&self) -> Vec<String> {
        self.packages
            .iter()
            .flat_map(|p| {
                p.functions
                    .iter()
                    .filter(|f| f.counters_hit == 0)
                    .map(move |f| self.qualified(&p.path, f))
            })
            .collect()
    }

    /// A function's name with its package: `package.function` for Go, the
    /// demangled path (which starts with the crate) for LLVM.
    pub fn qualified(&self, package: &str, f: &FuncCoverage) -> String {
        match self.instrumentation {
            Instrumentation::Go => format!("{package}.{}", f.name),
            Instrumentation::Llvm => f.name.clone(),
        }
    }
}

pub fn percent(hit: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * hit as f64 / total as f64
    }
}

/// Coverage of every instrumented binary seen by this process, given what
/// was hit.
pub fn summarize(hit: &BTreeSet<CounterId>) -> Vec<BinaryCoverage> {
    let mut out = summarize_go(hit);
    out.extend(
        llvm::known_binaries()
            .iter()
            .map(|b| summarize_llvm(b, hit)),
    );
    out
}

/// The crate of a demangled Rust path (`<a::B as c::D>::f` is `a`'s).
pub fn crate_of(name: &str) -> &str {
    let s = name.trim_start_matches(['<', '&', '*', ' ']);
    let s = s.strip_prefix("mut ").unwrap_or(s);
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    if end == 0 {
        name
    } else {
        &s[..end]
    }
}

/// One LLVM binary: functions grouped by crate; the instantiations of a
/// generic function (same demangled name and structure) are one function
/// whose counter is hit when any instantiation's is.
pub fn summarize_llvm(bin: &llvm::Binary, hit: &BTreeSet<CounterId>) -> BinaryCoverage {
    // (crate, name, structural hash) -> (counters, hit per counter)
    let mut funcs: BTreeMap<(String, String, u64), (usize, Vec<bool>)> = BTreeMap::new();
    for f in &bin.functions {
        let name = f.display_name();
        let krate = crate_of(&name).to_string();
        let e = funcs
            .entry((krate, name, f.func_hash))
            .or_insert_with(|| (f.counters as usize, vec![false; f.counters as usize]));
        for (unit, h) in e.1.iter_mut().enumerate() {
            *h |= hit.contains(&bin.counter_id(f, unit as u32));
        }
    }
    let mut b = BinaryCoverage {
        hash: format!("{:08x}", bin.package),
        instrumentation: Instrumentation::Llvm,
        binary: bin.main_crate(),
        counters: 0,
        counters_hit: 0,
        statements: 0,
        statements_hit: 0,
        packages: Vec::new(),
    };
    let mut packages: BTreeMap<String, PackageCoverage> = BTreeMap::new();
    for ((krate, name, _), (counters, hits)) in funcs {
        let counters_hit = hits.iter().filter(|h| **h).count();
        let p = packages
            .entry(krate.clone())
            .or_insert_with(|| PackageCoverage {
                path: krate,
                counters: 0,
                counters_hit: 0,
                statements: 0,
                statements_hit: 0,
                functions: Vec::new(),
            });
        p.counters += counters;
        p.counters_hit += counters_hit;
        p.statements += counters as u64;
        p.statements_hit += counters_hit as u64;
        p.functions.push(FuncCoverage {
            name,
            file: String::new(),
            line: 0,
            counters,
            counters_hit,
            statements: counters as u64,
            statements_hit: counters_hit as u64,
        });
    }
    for p in packages.into_values() {
        b.counters += p.counters;
        b.counters_hit += p.counters_hit;
        b.statements += p.statements;
        b.statements_hit += p.statements_hit;
        b.packages.push(p);
    }
    b
}

fn summarize_go(hit: &BTreeSet<CounterId>) -> Vec<BinaryCoverage> {
    let mut out = Vec::new();
    for meta in known_go_binaries() {
        let binary = binary_id(&meta.hash);
        let mut b = BinaryCoverage {
            hash: meta.hash.iter().map(|x| format!("{x:02x}")).collect(),
            instrumentation: Instrumentation::Go,
            binary: binary_path(&meta.hash),
            counters: 0,
            counters_hit: 0,
            statements: 0,
            statements_hit: 0,
            packages: Vec::new(),
        };
        for (pi, pkg) in meta.packages.iter().enumerate() {
            let mut p = PackageCoverage {
                path: pkg.path.clone(),
                counters: 0,
                counters_hit: 0,
                statements: 0,
                statements_hit: 0,
                functions: Vec::new(),
            };
            for (fi, func) in pkg.funcs.iter().enumerate() {
                let mut f = FuncCoverage {
                    name: func.name.clone(),
                    file: func.file.clone(),
                    line: func.units.first().map(|u| u.start_line).unwrap_or(0),
                    counters: func.units.len(),
                    counters_hit: 0,
                    statements: 0,
                    statements_hit: 0,
                };
                for (ui, unit) in func.units.iter().enumerate() {
                    let id = CounterId {
                        binary,
                        package: pi as u32,
                        func: fi as u32,
                        unit: ui as u32,
                    };
                    f.statements += u64::from(unit.statements);
                    if hit.contains(&id) {
                        f.counters_hit += 1;
                        f.statements_hit += u64::from(unit.statements);
                    }
                }
                p.counters += f.counters;
                p.counters_hit += f.counters_hit;
                p.statements += f.statements;
                p.statements_hit += f.statements_hit;
                p.functions.push(f);
            }
            b.counters += p.counters;
            b.counters_hit += p.counters_hit;
            b.statements += p.statements;
            b.statements_hit += p.statements_hit;
            b.packages.push(p);
        }
        out.push(b);
    }
    out
}

/// The LLVM function a counter id names, if known.
fn llvm_function(binary: u64, package: u32, func: u32) -> Option<String> {
    if package & llvm::LLVM_PACKAGE == 0 {
        return None;
    }
    llvm::known_binaries()
        .into_iter()
        .find(|b| b.package == package)?
        .function(binary, func)
        .map(llvm::Function::display_name)
}

/// `package.function` of a (binary, package, function) triple, if known.
pub fn function_name((binary, package, func): (u64, u32, u32)) -> Option<String> {
    if let Some(name) = llvm_function(binary, package, func) {
        return Some(name);
    }
    known_go_binaries()
        .into_iter()
        .find(|m| binary_id(&m.hash) == binary)
        .and_then(|m| {
            let p = m.packages.get(package as usize)?;
            let f = p.funcs.get(func as usize)?;
            Some(format!("{}.{}", p.path, f.name))
        })
}

/// `package.function file:first-last` of one counter's block, if known
/// (`function #counter` for LLVM).
pub fn block_name(id: CounterId) -> Option<String> {
    if let Some(name) = llvm_function(id.binary, id.package, id.func) {
        return Some(format!("{name} #{}", id.unit));
    }
    known_go_binaries()
        .into_iter()
        .find(|m| binary_id(&m.hash) == id.binary)
        .and_then(|m| {
            let p = m.packages.get(id.package as usize)?;
            let f = p.funcs.get(id.func as usize)?;
            let u = f.units.get(id.unit as usize)?;
            Some(format!(
                "{}.{} {}:{}-{}",
                p.path, f.name, f.file, u.start_line, u.end_line
            ))
        })
}
