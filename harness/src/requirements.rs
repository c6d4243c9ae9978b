//! The requirement catalogue (`specs/requirements.json`): every plugin-side
//! MUST / SHOULD / MAY of the spec with a stable id. Cases and oracles cite
//! these ids; reports carry their text.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::spec::SpecVersion;

const CATALOGUE: &str = include_str!("../specs/requirements.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    #[serde(rename = "MUST")]
    Must,
    #[serde(rename = "SHOULD")]
    Should,
    #[serde(rename = "MAY")]
    May,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Level::Must, Level::Should, Level::May]
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("requirement level {s:?} is not MUST, SHOULD or MAY"))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Requirement {
    pub id: String,
    pub section: String,
    pub level: Level,
    pub since: SpecVersion,
    pub until: Option<SpecVersion>,
    #[serde(default)]
    pub verbs: Vec<String>,
    pub text: String,
    /// Where the spec is ambiguous: what libcni does and how the harness grades it.
    #[serde(default)]
    pub ambiguity: Option<String>,
    /// Where the project grades stricter than the spec's word (`level`):
    /// the level it grades at, with `why`.
    #[serde(default)]
    pub graded: Option<Level>,
    #[serde(default)]
    pub why: Option<String>,
    /// How the spec words it, where the catalogue's paraphrase or level
    /// needs the original's verb to be read right.
    #[serde(default)]
    pub spec_words: Option<String>,
    /// Why no harness can test it (a runtime-side or unobservable
    /// statement); such requirements do not count as missing a case.
    #[serde(default)]
    pub untestable: Option<String>,
}

impl Requirement {
    /// The level verdicts are graded at: `graded` when the catalogue sets
    /// one, else the spec's own `level`.
    pub fn graded_level(&self) -> Level {
        self.graded.unwrap_or(self.level)
    }

    pub fn applies_at(&self, v: SpecVersion) -> bool {
        v >= self.since && self.until.is_none_or(|u| v <= u)
    }
}

#[derive(Deserialize)]
struct File {
    requirements: Vec<Requirement>,
}

/// Parse a catalogue document (the embedded one is checked by a unit test).
pub fn parse(text: &str) -> Result<Vec<Requirement>, serde_json::Error> {
    serde_json::from_str::<File>(text).map(|f| f.requirements)
}

/// The embedded catalogue.
pub fn catalogue() -> &'static [Requirement] {
    static CAT: OnceLock<Vec<Requirement>> = OnceLock::new();
    CAT.get_or_init(|| parse(CATALOGUE).unwrap_or_default())
}

pub fn requirement(id: &str) -> Option<&'static Requirement> {
    catalogue().iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_parses_with_unique_well_formed_ids() {
        let cat = parse(CATALOGUE).expect("specs/requirements.json parses");
        assert!(cat.len() >= 60, "{} requirements", cat.len());
        let mut ids: Vec<&str> = cat.iter().map(|r| r.id.as_str()).collect();
        for id in &ids {
            let (prefix, rest) = id.split_once('-').expect("PREFIX-suffix");
            assert!(prefix.chars().all(|c| c.is_ascii_uppercase()), "{id}");
            assert!(!rest.is_empty(), "{id}");
        }
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len(), "duplicate ids");
        for r in &cat {
            let sourced = [
                "SPEC.md",
                "CONVENTIONS.md",
                "Documentation/spec-upgrades.md",
                "cni-harness",
            ]
            .iter()
            .any(|doc| r.section.starts_with(doc));
            assert!(!r.text.is_empty() && sourced, "{}", r.id);
            if let Some(why) = &r.untestable {
                assert!(!why.is_empty(), "{}: untestable without a reason", r.id);
            }
            if let Some(u) = r.until {
                assert!(u >= r.since, "{}", r.id);
            }
        }
    }

    #[test]
    fn a_stricter_grade_is_stricter_and_says_why() {
        let rank = |l: Level| match l {
            Level::May => 0,
            Level::Should => 1,
            Level::Must => 2,
        };
        for r in catalogue() {
            if let Some(g) = r.graded {
                assert!(
                    rank(g) > rank(r.level),
                    "{}: graded {g} is not stricter than {}",
                    r.id,
                    r.level
                );
                assert!(
                    r.why.as_deref().is_some_and(|w| !w.is_empty()),
                    "{}: graded without why",
                    r.id
                );
            }
        }
    }

    #[test]
    fn versions_bound_applicability() {
        let check = requirement("CHECK-1").expect("CHECK-1");
        assert!(!check.applies_at(SpecVersion::V0_3_1));
        assert!(check.applies_at(SpecVersion::V1_1_0));
        let env = requirement("ENV-6").expect("ENV-6");
        assert!(env.applies_at(SpecVersion::V0_1_0) && !env.applies_at(SpecVersion::V0_2_0));
    }
}
