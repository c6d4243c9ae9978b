//! The conformance cases, grouped by what they exercise. Each case names the
//! requirement ids (`specs/requirements.json`) it enforces.

mod add;
mod add_kernel;
mod addressing;
mod chain;
mod check;
mod check_tamper;
mod config;
mod del;
mod del_residue;
mod delegation;
mod dp;
mod env;
pub mod errors;
mod gc;
mod lifecycle;
mod output;
mod version;

use super::case::Case;

/// Every case, in report order.
pub fn all() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(version::cases());
    cases.extend(env::cases());
    cases.extend(config::cases());
    cases.extend(add::cases());
    cases.extend(addressing::cases());
    cases.extend(check::cases());
    cases.extend(del::cases());
    cases.extend(chain::cases());
    cases.extend(delegation::cases());
    cases.extend(lifecycle::cases());
    cases.extend(output::cases());
    cases.extend(dp::cases());
    cases
}
