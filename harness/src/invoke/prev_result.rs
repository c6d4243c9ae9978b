//! What a plugin's ADD result becomes before the next plugin sees it as
//! `prevResult`, as libcni does it:
//!
//! - ADD (`invoke.ExecPluginWithResult`): a missing, empty or non-string
//!   `cniVersion` is filled from the configuration, `null` counts as `{}`,
//!   and the result is decoded into its own version's Go types. It is handed
//!   to the next plugin, and cached, re-encoded at that same version; a
//!   result that does not decode fails the ADD.
//! - CHECK and DEL (`getCachedResult`): the cached result is converted to
//!   the configuration's version.
//!
//! The conversion rules themselves are in [`crate::result::libcni`].

use serde_json::Value;

use crate::result::{self, libcni, CniResult};
use crate::spec::SpecVersion;

/// How the runtime hands a result on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrevResultMode {
    /// Decoded and re-encoded per version, as libcni does.
    #[default]
    Libcni,
    /// Exactly what the plugin printed, never decoded: the fuzzer sends
    /// mutated results on as they are.
    Verbatim,
}

/// libcni's reading of an ADD result printed under a configuration at
/// `config_version`.
pub fn decode_add(printed: &Value, config_version: &str) -> Result<CniResult, String> {
    result::parse_as_libcni(printed, config_version).map_err(|e| e.to_string())
}

/// The result as the next plugin of an ADD gets it: at its own version.
pub fn for_next_plugin(printed: &Value, config_version: &str) -> Result<Value, String> {
    let r = decode_add(printed, config_version)?;
    libcni::reencode(&r, r.cni_version).map_err(|e| e.to_string())
}

/// A cached result (as [`for_next_plugin`] left it) as CHECK and DEL send
/// it: converted to the configuration's version.
pub fn for_config(cached: &Value, config_version: &str) -> Result<Value, String> {
    let to: SpecVersion = config_version.parse().map_err(|_| {
        format!("no conversion of a result to {config_version:?}, which is no spec version")
    })?;
    let r = result::parse_value(cached).map_err(|e| e.to_string())?;
    libcni::reencode(&r, to).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_missing_version_comes_from_the_configuration() {
        let got = for_next_plugin(&json!({"ips":[{"address":"10.0.0.2/24"}]}), "1.0.0");
        assert_eq!(
            got,
            Ok(json!({"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]}))
        );
        let got = for_next_plugin(&json!({"cniVersion": 4}), "0.4.0");
        assert_eq!(got, Ok(json!({"cniVersion":"0.4.0","dns":{}})));
        assert_eq!(
            for_next_plugin(&Value::Null, "1.1.0"),
            Ok(json!({"cniVersion":"1.1.0"}))
        );
    }

    #[test]
    fn the_result_keeps_its_own_version_on_add() {
        let got = for_next_plugin(
            &json!({"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.0.0.2/24"}]}),
            "1.0.0",
        );
        assert_eq!(
            got,
            Ok(
                json!({"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.0.0.2/24"}],"dns":{}})
            )
        );
    }

    #[test]
    fn undecodable_results_are_refused_with_the_reason() {
        let err = for_next_plugin(&json!([1]), "1.0.0").expect_err("array");
        assert!(err.contains("not a JSON object"), "{err}");
        let err = for_next_plugin(&json!({"cniVersion":"0.9.0"}), "1.0.0").expect_err("version");
        assert!(err.contains("0.9.0"), "{err}");
        let err = for_next_plugin(&json!({"ips":"x"}), "1.0.0").expect_err("ips");
        assert!(err.contains("ips"), "{err}");
    }

    #[test]
    fn check_and_del_get_the_configuration_version() {
        let cached =
            json!({"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.0.0.2/24"}],"dns":{}});
        assert_eq!(
            for_config(&cached, "1.0.0"),
            Ok(json!({"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]}))
        );
        assert!(for_config(&cached, "7.0.0").is_err());
    }
}
