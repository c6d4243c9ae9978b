//! The fuzzer's adapters onto the harness's observation modules: results
//! are judged by `result` (and `schema` once it lands), kernel state by
//! `kernel`/`oracle`. Nothing here reads a schema or the kernel itself.

use serde_json::Value;

use super::oracles::ResultOracle;
use crate::sandbox::Sandbox;
use crate::spec::SpecVersion;

/// Success results must normalise (every field of the right type and
/// shape for their version) and carry the configuration's version.
pub struct SpecResults;

impl ResultOracle for SpecResults {
    fn check(&self, requested: Option<SpecVersion>, result: &Value, _: &Sandbox) -> Vec<String> {
        let mut out = Vec::new();
        match crate::result::parse_value(result) {
            Err(e) => out.push(format!("{}: {}", e.path, e.message)),
            // SPEC.md "Result Types": the result is in the version the
            // configuration declared.
            Ok(r) => {
                if let Some(v) = requested {
                    if r.cni_version != v {
                        out.push(format!(
                            "result cniVersion {} differs from the configuration's {v}",
                            r.cni_version
                        ));
                    }
                }
            }
        }
        out
    }
}
