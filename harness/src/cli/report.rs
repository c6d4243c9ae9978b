//! `cni-harness report`: render results JSON of one or more runs.

use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// A results.json file, or a directory searched for them; repeat to
    /// put several plugins side by side.
    #[arg(long = "in", value_name = "PATH", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Where junit.xml, summary.md and report.html go.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: &ReportArgs) -> anyhow::Result<u8> {
    let runs = cni_harness::report::load(&args.inputs)?;
    for path in cni_harness::report::write_all(&runs, &args.out)? {
        println!("{}", path.display());
    }
    Ok(0)
}
