//! The plugins a profile lists before the fuzzed one. A meta plugin (tuning,
//! portmap, bandwidth, firewall, sbr) only means something after a main
//! plugin: libcni runs the list in order and hands each plugin the previous
//! one's result as `prevResult` (SPEC.md "Chained plugins", from 0.3.0). The
//! fuzzer runs this prefix unmutated, with the runtime's own environment,
//! before each input and deletes it, in reverse, after.

use std::path::PathBuf;

use anyhow::Context;
use serde_json::Value;

use crate::config::{plugin_stdin, plugin_type, Profile, StdinFor};
use crate::invoke::{find_plugin, Attachment, Runtime, Step};

/// The binaries of the plugins before the fuzzed one, in list order.
#[derive(Debug, Clone, Default)]
pub struct Prefix {
    plugins: Vec<PathBuf>,
}

/// How the prefix's ADD went.
pub enum PrefixAdd {
    /// Every plugin succeeded; the last result (none for an empty prefix) is
    /// the fuzzed plugin's `prevResult`.
    Done(Option<Value>),
    /// One failed: the sandbox no longer takes the runtime's own configuration.
    Failed(String),
}

impl Prefix {
    /// The plugins before position `index` of the profile's list.
    pub fn resolve(
        profile: &Profile,
        index: usize,
        cni_path: &[PathBuf],
    ) -> anyhow::Result<Prefix> {
        let plugins = profile.config.plugins[..index.min(profile.config.plugins.len())]
            .iter()
            .map(|p| {
                let t = plugin_type(p);
                find_plugin(&t, cni_path).with_context(|| format!("chained plugin {t:?}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Prefix { plugins })
    }

    /// ADD every prefix plugin in order, chaining results.
    pub fn add(
        &self,
        rt: &Runtime<'_>,
        profile: &Profile,
        att: &Attachment,
        steps: &mut Vec<Step>,
    ) -> anyhow::Result<PrefixAdd> {
        let mut prev: Option<Value> = None;
        for (i, path) in self.plugins.iter().enumerate() {
            let what = StdinFor::Add {
                prev_result: prev.as_ref(),
            };
            let step = exec(rt, profile, i, path, what, att)?;
            let ok = step.reply.is_success();
            let summary = step.reply.summary();
            if let Some(r) = step.reply.result() {
                prev = Some(r.clone());
            }
            steps.push(step);
            if !ok {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                return Ok(PrefixAdd::Failed(format!("{name} ADD: {summary}")));
            }
        }
        Ok(PrefixAdd::Done(prev))
    }

    /// DEL every prefix plugin in reverse order with `prev` as `prevResult`.
    pub fn del(
        &self,
        rt: &Runtime<'_>,
        profile: &Profile,
        att: &Attachment,
        prev: Option<&Value>,
        steps: &mut Vec<Step>,
    ) -> anyhow::Result<()> {
        for (i, path) in self.plugins.iter().enumerate().rev() {
            let what = StdinFor::Del { prev_result: prev };
            steps.push(exec(rt, profile, i, path, what, att)?);
        }
        Ok(())
    }
}

/// Plugin `index` of the profile's list, with the stdin and environment
/// libcni would give it.
fn exec(
    rt: &Runtime<'_>,
    profile: &Profile,
    index: usize,
    path: &std::path::Path,
    what: StdinFor<'_>,
    att: &Attachment,
) -> anyhow::Result<Step> {
    let verb = what.verb();
    let net = &profile.config;
    let stdin = plugin_stdin(net, index, what, &profile.needs.capability_args);
    let env = rt.env(verb, net.spec_version(), Some(att));
    Ok(rt.exec(path, verb, env, serde_json::to_vec(&stdin)?)?)
}
