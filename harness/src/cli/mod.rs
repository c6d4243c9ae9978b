//! The `cni-harness` command line: argument parsing and dispatch only; each
//! subcommand lives in its own file and calls into the library.

mod exec;
mod fuzz;
mod list;
mod replay;
mod report;
mod shim;
mod test;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::spec::SpecVersion;

/// Exit status when the harness itself could not do its job (bad input, no root...).
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "cni-harness",
    version,
    about = "Conformance and fuzz test harness for CNI plugins"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one verb against a plugin in a fresh sandbox and show exactly what happened.
    Exec(exec::ExecArgs),
    /// Run the conformance suite against a plugin (default: the embedded reference plugin).
    Test(Box<test::TestArgs>),
    /// Fuzz a plugin's configuration and environment (default: the embedded reference plugin).
    Fuzz(Box<fuzz::FuzzCmd>),
    /// Render results JSON of one or more runs into JUnit, Markdown and HTML.
    Report(report::ReportArgs),
    /// List the conformance cases and the requirement ids they check.
    List {
        /// Instead: every requirement of the catalogue with the cases checking it.
        #[arg(long)]
        coverage: bool,
    },
    /// Validate a JSON document against a spec version's schema.
    Validate(validate::ValidateArgs),
    /// Stand in for a plugin under a real runtime: record each invocation, run the real plugin.
    Shim(shim::ShimArgs),
    /// Re-run captured invocations in a sandbox and judge them (exit 1 while a defect shows).
    Replay(Box<replay::ReplayArgs>),
    /// Remove namespaces and directories left behind by killed runs.
    Clean {
        /// Also remove those of runs that are still alive.
        #[arg(long)]
        all: bool,
    },
}

/// Options shared by every command that runs plugins.
#[derive(clap::Args, Debug, Clone)]
pub struct TargetArgs {
    /// Network configuration (a .conflist or a single plugin .conf) or a plugin profile.
    #[arg(long, short = 'c')]
    pub config: Option<PathBuf>,
    /// Directories searched for plugin binaries, colon-separated
    /// [default: $CNI_PATH, else the harness's own directory, /opt/cni/bin, /usr/lib/cni].
    #[arg(long, value_name = "DIRS")]
    pub cni_path: Option<String>,
    /// Spec version to declare in the configuration (overrides its cniVersion).
    #[arg(long, value_name = "V")]
    pub spec_version: Option<SpecVersion>,
    /// Seconds before a plugin execution is killed.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

impl TargetArgs {
    pub fn cni_path(&self) -> Vec<PathBuf> {
        resolve_cni_path(self.cni_path.as_deref())
    }

    /// The command line's CNI path, else the profile's (after the harness's
    /// own directory, where the workspace plugins are), else the defaults.
    pub fn cni_path_for(&self, profile: &crate::config::Profile) -> Vec<PathBuf> {
        if self.cni_path.is_some() || profile.cni_path.is_empty() {
            return self.cni_path();
        }
        let mut dirs: Vec<PathBuf> = resolve_cni_path(None).into_iter().take(1).collect();
        dirs.extend(profile.cni_path.iter().cloned());
        dirs
    }
}

/// The CNI path to search: explicit, else `$CNI_PATH`, else defaults.
pub fn resolve_cni_path(explicit: Option<&str>) -> Vec<PathBuf> {
    let from = |s: &str| -> Vec<PathBuf> {
        s.split(':')
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect()
    };
    if let Some(s) = explicit {
        return from(s);
    }
    if let Ok(s) = std::env::var("CNI_PATH") {
        if !s.is_empty() {
            return from(&s);
        }
    }
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from))
    {
        dirs.push(dir);
    }
    dirs.push(PathBuf::from("/opt/cni/bin"));
    dirs.push(PathBuf::from("/usr/lib/cni"));
    dirs
}

pub fn main() -> ExitCode {
    if let Some(code) = shim::from_argv0() {
        return code;
    }
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Exec(args) => exec::run(&args),
        Command::Test(args) => test::run(&args),
        Command::List { coverage } => list::run(coverage),
        Command::Report(args) => report::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Shim(args) => shim::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Clean { all } => clean(all),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("cni-harness: error: {}", one_line(&e));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn clean(all: bool) -> anyhow::Result<u8> {
    let removed = crate::sandbox::clean(all)?;
    if removed.is_empty() {
        println!("nothing to clean");
    }
    for r in removed {
        println!("removed {r}");
    }
    Ok(0)
}

/// The error and its causes on one line, skipping causes whose text the
/// message already carries.
fn one_line(e: &anyhow::Error) -> String {
    let mut line = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !line.contains(&c) {
            line = format!("{line}: {c}");
        }
    }
    line
}
