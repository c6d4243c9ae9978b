//! `cni-harness list`: the cases and the requirements they check, and which
//! requirements no case checks yet.

use cni_harness::requirements::catalogue;
use cni_harness::suite::{cases, Scope};

pub fn run(coverage: bool) -> anyhow::Result<u8> {
    let all = cases::all();
    if !coverage {
        for case in &all {
            let scope = match case.scope {
                Scope::PerVersion => "per version",
                Scope::Once => "once",
            };
            println!(
                "{:<40} [{}] ({scope})\n    {}",
                case.id,
                case.requirements.join(", "),
                case.title
            );
        }
        return Ok(0);
    }
    println!("{:<18} {:<11} {:<6} cases", "requirement", "level", "since");
    for r in catalogue() {
        let by: Vec<&str> = all
            .iter()
            .filter(|c| c.requirements.contains(&r.id.as_str()))
            .map(|c| c.id)
            .collect();
        // The spec's word, and the grade where the catalogue is stricter.
        let level = match r.graded {
            Some(g) => format!("{}>{}", r.level, g),
            None => r.level.to_string(),
        };
        println!(
            "{:<18} {:<11} {:<6} {}",
            r.id,
            level,
            r.since.as_str(),
            if by.is_empty() {
                match &r.untestable {
                    Some(why) => format!("-- not testable by a harness: {why}"),
                    None => "-- no case yet".to_string(),
                }
            } else {
                by.join(", ")
            }
        );
    }
    println!("\n{}", cni_harness::suite::coverage().line());
    Ok(0)
}
