//! Coverage guidance: which inputs the plugin's own code says are new, and
//! which corpus entries mutation should start from.
//!
//! An input joins the corpus when one of its counters reaches a hit-count
//! bucket no earlier input reached ([`CoverageMap`]). Each (counter, bucket)
//! pair draws weight `1 / sqrt(executions that reached it)`, shared equally
//! by the corpus entries that reach it; an entry's weight is the sum of its
//! shares plus a small floor. So code that nearly every execution runs
//! (parsing, the common error paths) adds next to nothing, an entry that
//! alone reaches code few executions reached is drawn far more often than
//! the rest, and its pull fades as mutations of it run that code over and
//! over (the idea of AFL's favoured entries and rare power schedule, and of
//! libFuzzer's rare-feature weighting). A pair counted once per entry, not
//! per execution, would give the code every input runs as much pull as the
//! code one input found. The sum is divided by `sqrt(1 + times the entry
//! was drawn)`: an entry whose mutations keep finding nothing (a dead end
//! that alone reaches some rare error path) yields to fresh entries, as
//! AFL's schedules fuzz new queue entries first.
//!
//! The map is saved next to the corpus (`coverage-map.txt`, ignored as an
//! input since it is not `*.json`), read back when a session resumes from
//! that corpus, and merged with the corpora by `fuzz --merge`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::coverage::{features, CounterId, Counts, CoverageMap};

pub const MAP_FILE: &str = "coverage-map.txt";
/// The weight of an entry none of whose pairs has any pull left.
const BASE_WEIGHT: f64 = 0.001;

#[derive(Debug, Default)]
pub struct Guidance {
    pub map: CoverageMap,
    /// Features of each corpus entry, by corpus position (`None`: not run yet).
    entries: Vec<Option<Vec<u64>>>,
    /// Corpus entries having each feature.
    freq: HashMap<u64, u32>,
    /// Executions that reached each feature.
    execs: HashMap<u64, u64>,
    /// Times each corpus entry was drawn to be mutated.
    picks: Vec<u32>,
    /// Executions observed, and the weights as of then (recomputed every
    /// [`REWEIGH_EVERY`] executions and when the corpus changes: a sum over
    /// every entry's pairs is too dear to make per execution).
    observed: u64,
    cached: Option<(u64, Vec<f64>)>,
}

const REWEIGH_EVERY: u64 = 16;

impl Guidance {
    /// Merge an execution's counts; whether any (counter, bucket) was new.
    pub fn observe(&mut self, counts: &Counts) -> bool {
        self.observed += 1;
        for f in features(counts) {
            *self.execs.entry(f).or_insert(0) += 1;
        }
        self.map.add(counts) > 0
    }

    /// Corpus entry `index` was drawn to be mutated.
    pub fn picked(&mut self, index: usize) {
        if self.picks.len() <= index {
            self.picks.resize(index + 1, 0);
        }
        self.picks[index] = self.picks[index].saturating_add(1);
    }

    /// Corpus entry `index` reached `counts`.
    pub fn set_entry(&mut self, index: usize, counts: &Counts) {
        if self.entries.len() <= index {
            self.entries.resize(index + 1, None);
        }
        let feats = features(counts);
        if let Some(old) = self.entries[index].take() {
            for f in old {
                if let Some(n) = self.freq.get_mut(&f) {
                    *n = n.saturating_sub(1);
                }
            }
        }
        for f in &feats {
            *self.freq.entry(*f).or_insert(0) += 1;
        }
        self.entries[index] = Some(feats);
        self.cached = None;
    }

    /// Draw weights for a corpus of `len` entries (entries not run yet
    /// weigh 1).
    pub fn weights(&mut self, len: usize) -> Vec<f64> {
        let fresh = matches!(&self.cached, Some((at, _)) if self.observed - at < REWEIGH_EVERY);
        if !fresh {
            self.cached = Some((self.observed, self.compute_weights()));
        }
        let mut w = self
            .cached
            .as_ref()
            .map(|(_, w)| w.clone())
            .unwrap_or_default();
        w.resize(len, 1.0);
        w
    }

    fn compute_weights(&self) -> Vec<f64> {
        self.entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let picks = f64::from(self.picks.get(i).copied().unwrap_or(0));
                (BASE_WEIGHT
                    + e.as_ref().map_or(0.0, |fs| {
                        fs.iter()
                            .map(|f| {
                                let holders = f64::from((*self.freq.get(f).unwrap_or(&1)).max(1));
                                let execs = (*self.execs.get(f).unwrap_or(&1)).max(1) as f64;
                                1.0 / (holders * execs.sqrt())
                            })
                            .sum::<f64>()
                    }))
                    / (1.0 + picks).sqrt()
            })
            .collect()
    }

    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)?;
        write_map(&self.map, &dir.join(MAP_FILE))
    }

    /// Read the map a previous session left in `dir`, if any.
    pub fn load(dir: &Path) -> anyhow::Result<Guidance> {
        let mut g = Guidance::default();
        let path = dir.join(MAP_FILE);
        if path.exists() {
            read_map(&path, &mut g.map)?;
        }
        Ok(g)
    }
}

/// One line per counter: binary, package, function, unit, bucket mask.
fn write_map(map: &CoverageMap, path: &Path) -> anyhow::Result<()> {
    let mut lines: Vec<String> = map
        .ids()
        .map(|(id, b)| {
            format!(
                "{:016x} {} {} {} {}",
                id.binary, id.package, id.func, id.unit, b
            )
        })
        .collect();
    lines.sort();
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn read_map(path: &Path, map: &mut CoverageMap) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || {
            anyhow::anyhow!(
                "{}:{}: not a coverage map line: {line:?}",
                path.display(),
                n + 1
            )
        };
        let f: Vec<&str> = line.split_whitespace().collect();
        let [binary, package, func, unit, buckets] = f.as_slice() else {
            return Err(bad());
        };
        let id = CounterId {
            binary: u64::from_str_radix(binary, 16).map_err(|_| bad())?,
            package: package.parse().map_err(|_| bad())?,
            func: func.parse().map_err(|_| bad())?,
            unit: unit.parse().map_err(|_| bad())?,
        };
        map.insert_buckets(id, buckets.parse().map_err(|_| bad())?);
    }
    Ok(())
}

/// Union of the coverage maps of `dirs` into `out` (with `fuzz --merge`);
/// whether any directory had one.
pub fn merge_maps(dirs: &[PathBuf], out: &Path) -> anyhow::Result<bool> {
    let mut map = CoverageMap::default();
    let mut any = false;
    for d in dirs.iter().map(PathBuf::as_path).chain([out]) {
        let path = d.join(MAP_FILE);
        if path.exists() {
            read_map(&path, &mut map)?;
            any = true;
        }
    }
    if any {
        std::fs::create_dir_all(out)?;
        write_map(&map, &out.join(MAP_FILE))?;
    }
    Ok(any)
}

/// Index drawn with probability proportional to its weight, from a number
/// in `[0, 1)`.
pub fn weighted_index(weights: &[f64], unit: f64) -> Option<usize> {
    let total: f64 = weights.iter().sum();
    if weights.is_empty() || total <= 0.0 {
        return None;
    }
    let mut left = unit * total;
    for (i, w) in weights.iter().enumerate() {
        if left < *w {
            return Some(i);
        }
        left -= w;
    }
    Some(weights.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(unit: u32) -> CounterId {
        CounterId {
            binary: 7,
            package: 0,
            func: 1,
            unit,
        }
    }

    #[test]
    fn rare_coverage_weighs_more() {
        let mut g = Guidance::default();
        let common: Counts = [(id(0), 1)].into();
        let rare: Counts = [(id(0), 1), (id(1), 1)].into();
        for _ in 0..99 {
            g.observe(&common);
        }
        g.observe(&rare);
        g.set_entry(0, &common);
        g.set_entry(1, &common);
        g.set_entry(2, &rare);
        let w = g.weights(4);
        assert!(w[2] > w[0] && w[0] == w[1], "{w:?}");
        // What one execution in a hundred reached pulls far more than
        // what every execution reached.
        assert!(w[2] > 5.0 * (w[0] + w[1]), "{w:?}");
        assert_eq!(w[3], 1.0);
        // The pull fades as executions keep reaching it.
        let before = w[2];
        for _ in 0..99 {
            g.observe(&rare);
        }
        assert!(g.weights(3)[2] < before / 5.0);
        assert_eq!(weighted_index(&[1.0, 3.0], 0.2), Some(0));
        assert_eq!(weighted_index(&[1.0, 3.0], 0.3), Some(1));
        assert_eq!(weighted_index(&[], 0.3), None);
    }

    #[test]
    fn maps_survive_saving_and_merge() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let mut g = Guidance::default();
        g.observe(&[(id(0), 1)].into());
        g.save(a.path()).unwrap();
        let mut h = Guidance::default();
        h.observe(&[(id(0), 9), (id(3), 1)].into());
        h.save(b.path()).unwrap();
        assert!(merge_maps(&[a.path().into(), b.path().into()], out.path()).unwrap());
        let merged = Guidance::load(out.path()).unwrap();
        assert_eq!(merged.map.hit(), 2);
        // Buckets 1 and 8-15 of unit 0 are both known: neither is new.
        let mut again = merged;
        assert!(!again.observe(&[(id(0), 1), (id(0), 9)].into()));
        assert!(again.observe(&[(id(0), 2)].into()));
        assert!(std::fs::read_to_string(a.path().join(MAP_FILE))
            .unwrap()
            .starts_with("0000000000000007 0 1 0 1"));
    }
}
