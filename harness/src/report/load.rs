//! Reading results files, with errors that name the file and the problem.

use std::path::{Path, PathBuf};

use crate::record::{RunResults, FORMAT_NAME, FORMAT_VERSION};

/// Why results could not be loaded. Every variant names the offending path.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no results given: pass at least one results.json file or directory")]
    NoInput,
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: no *.json results files in this directory", dir.display())]
    NoResults { dir: PathBuf },
    #[error("{}: not valid JSON: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{}: not a cni-harness results file (\"format\" is {found}, expected \"{FORMAT_NAME}\")",
        path.display()
    )]
    WrongFormat { path: PathBuf, found: String },
    #[error(
        "{}: results format_version {found} is not supported (this cni-harness reads version {FORMAT_VERSION}); \
         use a cni-harness release that matches the one that wrote it",
        path.display()
    )]
    UnsupportedVersion { path: PathBuf, found: String },
    #[error("{}: malformed results (format_version {FORMAT_VERSION}): {source}", path.display())]
    Malformed {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// Loads results from each path: a results file, or a directory whose
/// `*.json` files (not recursive, in name order) are all results files.
/// Runs come back in argument order, then file name order.
pub fn load(paths: &[PathBuf]) -> Result<Vec<RunResults>, ReportError> {
    if paths.is_empty() {
        return Err(ReportError::NoInput);
    }
    let mut runs = Vec::new();
    for path in paths {
        let io_err = |source| ReportError::Io {
            path: path.clone(),
            source,
        };
        if std::fs::metadata(path).map_err(io_err)?.is_dir() {
            let files = json_files_in(path)?;
            if files.is_empty() {
                return Err(ReportError::NoResults { dir: path.clone() });
            }
            for file in files {
                runs.push(load_file(&file)?);
            }
        } else {
            runs.push(load_file(path)?);
        }
    }
    Ok(runs)
}

fn json_files_in(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let io_err = |source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let path = entry.map_err(io_err)?.path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn load_file(path: &Path) -> Result<RunResults, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text)
}

/// Checks `format` and `format_version` before the full parse, so a file from
/// another tool or another format version gets that error rather than a
/// confusing "missing field".
fn parse(path: &Path, text: &str) -> Result<RunResults, ReportError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|source| ReportError::Json {
            path: path.to_path_buf(),
            source,
        })?;
    let format = value.get("format");
    if format.and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
        return Err(ReportError::WrongFormat {
            path: path.to_path_buf(),
            found: format.map_or_else(|| "missing".to_string(), |f| f.to_string()),
        });
    }
    let version = value.get("format_version");
    if version.and_then(|v| v.as_u64()) != Some(u64::from(FORMAT_VERSION)) {
        return Err(ReportError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version.map_or_else(|| "missing".to_string(), |v| v.to_string()),
        });
    }
    serde_json::from_value(value).map_err(|source| ReportError::Malformed {
        path: path.to_path_buf(),
        source,
    })
}
