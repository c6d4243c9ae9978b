//! The plugins a profile lists before the fuzzed one. A meta plugin (tuning,
//! portmap, bandwidth, firewall, sbr) only means something after a main
//! plugin: libcni runs the list in order and hands each plugin the previous
//! one's result as `prevResult` (SPEC.md "Chained plugins", from 0.3.0). The
//! fuzzer has the runtime run this prefix unmutated, with its own
//! environment, before each input and delete it, in reverse, after.

use std::path::PathBuf;

use anyhow::Context;
use serde_json::Value;

use crate::config::{plugin_type, Profile};
use crate::invoke::{find_plugin, Attachment, Runtime, Step};

/// The plugins before the fuzzed one: the first `len` of the profile's list.
#[derive(Debug, Clone, Copy, Default)]
pub struct Prefix {
    len: usize,
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
    /// The plugins before position `index` of the profile's list, each
    /// found on `cni_path` (or the session cannot start).
    pub fn resolve(
        profile: &Profile,
        index: usize,
        cni_path: &[PathBuf],
    ) -> anyhow::Result<Prefix> {
        let len = index.min(profile.config.plugins.len());
        for p in &profile.config.plugins[..len] {
            let t = plugin_type(p);
            find_plugin(&t, cni_path).with_context(|| format!("chained plugin {t:?}"))?;
        }
        Ok(Prefix { len })
    }

    /// ADD every prefix plugin in order, chaining results.
    pub fn add(
        &self,
        rt: &Runtime<'_>,
        profile: &Profile,
        att: &Attachment,
        steps: &mut Vec<Step>,
    ) -> anyhow::Result<PrefixAdd> {
        let (run, passed) = rt.add_first(&profile.config, att, self.len)?;
        let outcome = match run.last() {
            Some(last) if !run.succeeded() => {
                PrefixAdd::Failed(format!("{} ADD: {}", last.plugin_type, run.summary()))
            }
            // What the last plugin hands on, re-encoded as libcni would.
            _ => PrefixAdd::Done(passed),
        };
        steps.extend(run.steps);
        Ok(outcome)
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
        steps.extend(rt.del_first(&profile.config, att, self.len, prev)?.steps);
        Ok(())
    }
}
