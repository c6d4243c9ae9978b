//! The `cni-harness` command line: argument parsing and dispatch only; each
//! subcommand lives in its own file and calls into the library's public API.
//! It belongs to the binary, so clap is no part of the library's API.

mod exec;
mod fuzz;
mod fuzz_args;
mod list;
mod replay;
mod report;
mod runtime_args;
mod shared;
mod shim;
mod test;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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

pub fn run() -> ExitCode {
    // Installed under a plugin's name, the binary is the capture shim.
    if let Some(code) = shim::from_argv0() {
        return code;
    }
    let cli = Cli::parse();
    if matches!(
        cli.command,
        Command::Exec(_) | Command::Test(_) | Command::Fuzz(_)
    ) {
        if let Err(e) = cni_harness::interrupt::install() {
            eprintln!("cni-harness: error: cannot watch for signals: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    }
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
    if let Some(signal) = cni_harness::interrupt::signal() {
        // Sandboxes are dropped by the threads that used them; this catches
        // one half made when the signal came.
        cni_harness::sandbox::remove_leftovers();
        if let Err(e) = &outcome {
            eprintln!("cni-harness: stopped: {}", one_line(e));
        }
        return ExitCode::from(cni_harness::interrupt::exit_code(signal));
    }
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("cni-harness: error: {}", one_line(&e));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn clean(all: bool) -> anyhow::Result<u8> {
    let removed = cni_harness::sandbox::clean(all)?;
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
