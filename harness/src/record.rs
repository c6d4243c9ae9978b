//! The record of a run: the JSON results format written by `cni-harness test`
//! and `cni-harness fuzz` and read by `cni-harness report`.
//!
//! It is versioned: `format_version` changes whenever a field changes meaning or
//! disappears; new optional fields do not bump it. Documented in
//! `docs/results-format.md`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::invoke::Exit;
use crate::requirements::Level;
use crate::spec::{SpecVersion, Verb};

/// Identifies the document type in `format`.
pub const FORMAT_NAME: &str = "cni-harness-results";
/// Current version of this format.
pub const FORMAT_VERSION: u32 = 1;

/// One run of the suite (or one fuzz session) against one plugin configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunResults {
    pub format: String,
    pub format_version: u32,
    pub harness_version: String,
    pub kind: RunKind,
    pub target: Target,
    /// RFC 3339 UTC time the run started.
    pub started_at: String,
    pub duration_ms: u64,
    /// With `--strict`, warnings count as failures for the exit status.
    pub strict: bool,
    /// The versions the run covered, oldest first.
    pub versions: Vec<SpecVersion>,
    pub cases: Vec<CaseResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<FindingRecord>,
    /// The configuration's own ADD, CHECK and DEL, run once before the
    /// cases (`None` in fuzz results and older documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// How the versions were chosen (every binary's VERSION, the delegates
    /// seen, which binary refused which version) and the baseline of each
    /// version (`None` in fuzz results and older documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<RunPlan>,
    /// How much of the catalogue the suite that ran covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// What the run reached of the plugins' own code (`test --coverage` on
    /// instrumented binaries: docs/results-format.md, "code_coverage").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_coverage: Option<crate::coverage::suite::CodeCoverage>,
    /// Set when a signal stopped the run: what it gathered is in `cases`
    /// (or `findings`), and what it did not get to in `not_run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<Interruption>,
    /// Cases selected for the run that have no verdict because it was
    /// interrupted (also the ones in flight: their verdict would be the
    /// signal's, not the plugin's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_run: Vec<NotRun>,
}

/// Which signal stopped a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Interruption {
    /// `SIGINT`, `SIGTERM` or `SIGHUP`.
    pub signal: String,
    /// Milliseconds after the start of the run.
    pub after_ms: u64,
}

/// A case the run did not grade.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NotRun {
    pub case: String,
    pub spec_version: Option<SpecVersion>,
}

/// Catalogue coverage of the suite (`cni-harness list --coverage`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Coverage {
    /// Requirements in `specs/requirements.json`.
    pub catalogued: usize,
    /// Of those, cited by at least one case.
    pub with_case: usize,
    /// Testable by a harness but cited by no case yet.
    pub testable_without_case: Vec<String>,
    /// Cited by no case because no harness can test them (runtime-side
    /// statements, permissions); the catalogue says why for each.
    #[serde(default)]
    pub untestable: usize,
}

impl Coverage {
    /// One line, as the terminal and every report print it.
    pub fn line(&self) -> String {
        let mut s = format!(
            "coverage: {} requirements catalogued, {} with a case, {} not testable by a harness (`list --coverage` says why), {} testable without a case",
            self.catalogued,
            self.with_case,
            self.untestable,
            self.testable_without_case.len()
        );
        if !self.testable_without_case.is_empty() {
            s += &format!(" ({})", self.testable_without_case.join(", "));
        }
        s
    }
}

/// How a run chose its spec versions, and what it ran before the cases.
///
/// The versions covered are those every binary taking part in an
/// attachment lists in VERSION: the list's plugins, their `ipam` types,
/// and the delegates the baseline ADD at the configuration's own version
/// was seen to run. Each version covered has a baseline of its own; the
/// configuration's own version always has one, covered or not.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RunPlan {
    /// Every binary asked VERSION, in the order asked.
    pub probes: Vec<VersionProbe>,
    /// Versions the plugin under test lists that another binary of the
    /// attachment does not, so the run does not cover them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<Refusal>,
    /// One per version, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub baselines: Vec<Baseline>,
    /// Other reasons versions are not covered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What one binary answered VERSION.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VersionProbe {
    pub binary: String,
    pub part: Part,
    /// `supportedVersions` verbatim; empty when it answered none.
    pub supported: Vec<String>,
}

/// How a binary takes part in the attachment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase", tag = "kind", content = "of")]
pub enum Part {
    /// A plugin of the configuration list.
    Plugin,
    /// The `ipam` type of this plugin of the list.
    Ipam(String),
    /// Run by this binary itself (seen through the delegate tap).
    Delegate(String),
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Plugin => f.write_str("plugin of the list"),
            Part::Ipam(of) => write!(f, "IPAM of {of}"),
            Part::Delegate(of) => write!(f, "delegate run by {of}"),
        }
    }
}

/// A version left out because `binary` does not list it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Refusal {
    pub version: SpecVersion,
    pub binary: String,
    pub part: Part,
}

impl RunPlan {
    /// The baseline run at `version`.
    pub fn baseline_at(&self, version: SpecVersion) -> Option<&Baseline> {
        self.baselines.iter().find(|b| b.spec_version == version)
    }

    /// What the first lines of the output and every report say: each
    /// binary that narrowed the versions, then each failed baseline.
    pub fn headlines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen: Vec<(&str, &Part)> = Vec::new();
        for r in &self.refusals {
            if seen.contains(&(r.binary.as_str(), &r.part)) {
                continue;
            }
            seen.push((r.binary.as_str(), &r.part));
            let versions: Vec<String> = self
                .refusals
                .iter()
                .filter(|o| o.binary == r.binary && o.part == r.part)
                .map(|o| o.version.to_string())
                .collect();
            let lists = self
                .probes
                .iter()
                .find(|p| p.binary == r.binary)
                .map(|p| p.supported.join(", "))
                .unwrap_or_default();
            out.push(format!(
                "not tested at {}: {} ({}) does not support it (it lists {})",
                versions.join(", "),
                r.binary,
                r.part,
                if lists.is_empty() { "nothing" } else { &lists }
            ));
        }
        out.extend(self.baselines.iter().filter_map(Baseline::headline));
        out
    }
}

/// The configuration's ADD, CHECK (when the version has it and the list
/// does not disable it) and DEL at one version, in a fresh sandbox: the
/// root cause the cases of that version that need a working ADD are
/// blocked by.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    pub spec_version: SpecVersion,
    /// At the configuration's own `cniVersion` (which always has a
    /// baseline, whether the run covers it or not).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub configured: bool,
    /// The verbs run, in order.
    pub verbs: Vec<Verb>,
    /// The first verb that failed; `None`: the baseline holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<BaselineFailure>,
}

/// What failed in the baseline, with its evidence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BaselineFailure {
    pub verb: Verb,
    /// The plugin's answer (error code and message, or what was wrong).
    pub error: String,
    /// What the failing plugin wrote on stderr (trimmed).
    pub stderr: String,
    /// The failing plugin's answer alone (`error code 7: ...`), so that a
    /// case seeing the same answer knows it for the same cause.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub answer: String,
    #[serde(default)]
    pub invocations: Vec<InvocationRecord>,
}

impl Baseline {
    /// One line naming the failure, as terminal and reports print it first.
    pub fn headline(&self) -> Option<String> {
        let f = self.failure.as_ref()?;
        let own = if self.configured {
            " (its own cniVersion)"
        } else {
            ""
        };
        let mut line = format!(
            "baseline FAILED: {} of the configuration at {}{own} fails: {}",
            f.verb, self.spec_version, f.error
        );
        if !f.stderr.is_empty() {
            line += &format!(" (stderr: {})", f.stderr);
        }
        line += &format!("; cases at {} that need it are blocked", self.spec_version);
        Some(line)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    Test,
    Fuzz,
}

/// What was tested.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Target {
    /// A short display name, e.g. `bridge` or `cni-ref-bridge`.
    pub name: String,
    /// The network name from the configuration.
    pub network: String,
    /// `type` of each plugin in the list, in order.
    pub plugins: Vec<String>,
    /// Versions the plugin claimed in VERSION (empty when it has no VERSION verb).
    #[serde(default)]
    pub claimed_versions: Vec<String>,
    /// The configuration as given, for the report.
    pub config: serde_json::Value,
    /// The runtime the harness played: every verdict of the run holds
    /// under it (older documents: libcni with nothing added).
    #[serde(default)]
    pub runtime: RuntimeRecord,
}

/// The runtime a run played and what it sent besides the configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeRecord {
    /// `libcni`, `containerd`, `cri-o`, `podman` or `cnitool`.
    pub persona: crate::invoke::persona::RuntimeKind,
    /// `CNI_ARGS` keys the persona sends for every container (values per
    /// container, e.g. `K8S_POD_NAME`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persona_cni_args: Vec<String>,
    /// Capability arguments the persona fills for every pod.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persona_capabilities: Vec<String>,
    /// Verbs the persona never sends (cases on them are skipped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub never_sends: Vec<Verb>,
    /// The user's `CNI_ARGS` (profile `needs.cniArgs`, `--cni-args`), over the persona's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cni_args: String,
    /// The user's capability arguments (`needs.capabilityArgs`, `--capability-args`).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub capability_args: serde_json::Map<String, serde_json::Value>,
}

impl RuntimeRecord {
    /// One line for reports: `containerd (CNI_ARGS: K8S_POD_NAME, ...)`.
    pub fn line(&self) -> String {
        let mut parts = Vec::new();
        let mut args = self.persona_cni_args.clone();
        if !self.cni_args.is_empty() {
            args.push(self.cni_args.clone());
        }
        if !args.is_empty() {
            parts.push(format!("CNI_ARGS {}", args.join(", ")));
        }
        let mut caps = self.persona_capabilities.clone();
        caps.extend(self.capability_args.keys().cloned());
        if !caps.is_empty() {
            parts.push(format!("capabilities {}", caps.join(", ")));
        }
        if !self.never_sends.is_empty() {
            let v: Vec<String> = self.never_sends.iter().map(|v| v.to_string()).collect();
            parts.push(format!("never sends {}", v.join(", ")));
        }
        if parts.is_empty() {
            self.persona.to_string()
        } else {
            format!("{} ({})", self.persona, parts.join("; "))
        }
    }
}

/// Graded outcome of one case, after Autobahn|Testsuite. Verdicts rank by
/// [`Verdict::severity`], not by declaration order (no `Ord` on purpose).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every requirement the case checks holds.
    Pass,
    /// A MUST was broken.
    Fail,
    /// A SHOULD was broken, or behaviour the spec leaves ambiguous; fails only with `--strict`.
    Warn,
    /// Not applicable to this plugin or version (`reason` says why).
    Skip,
    /// The harness could not run the case.
    Error,
    /// Not judged because something it needs failed first: the baseline
    /// (the configuration's own ADD/CHECK) or the case's positive control;
    /// `reason` names it and the case that judges it. Fails the run.
    Blocked,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::Skip => "skip",
            Verdict::Error => "error",
            Verdict::Blocked => "blocked",
        }
    }

    /// How much the verdict matters, for ranking: fail > error > blocked >
    /// warn > pass > skip (a case's or a report cell's worst verdict is the highest).
    pub fn severity(self) -> u8 {
        match self {
            Verdict::Fail => 5,
            Verdict::Error => 4,
            Verdict::Blocked => 3,
            Verdict::Warn => 2,
            Verdict::Pass => 1,
            Verdict::Skip => 0,
        }
    }

    /// Whether this verdict fails a run (warnings only under `--strict`).
    pub fn fails_run(self, strict: bool) -> bool {
        match self {
            Verdict::Fail | Verdict::Error | Verdict::Blocked => true,
            Verdict::Warn => strict,
            Verdict::Pass | Verdict::Skip => false,
        }
    }
}

/// A requirement from `specs/requirements.json`, copied into results so reports are self-contained.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RequirementRef {
    pub id: String,
    /// `MUST`, `SHOULD` or `MAY`; written `""` (`None`) for an id the
    /// catalogue does not hold.
    #[serde(serialize_with = "level_out", deserialize_with = "level_in")]
    pub level: Option<Level>,
    /// SPEC.md section the requirement comes from.
    pub section: String,
    /// One-line paraphrase.
    pub text: String,
}

impl RequirementRef {
    /// The level as written in results (`""` outside the catalogue).
    pub fn level_text(&self) -> &'static str {
        self.level.map(Level::as_str).unwrap_or("")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CaseResult {
    /// Stable case name, e.g. `add/result-version-matches`.
    pub case: String,
    pub title: String,
    pub requirements: Vec<RequirementRef>,
    /// `None` for cases that are not run per version.
    pub spec_version: Option<SpecVersion>,
    pub verdict: Verdict,
    /// One line: why this verdict.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Detail>,
    pub duration_ms: u64,
    /// The verdict of each cited requirement's own check, graded at that
    /// requirement's level (a MAY is at worst `warn`); empty in older
    /// documents, where the case verdict stands for every requirement.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub requirement_verdicts: BTreeMap<String, Verdict>,
    /// The plugin (`type`) the verdict is about: the plugin under test,
    /// whose invocations produced every finding the verdict counts
    /// (absent in older documents).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub plugin: String,
    /// Findings another plugin's own invocation produced (a chain-mate or
    /// a delegate), reported apart and not counted in `verdict`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub about_others: Vec<OtherFinding>,
}

/// A finding about a plugin other than the one under test.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OtherFinding {
    /// The plugin (`type`) whose invocation produced it.
    pub plugin: String,
    pub requirement: String,
    /// Graded at the requirement's level, as it would be for that plugin.
    pub verdict: Verdict,
    pub message: String,
}

impl OtherFinding {
    /// One line: `about `bridge`, not about the plugin under test: ...`.
    pub fn line(&self) -> String {
        format!(
            "about `{}`, not about the plugin under test: {} [{}] {}",
            self.plugin,
            self.verdict.as_str(),
            self.requirement,
            self.message
        )
    }
}

impl CaseResult {
    /// The verdict this case gives requirement `id`.
    pub fn verdict_for(&self, id: &str) -> Verdict {
        self.requirement_verdicts
            .get(id)
            .copied()
            .unwrap_or(self.verdict)
    }
}

/// What a reader needs to understand a non-pass verdict.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Detail {
    pub expected: String,
    pub actual: String,
    #[serde(default)]
    pub invocations: Vec<InvocationRecord>,
    /// Readable kernel diff (node and container namespace), if one was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_diff: Option<String>,
}

/// One plugin execution exactly as it happened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InvocationRecord {
    pub plugin: String,
    pub verb: Verb,
    pub env: Vec<(String, String)>,
    pub stdin: String,
    pub stdout: String,
    pub stderr: String,
    /// Written as `exit 0`, `exit 1`, `signal 11 (SIGSEGV)`, `timeout after 10.0s (killed)`.
    pub status: Exit,
    pub wall_ms: f64,
}

/// A fuzzing finding (only in `kind: fuzz` results).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FindingRecord {
    pub id: String,
    /// Which oracle fired.
    pub oracle: Oracle,
    /// Deduplication key.
    pub signature: String,
    pub summary: String,
    /// One command that reproduces it.
    pub reproduce: String,
    /// Path of the saved finding, relative to the fuzz output directory.
    pub file: String,
    /// The binary of the chain that misbehaved (its `type`): the plugin
    /// under test, a plugin chained with it, or an IPAM plugin called
    /// directly. Absent in older documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
}

impl RunResults {
    /// Counts per verdict, in `Verdict` order.
    pub fn tally(&self) -> [(Verdict, usize); 6] {
        let count = |v| self.cases.iter().filter(|c| c.verdict == v).count();
        [
            (Verdict::Pass, count(Verdict::Pass)),
            (Verdict::Fail, count(Verdict::Fail)),
            (Verdict::Warn, count(Verdict::Warn)),
            (Verdict::Skip, count(Verdict::Skip)),
            (Verdict::Error, count(Verdict::Error)),
            (Verdict::Blocked, count(Verdict::Blocked)),
        ]
    }

    /// A conformance run in which no case was judged (every case skipped,
    /// e.g. a kernel without the plugin's link type, or nothing selected):
    /// it shows nothing, so it neither passes nor fails.
    pub fn not_tested(&self) -> bool {
        self.kind == RunKind::Test
            && !self.failed()
            && !self
                .cases
                .iter()
                .any(|c| matches!(c.verdict, Verdict::Pass | Verdict::Fail | Verdict::Warn))
    }

    /// Whether the run as a whole failed (a failed baseline fails it too).
    pub fn failed(&self) -> bool {
        self.cases.iter().any(|c| c.verdict.fails_run(self.strict))
            || !self.findings.is_empty()
            || self.baseline.as_ref().is_some_and(|b| b.failure.is_some())
            || self
                .plan
                .as_ref()
                .is_some_and(|p| p.baselines.iter().any(|b| b.failure.is_some()))
            || self.interrupted.is_some()
    }
}

/// Which fuzzing oracle fired, written as in `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Oracle {
    /// Killed by a signal.
    #[serde(rename = "crash")]
    Crash,
    /// A Go `panic:` or Rust `panicked at` on stderr, whatever the exit.
    #[serde(rename = "panic")]
    Panic,
    /// No exit within the timeout.
    #[serde(rename = "hang")]
    Hang,
    /// An answer a runtime cannot read, or an error object without its
    /// required parts (SPEC.md "Error", "Result Types").
    #[serde(rename = "garbage-output")]
    Garbage,
    /// A success result the schema or the kernel contradicts (SPEC.md "Result Types").
    #[serde(rename = "bad-result")]
    BadResult,
    /// Per-attachment state left after a successful DEL (SPEC.md "DEL":
    /// the plugin must release the resources of the attachment).
    #[serde(rename = "leak")]
    Leak,
    /// The seed configuration, accepted before, fails after this input.
    #[serde(rename = "recheck")]
    Recheck,
    /// A successful ADD whose result's gateway does not answer (DP-GATEWAY).
    #[serde(rename = "dataplane")]
    Dataplane,
}

impl Oracle {
    pub fn as_str(self) -> &'static str {
        match self {
            Oracle::Crash => "crash",
            Oracle::Panic => "panic",
            Oracle::Hang => "hang",
            Oracle::Garbage => "garbage-output",
            Oracle::BadResult => "bad-result",
            Oracle::Leak => "leak",
            Oracle::Recheck => "recheck",
            Oracle::Dataplane => "dataplane",
        }
    }
}

impl fmt::Display for Oracle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn level_out<S: Serializer>(level: &Option<Level>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(level.map(Level::as_str).unwrap_or(""))
}

fn level_in<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Level>, D::Error> {
    let text = String::deserialize(d)?;
    match text.as_str() {
        "" => Ok(None),
        other => other.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_rank_by_severity() {
        let mut all = [
            Verdict::Skip,
            Verdict::Error,
            Verdict::Pass,
            Verdict::Fail,
            Verdict::Warn,
        ];
        all.sort_by_key(|v| v.severity());
        assert_eq!(
            all,
            [
                Verdict::Skip,
                Verdict::Pass,
                Verdict::Warn,
                Verdict::Error,
                Verdict::Fail
            ]
        );
    }

    #[test]
    fn the_plan_names_each_refusing_binary_once_then_failed_baselines() {
        let plan = RunPlan {
            probes: vec![VersionProbe {
                binary: "bridge".into(),
                part: Part::Delegate("flannel".into()),
                supported: vec!["0.4.0".into(), "1.0.0".into()],
            }],
            refusals: vec![Refusal {
                version: SpecVersion::V1_1_0,
                binary: "bridge".into(),
                part: Part::Delegate("flannel".into()),
            }],
            baselines: vec![Baseline {
                spec_version: SpecVersion::V1_0_0,
                configured: true,
                verbs: vec![Verb::Add, Verb::Del],
                failure: Some(BaselineFailure {
                    verb: Verb::Add,
                    error: "flannel: error code 5: boom".into(),
                    stderr: String::new(),
                    answer: "error code 5: boom".into(),
                    invocations: Vec::new(),
                }),
            }],
            notes: Vec::new(),
        };
        let lines = plan.headlines();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(
            lines[0],
            "not tested at 1.1.0: bridge (delegate run by flannel) does not support it (it lists 0.4.0, 1.0.0)"
        );
        assert!(
            lines[1].contains("at 1.0.0 (its own cniVersion) fails"),
            "{}",
            lines[1]
        );
        let json = serde_json::to_value(&plan).expect("serialises");
        assert_eq!(
            json["refusals"][0]["part"],
            serde_json::json!({"kind": "delegate", "of": "flannel"})
        );
        assert_eq!(
            serde_json::from_value::<RunPlan>(json).expect("reads back"),
            plan
        );
    }

    #[test]
    fn typed_fields_keep_their_json_strings() {
        let r = RequirementRef {
            id: "X-1".into(),
            level: None,
            section: String::new(),
            text: String::new(),
        };
        let json = serde_json::to_value(&r).expect("serialises");
        assert_eq!(json["level"], "");
        let back: RequirementRef = serde_json::from_value(json).expect("reads back");
        assert_eq!(back, r);
        let must: RequirementRef = serde_json::from_value(serde_json::json!(
            {"id": "X-1", "level": "MUST", "section": "", "text": ""}
        ))
        .expect("reads");
        assert_eq!(must.level, Some(Level::Must));
        assert!(serde_json::from_value::<RequirementRef>(serde_json::json!(
            {"id": "X-1", "level": "must", "section": "", "text": ""}
        ))
        .is_err());
        assert_eq!(
            serde_json::to_value(Oracle::Garbage).expect("serialises"),
            "garbage-output"
        );
        assert_eq!(
            serde_json::to_value(Exit::Signal(9)).expect("serialises"),
            "signal 9 (SIGKILL)"
        );
    }
}
