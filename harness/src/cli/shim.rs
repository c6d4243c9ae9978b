//! `cni-harness shim`: record a plugin's real invocations (see
//! `cni_harness::replay::capture`), or install the wrapper that does.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Context;

use cni_harness::replay::capture::{self, ShimConfig};

#[derive(clap::Args, Debug)]
pub struct ShimArgs {
    /// The real plugin binary to run.
    #[arg(long, value_name = "PATH")]
    pub real: PathBuf,
    /// Directory the invocations are recorded into (one JSON file each).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Instead of running: write a wrapper script at PATH that runs this
    /// shim in front of the real plugin (PATH is what the runtime will run:
    /// the plugin's name in a directory of its CNI path).
    #[arg(long, value_name = "PATH")]
    pub install: Option<PathBuf>,
    /// The path the runtime ran (a wrapper script passes its own, "$0"),
    /// which names the plugin [default: argv[0]].
    #[arg(long = "as", value_name = "PATH")]
    pub invoked_as: Option<PathBuf>,
    /// Arguments passed on to the plugin (CNI plugins take none).
    #[arg(last = true)]
    pub args: Vec<OsString>,
}

/// Run as the shim; never returns (the process ends as the plugin did),
/// except with `--install`.
pub fn run(args: &ShimArgs) -> anyhow::Result<u8> {
    if let Some(at) = &args.install {
        return install(args, at);
    }
    let config = ShimConfig {
        real: args.real.clone(),
        out: args.out.clone(),
    };
    let invoked_as = args.invoked_as.clone().unwrap_or_else(|| {
        std::env::args_os()
            .next()
            .map(PathBuf::from)
            .unwrap_or_default()
    });
    capture::exit_as(capture::run(&config, &invoked_as, &args.args))
}

fn install(args: &ShimArgs, at: &Path) -> anyhow::Result<u8> {
    use std::os::unix::fs::PermissionsExt;
    let real = std::fs::canonicalize(&args.real)
        .with_context(|| format!("--real {}", args.real.display()))?;
    let harness = std::env::current_exe().context("where this cni-harness is")?;
    anyhow::ensure!(
        std::fs::canonicalize(at).ok() != Some(real.clone()),
        "--install {} would replace the real plugin itself: move it aside first",
        at.display()
    );
    std::fs::write(at, capture::wrapper_script(&harness, &real, &args.out))
        .with_context(|| format!("cannot write {}", at.display()))?;
    std::fs::set_permissions(at, std::fs::Permissions::from_mode(0o755))?;
    println!(
        "{} now records {} into {}",
        at.display(),
        real.display(),
        args.out.display()
    );
    Ok(0)
}

/// Installed as a symlink or copy named like a plugin, with a
/// `<name>.shim.json` beside it: run as the shim. `None` when this process
/// is the ordinary command line.
pub fn from_argv0() -> Option<std::process::ExitCode> {
    let mut argv = std::env::args_os();
    let arg0 = PathBuf::from(argv.next()?);
    if arg0
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("cni-harness"))
    {
        return None;
    }
    // Run through $PATH, argv[0] has no directory: the file itself then.
    let invoked_as = if arg0.components().count() > 1 {
        arg0
    } else {
        std::env::current_exe().ok()?
    };
    let config = match capture::sidecar(&invoked_as)? {
        Ok(c) => c,
        Err(e) => {
            // Without a readable configuration there is no plugin to run.
            eprintln!("cni-harness shim: {e}");
            println!(
                r#"{{"code":5,"msg":"cni-harness shim: cannot read {}"}}"#,
                capture::sidecar_of(&invoked_as)
                    .display()
                    .to_string()
                    .replace('"', "'")
            );
            return Some(std::process::ExitCode::from(1));
        }
    };
    let rest: Vec<OsString> = argv.collect();
    capture::exit_as(capture::run(&config, &invoked_as, &rest))
}
