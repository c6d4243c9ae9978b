//! Where an instrumented plugin writes its counters, and reading them back.
//!
//! One directory per runtime user (a fuzz worker, a suite run), on the
//! host's `/dev/shm`: a tmpfs (no disk writes per execution) that the
//! sandbox's mount namespace shows as it is, since `/dev` is a kernel view
//! the copy-on-write layer leaves alone (`sandbox::overlay`). A directory
//! under `/tmp` would not do: the plugin's writes there land in the
//! sandbox's upper layer, out of the harness's sight.
//!
//! The counters of every process started since the last [`Collector::take`]
//! (the plugin, its delegates, the chain around it: they inherit the
//! environment) are read, summed and deleted; Go's meta-data files stay (a
//! process writes one only when none with its hash exists) and are parsed
//! once per binary for the whole harness process.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::go;
use super::map::{CounterId, Counts};

/// Go's counter directory.
pub const GO_ENV: &str = "GOCOVERDIR";
/// LLVM's raw profile path (Rust `-C instrument-coverage`, clang).
pub const LLVM_ENV: &str = "LLVM_PROFILE_FILE";

/// Parsed meta-data of every Go binary seen, by hash.
fn metas() -> &'static Mutex<HashMap<[u8; 16], Arc<go::Meta>>> {
    static METAS: OnceLock<Mutex<HashMap<[u8; 16], Arc<go::Meta>>>> = OnceLock::new();
    METAS.get_or_init(Default::default)
}

/// The program path each binary ran as (`argv0` of its counter files).
fn paths() -> &'static Mutex<HashMap<[u8; 16], String>> {
    static PATHS: OnceLock<Mutex<HashMap<[u8; 16], String>>> = OnceLock::new();
    PATHS.get_or_init(Default::default)
}

pub fn binary_path(hash: &[u8; 16]) -> Option<String> {
    paths().lock().ok()?.get(hash).cloned()
}

/// Every Go binary's meta-data seen so far by this process.
pub fn known_go_binaries() -> Vec<Arc<go::Meta>> {
    let mut v: Vec<Arc<go::Meta>> = metas()
        .lock()
        .map(|m| m.values().cloned().collect())
        .unwrap_or_default();
    v.sort_by_key(|m| m.hash);
    v
}

/// Counters of every binary seen so far (the denominator of "hit / total").
pub fn known_counters() -> usize {
    known_go_binaries()
        .iter()
        .map(|m| m.counters())
        .sum::<usize>()
        + super::llvm::known_counters()
}

pub fn binary_id(hash: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    for (d, s) in b.iter_mut().zip(hash) {
        *d = *s;
    }
    u64::from_le_bytes(b)
}

/// What the processes since the last take left.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub counts: Counts,
    /// Counter files (Go) and raw profiles (LLVM) read.
    pub files: usize,
    /// Files that could not be read, one line each (a process killed while
    /// writing leaves a cut file: skipped, not fatal).
    pub errors: Vec<String>,
}

/// A counter directory of its own, removed on drop.
#[derive(Debug)]
pub struct Collector {
    dir: PathBuf,
}

impl Collector {
    pub fn new() -> io::Result<Collector> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!(
            "cni-harness-cov-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Collector { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What every plugin process gets on top of its environment.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (GO_ENV.into(), self.dir.display().to_string()),
            (
                LLVM_ENV.into(),
                self.dir.join("cnih-%p.profraw").display().to_string(),
            ),
        ]
    }

    /// Read, sum and delete the counters written since the last call.
    pub fn take(&self) -> Sample {
        let mut sample = Sample::default();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return sample;
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let path = self.dir.join(&name);
            let read = if go::counter_file_hash(&name).is_some() {
                self.read_go(&path, &mut sample.counts)
            } else if name.ends_with(".profraw") {
                super::llvm::read_into(&path, &mut sample.counts)
            } else {
                continue;
            };
            let _ = std::fs::remove_file(&path);
            match read {
                Ok(()) => sample.files += 1,
                Err(e) => sample.errors.push(format!("{name}: {e}")),
            }
        }
        sample
    }

    fn read_go(&self, path: &Path, counts: &mut Counts) -> Result<(), String> {
        let data = std::fs::read(path).map_err(|e| e.to_string())?;
        let counters = go::Counters::parse(&data).map_err(|e| e.to_string())?;
        let meta = self.meta(&counters.meta_hash)?;
        if let Some((_, argv0)) = counters.args.iter().find(|(k, _)| k == "argv0") {
            if let Ok(mut p) = paths().lock() {
                p.entry(meta.hash).or_insert_with(|| argv0.clone());
            }
        }
        let binary = binary_id(&meta.hash);
        for f in &counters.funcs {
            // Ids outside the meta-data would name nothing in reports.
            let known = meta
                .packages
                .get(f.package as usize)
                .and_then(|p| p.funcs.get(f.func as usize))
                .map(|fd| fd.units.len());
            let Some(units) = known else { continue };
            for (unit, c) in f.counts.iter().enumerate().take(units) {
                if *c == 0 {
                    continue;
                }
                let id = CounterId {
                    binary,
                    package: f.package,
                    func: f.func,
                    unit: unit as u32,
                };
                let e = counts.entry(id).or_insert(0);
                *e = e.saturating_add(*c);
            }
        }
        Ok(())
    }

    fn meta(&self, hash: &[u8; 16]) -> Result<Arc<go::Meta>, String> {
        if let Some(m) = metas().lock().map_err(|e| e.to_string())?.get(hash) {
            return Ok(m.clone());
        }
        let path = self.dir.join(go::meta_file_name(hash));
        let data = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let meta = Arc::new(go::Meta::parse(&data).map_err(|e| e.to_string())?);
        metas()
            .lock()
            .map_err(|e| e.to_string())?
            .insert(*hash, meta.clone());
        Ok(meta)
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
