//! The conformance cases, grouped by what they exercise, all registered
//! here. A case `area/what` lives in `area.rs` or under `area/`, and each
//! names the requirement ids (`specs/requirements.json`) it enforces.

mod add;
mod chain;
mod check;
mod config;
mod del;
mod dp;
mod env;
mod error;
mod gc;
mod ipam;
mod output;
mod status;
mod version;

use super::case::Case;

/// The cases of one file.
type Group = fn() -> Vec<Case>;

/// Every group of cases, in report order, with the area its ids start with.
const AREAS: [(&str, Group); 24] = [
    ("version", version::cases),
    ("version", version::missing::cases),
    ("env", env::cases),
    ("error", error::cases),
    ("config", config::cases),
    ("config", config::input::cases),
    ("add", add::cases),
    ("add", add::kernel::cases),
    ("add", add::addressing::cases),
    ("check", check::cases),
    ("check", check::tamper::cases),
    ("check", check::state::cases),
    ("check", check::lease::cases),
    ("del", del::cases),
    ("del", del::residue::cases),
    ("chain", chain::cases),
    ("ipam", ipam::cases),
    ("ipam", ipam::faults::cases),
    ("ipam", ipam::carry::cases),
    ("ipam", ipam::pool::cases),
    ("status", status::cases),
    ("gc", gc::cases),
    ("output", output::cases),
    ("dp", dp::cases),
];

/// Every case, in report order.
pub fn all() -> Vec<Case> {
    AREAS.iter().flat_map(|(_, cases)| cases()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids_are_unique_and_live_in_their_area() {
        let mut seen = std::collections::BTreeSet::new();
        for (area, cases) in AREAS {
            for case in cases() {
                assert!(
                    case.id.starts_with(&format!("{area}/")),
                    "{} is registered under {area}/",
                    case.id
                );
                assert!(seen.insert(case.id), "{} twice", case.id);
            }
        }
    }

    #[test]
    fn every_testable_requirement_has_a_case_and_no_cited_one_is_untestable() {
        let c = crate::suite::coverage();
        assert!(
            c.testable_without_case.is_empty(),
            "testable without a case (add one, or an `untestable` reason): {:?}",
            c.testable_without_case
        );
        for case in all() {
            for id in case.requirements {
                let r = crate::requirements::requirement(id);
                assert!(
                    r.is_none_or(|r| r.untestable.is_none()),
                    "{} cites {id}, which the catalogue calls untestable",
                    case.id
                );
            }
        }
    }

    #[test]
    fn every_cited_requirement_is_in_the_catalogue() {
        for case in all() {
            for id in case.requirements {
                assert!(
                    crate::requirements::requirement(id).is_some(),
                    "{} cites {id}, which specs/requirements.json lacks",
                    case.id
                );
            }
        }
    }
}
