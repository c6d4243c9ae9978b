//! What a set of counters covers of each binary: per package and function,
//! counters and statements hit (statements weigh as in `go tool covdata
//! percent`), and the functions never reached.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::collector::{binary_id, binary_path, known_go_binaries};
use super::map::CounterId;

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
    /// The binary's coverage hash (Go's meta-data hash), hex.
    pub hash: String,
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
                    .map(move |f| format!("{}.{}", p.path, f.name))
            })
            .collect()
    }
}

pub fn percent(hit: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * hit as f64 / total as f64
    }
}

/// Coverage of every Go binary seen by this process, given what was hit.
pub fn summarize(hit: &BTreeSet<CounterId>) -> Vec<BinaryCoverage> {
    let mut out = Vec::new();
    for meta in known_go_binaries() {
        let binary = binary_id(&meta.hash);
        let mut b = BinaryCoverage {
            hash: meta.hash.iter().map(|x| format!("{x:02x}")).collect(),
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

/// `package.function` of a (binary, package, function) triple, if known.
pub fn function_name((binary, package, func): (u64, u32, u32)) -> Option<String> {
    known_go_binaries()
        .into_iter()
        .find(|m| binary_id(&m.hash) == binary)
        .and_then(|m| {
            let p = m.packages.get(package as usize)?;
            let f = p.funcs.get(func as usize)?;
            Some(format!("{}.{}", p.path, f.name))
        })
}

/// `package.function file:first-last` of one counter's block, if known.
pub fn block_name(id: CounterId) -> Option<String> {
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
