//! `cni-harness replay DIR`: re-run captured invocations in a sandbox,
//! judge them, print the trace; exit 1 while a defect shows, 0 once none
//! does (2: the harness could not replay), so it serves `git bisect run`.

use std::path::PathBuf;

use cni_harness::replay::{self, record, trace, ReplayOptions, ReplayReport};
use cni_harness::schema::DocumentKind;

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// Directory of captures written by `cni-harness shim`.
    pub dir: PathBuf,
    /// CNI_PATH of the replay, also where plugins are looked up by name
    /// [default: the recorded CNI_PATH and the recorded binaries].
    #[arg(long, value_name = "DIRS")]
    pub cni_path: Option<String>,
    /// Run this plugin binary for every invocation instead of the recorded one.
    #[arg(long, value_name = "PATH")]
    pub plugin: Option<PathBuf>,
    /// Pass the runtime's recorded environment too, not only CNI_* and a fixed PATH.
    #[arg(long)]
    pub runtime_env: bool,
    /// Also exit 1 on broken SHOULDs (warnings).
    #[arg(long)]
    pub strict: bool,
    /// Seconds before a plugin execution is killed.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Write the first attachment's sequence as a fuzz seed into DIR (no replay).
    #[arg(long, value_name = "DIR")]
    pub to_seed: Option<PathBuf>,
    /// Write the recorded configuration as a regression profile (no replay).
    #[arg(long, value_name = "FILE")]
    pub to_profile: Option<PathBuf>,
}

pub fn run(args: &ReplayArgs) -> anyhow::Result<u8> {
    if args.to_seed.is_some() || args.to_profile.is_some() {
        let (captures, _) = record::load_dir(&args.dir)?;
        if let Some(dir) = &args.to_seed {
            let file = replay::convert::to_seed(&captures, dir)?;
            println!("fuzz seed written to {}", file.display());
        }
        if let Some(file) = &args.to_profile {
            replay::convert::to_profile(&captures, file)?;
            println!("profile written to {}", file.display());
        }
        return Ok(0);
    }
    let opts = ReplayOptions {
        cni_path: args.cni_path.as_deref().map(|s| {
            s.split(':')
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .collect()
        }),
        plugin: args.plugin.clone(),
        runtime_env: args.runtime_env,
        timeout: std::time::Duration::from_secs(args.timeout),
    };
    let report = replay::replay_dir(&args.dir, &opts)?;
    print!("{}", render(&report));
    let fires = report.reproduces(args.strict);
    println!(
        "{}: {}",
        args.dir.display(),
        if fires {
            "the defect reproduces"
        } else {
            "no defect"
        }
    );
    Ok(u8::from(fires))
}

fn render(report: &ReplayReport) -> String {
    let mut out = format!("# sandbox {}\n", report.sandbox_id);
    for (recorded, ours) in &report.netns_map {
        out.push_str(&format!("# CNI_NETNS {recorded} -> {}\n", ours.display()));
    }
    for s in &report.skipped {
        out.push_str(&format!("# not replayed: {s}\n"));
    }
    out.push('\n');
    for r in &report.steps {
        let verb = r.step.invocation.verb;
        out.push_str(&format!(
            "# capture {}: {} {}\n\n",
            r.captured.seq,
            r.captured.plugin_type(),
            verb
        ));
        let version = cni_harness::judge::error::requested_version(&r.step);
        out.push_str(&trace::step(&r.step, DocumentKind::Result, version));
        for d in &r.differences {
            out.push_str(&format!("  note: {d}\n"));
        }
        for f in &r.findings {
            out.push_str(&format!("  {f}\n"));
        }
        out.push_str(&trace::kernel_diff(&verb.to_string(), &r.kernel_diff));
        out.push('\n');
    }
    for n in &report.notes {
        out.push_str(&format!("# {n}\n"));
    }
    if !report.leak_findings.is_empty() {
        out.push_str("# after the last DEL:\n");
        for f in &report.leak_findings {
            out.push_str(&format!("  {f}\n"));
        }
    }
    out
}
