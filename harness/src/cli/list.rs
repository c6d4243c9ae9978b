//! `cni-harness list`: the cases and the requirements they check.

use crate::suite::{cases, Scope};

pub fn run() -> anyhow::Result<u8> {
    for case in cases::all() {
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
    Ok(0)
}
