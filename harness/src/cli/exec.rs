//! `cni-harness exec`: one verb, one sandbox, everything shown.

use std::path::PathBuf;

use anyhow::{bail, Context};

use cni_harness::config::Profile;
use cni_harness::invoke::setup;
use cni_harness::invoke::{
    Attachment, ChainRun, CniArgs, ContainerNetns, EnvStyle, Limits, Runtime,
};
use cni_harness::judge;
use cni_harness::replay::trace;
use cni_harness::sandbox::Sandbox;
use cni_harness::spec::{SpecVersion, Verb};

use super::runtime_args::RuntimeArgs;
use super::shared::TargetArgs;

#[derive(clap::Args, Debug)]
pub struct ExecArgs {
    /// add, check, del, version, status or gc.
    pub verb: Verb,
    #[command(flatten)]
    pub target: TargetArgs,
    /// CNI_IFNAME [default: the profile's, else eth0].
    #[arg(long)]
    pub ifname: Option<String>,
    /// CNI_CONTAINERID [default: one of the runtime's shape; with libcni,
    /// cni-harness-exec].
    #[arg(long)]
    pub container_id: Option<String>,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    /// Use this existing container namespace instead of a fresh sandbox. The
    /// plugin then runs in the harness's own namespace, as under a real
    /// runtime, and changes the real host.
    #[arg(long, value_name = "PATH")]
    pub netns: Option<PathBuf>,
    /// Send only the variables the spec lists for the verb, not libcni's full set.
    #[arg(long)]
    pub spec_env: bool,
    /// In a fresh sandbox, CHECK and DEL are preceded by the ADD they need;
    /// this sends the verb alone.
    #[arg(long)]
    pub no_setup: bool,
}

pub fn run(args: &ExecArgs) -> anyhow::Result<u8> {
    let path = args
        .target
        .config
        .as_ref()
        .context("--config FILE is required")?;
    let mut profile = Profile::load(path)?;
    args.runtime.apply(&mut profile)?;
    let mut net = profile.config.clone();
    if let Some(v) = args.target.spec_version {
        net = net.at_version(v);
    }
    let sandbox = match &args.netns {
        Some(ns) => Sandbox::on_host(ns, &PathBuf::from("/var/lib/cni-harness"))?,
        None => setup::sandbox_for(&profile)?,
    };
    let mut rt = Runtime::for_profile(&sandbox, args.target.cni_path_for(&profile), &profile);
    rt.limits = Limits {
        timeout: args.target.timeout(),
        ..Limits::default()
    };
    if args.spec_env {
        rt.env_style = EnvStyle::SpecMinimal;
    }
    // Fail on a missing plugin before anything runs.
    for i in 0..net.plugins.len() {
        rt.plugin_path(&net, i)?;
    }
    let att = Attachment {
        container_id: args
            .container_id
            .clone()
            .unwrap_or_else(|| rt.persona.container_id("cni-harness-exec")),
        ifname: args
            .ifname
            .clone()
            .unwrap_or_else(|| profile.ifname().to_string()),
        args: CniArgs::default(),
        netns: ContainerNetns::Sandbox,
    };
    let fresh = args.netns.is_none();
    println!("# {}", super::runtime_args::describe(&profile));
    println!(
        "# sandbox {} (CNI_NETNS={})",
        sandbox.id(),
        sandbox.container_path().display()
    );

    let before = snapshot(&sandbox);
    let run = match args.verb {
        Verb::Add => rt.add(&net, &att)?,
        Verb::Check | Verb::Del => {
            if fresh && !args.no_setup {
                println!("# setup: ADD\n");
                let setup = rt.add(&net, &att)?;
                print_run(&setup, &profile, net.spec_version());
                if !setup.succeeded() {
                    bail!("the ADD that {} needs failed", args.verb);
                }
            }
            if args.verb == Verb::Check {
                rt.check(&net, &att)?
            } else {
                rt.del(&net, &att)?
            }
        }
        Verb::Status => rt.status(&net)?,
        Verb::Gc => rt.gc(&net, std::slice::from_ref(&att))?,
        Verb::Version => {
            let mut steps = Vec::new();
            for i in 0..net.plugins.len() {
                steps.push(rt.version(&net, i)?);
            }
            ChainRun::of(Verb::Version, steps)
        }
    };
    println!("# {}\n", args.verb);
    print_run(&run, &profile, net.spec_version());
    if let (Some(before), Some(after)) = (before, snapshot(&sandbox)) {
        let changes = cni_harness::kernel::diff_sandbox(&before, &after);
        let rendered = cni_harness::kernel::render(&changes);
        print!("{}", trace::kernel_diff(&args.verb.to_string(), &rendered));
    }
    Ok(if run.succeeded() { 0 } else { 1 })
}

/// A snapshot for the diff; a failure to take one is reported, not fatal.
fn snapshot(sandbox: &Sandbox) -> Option<cni_harness::kernel::SandboxSnapshot> {
    match cni_harness::kernel::SandboxSnapshot::take(
        sandbox,
        &cni_harness::kernel::SnapshotOptions::default(),
    ) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("cni-harness: warning: no kernel diff: {e}");
            None
        }
    }
}

fn print_run(run: &ChainRun, profile: &Profile, version: Option<SpecVersion>) {
    let kind = |plugin: &str| judge::result::kind_for(profile, plugin);
    print!("{}", trace::run(run, kind, version));
}
