//! The `ipam` section of the config, host-local style: `ranges` (a list of
//! range sets) or the legacy single `subnet`, plus `routes`, `dataDir`,
//! and the addresses a runtime asks for (`runtimeConfig.ips`, `args.cni.ips`,
//! `CNI_ARGS` `IP=`).

use std::net::IpAddr;
use std::path::PathBuf;

use cni_plugin_kit::result::decode::parse_routes;
use cni_plugin_kit::{CniError, Dns, Env, IpNet, NetConf, Route};
use serde_json::Value;

use crate::range::Range;

pub const DEFAULT_DATA_DIR: &str = "/var/lib/cni/networks";

#[derive(Debug, Clone)]
pub struct IpamConfig {
    /// Network name: the reservations directory under `data_dir`.
    pub network: String,
    pub data_dir: PathBuf,
    /// Each set yields one address per ADD; ranges within a set are tried in order.
    pub range_sets: Vec<Vec<Range>>,
    pub routes: Vec<Route>,
    pub dns: Dns,
    /// Specific addresses requested for this attachment.
    pub requested: Vec<IpAddr>,
}

impl IpamConfig {
    pub fn from_conf(conf: &NetConf, env: &Env) -> Result<IpamConfig, CniError> {
        let network = conf.name.clone().ok_or_else(|| {
            CniError::config("name", "is required (it names the reservation directory)")
        })?;
        if network.is_empty() || network.contains('/') || network == "." || network == ".." {
            return Err(CniError::config(
                "name",
                format!("{network:?} cannot name a directory"),
            ));
        }
        let ipam = conf
            .raw
            .get("ipam")
            .and_then(Value::as_object)
            .ok_or_else(|| CniError::config("ipam", "is required"))?;
        let data_dir = match ipam.get("dataDir") {
            None | Some(Value::Null) => PathBuf::from(DEFAULT_DATA_DIR),
            Some(Value::String(s)) if !s.is_empty() => PathBuf::from(s),
            Some(_) => {
                return Err(CniError::config(
                    "ipam.dataDir",
                    "must be a non-empty string",
                ))
            }
        };
        let range_sets = range_sets(ipam)?;
        let routes = match ipam.get("routes") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => {
                parse_routes(v, "ipam.routes").map_err(|e| CniError::config("ipam.routes", e))?
            }
        };
        let dns = match ipam.get("dns") {
            None | Some(Value::Null) => Dns::default(),
            Some(v) => {
                serde_json::from_value(v.clone()).map_err(|e| CniError::config("ipam.dns", e))?
            }
        };
        Ok(IpamConfig {
            network,
            data_dir,
            range_sets,
            routes,
            dns,
            requested: requested_ips(conf, env)?,
        })
    }

    pub fn network_dir(&self) -> PathBuf {
        self.data_dir.join(&self.network)
    }
}

fn range_sets(ipam: &serde_json::Map<String, Value>) -> Result<Vec<Vec<Range>>, CniError> {
    let mut sets = Vec::new();
    if let Some(subnet) = ipam.get("subnet").filter(|v| !v.is_null()) {
        // Legacy single range: the same keys directly in `ipam`.
        let s = subnet
            .as_str()
            .ok_or_else(|| CniError::config("ipam.subnet", "must be a string"))?;
        let net: IpNet = s.parse().map_err(|e| CniError::config("ipam.subnet", e))?;
        let get = |k: &str| {
            ipam.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        sets.push(vec![Range::build(
            net,
            get("rangeStart"),
            get("rangeEnd"),
            get("gateway"),
            "ipam",
        )?]);
    }
    match ipam.get("ranges") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, set) in list.iter().enumerate() {
                let field = format!("ipam.ranges[{i}]");
                let items = set.as_array().filter(|a| !a.is_empty()).ok_or_else(|| {
                    CniError::config(&field, "must be a non-empty list of ranges")
                })?;
                let ranges = items
                    .iter()
                    .enumerate()
                    .map(|(j, r)| Range::parse(r, &format!("{field}[{j}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                sets.push(ranges);
            }
        }
        Some(_) => return Err(CniError::config("ipam.ranges", "must be a list of lists")),
    }
    if sets.is_empty() {
        return Err(CniError::config(
            "ipam.ranges",
            "no ranges (nor legacy ipam.subnet) configured",
        ));
    }
    check_overlaps(&sets)?;
    Ok(sets)
}

/// Ranges must not overlap (within or across sets) and a set is single-family.
fn check_overlaps(sets: &[Vec<Range>]) -> Result<(), CniError> {
    let all: Vec<(usize, usize, &Range)> = sets
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.iter().enumerate().map(move |(j, r)| (i, j, r)))
        .collect();
    for (n, (i, j, a)) in all.iter().enumerate() {
        if a.start.is_ipv4() != sets[*i][0].start.is_ipv4() {
            return Err(CniError::config(
                &format!("ipam.ranges[{i}][{j}]"),
                "mixes IPv4 and IPv6 ranges in one range set",
            ));
        }
        for (k, l, b) in &all[n + 1..] {
            if a.overlaps(b) {
                return Err(CniError::config(
                    &format!("ipam.ranges[{k}][{l}]"),
                    format!("overlaps ipam.ranges[{i}][{j}]"),
                ));
            }
        }
    }
    Ok(())
}

/// Addresses requested by the runtime, from every place host-local reads them.
fn requested_ips(conf: &NetConf, env: &Env) -> Result<Vec<IpAddr>, CniError> {
    let mut out = Vec::new();
    let sources = [
        ("runtimeConfig.ips", conf.runtime_config("ips")),
        (
            "args.cni.ips",
            conf.raw
                .get("args")
                .and_then(|a| a.get("cni"))
                .and_then(|c| c.get("ips")),
        ),
    ];
    for (field, value) in sources {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            continue;
        };
        let list = value
            .as_array()
            .ok_or_else(|| CniError::config(field, "must be a list of addresses"))?;
        for item in list {
            let s = item
                .as_str()
                .ok_or_else(|| CniError::config(field, format!("{item} is not a string")))?;
            out.push(parse_requested(s).map_err(|e| CniError::config(field, e))?);
        }
    }
    if let Some(ips) = env.arg("IP") {
        for s in ips.split(',').filter(|s| !s.is_empty()) {
            out.push(parse_requested(s).map_err(CniError::env)?);
        }
    }
    Ok(out)
}

/// `10.1.0.5` or `10.1.0.5/24` (the prefix is ignored: the range decides it).
fn parse_requested(s: &str) -> Result<IpAddr, String> {
    let addr = s.split_once('/').map_or(s, |(a, _)| a);
    addr.parse()
        .map_err(|_| format!("{s:?} is not an IP address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(json: &str) -> Result<IpamConfig, CniError> {
        let c = NetConf::parse(json.as_bytes())?;
        let env = Env::from_lookup(|k| (k == "CNI_COMMAND").then(|| "STATUS".to_string()))?;
        IpamConfig::from_conf(&c, &env)
    }

    #[test]
    fn legacy_and_ranges_combine() {
        let c = conf(
            r#"{"cniVersion":"1.1.0","name":"n","ipam":{"type":"x","subnet":"10.0.0.0/24",
            "ranges":[[{"subnet":"fd00::/64"}]],"routes":[{"dst":"0.0.0.0/0"}],
            "runtimeConfig":null},"runtimeConfig":{"ips":["10.0.0.9/24"]}}"#,
        )
        .unwrap();
        assert_eq!(c.range_sets.len(), 2);
        assert_eq!(c.routes.len(), 1);
        assert_eq!(c.requested, vec!["10.0.0.9".parse::<IpAddr>().unwrap()]);
        assert_eq!(c.network_dir(), PathBuf::from("/var/lib/cni/networks/n"));
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"ipam":{"subnet":"10.0.0.0/24"}}"#, "name"),
            (r#"{"name":"../x","ipam":{"subnet":"10.0.0.0/24"}}"#, "name"),
            (r#"{"name":"n"}"#, "ipam"),
            (r#"{"name":"n","ipam":{}}"#, "ipam.ranges"),
            (r#"{"name":"n","ipam":{"ranges":[[]]}}"#, "ipam.ranges[0]"),
            (
                r#"{"name":"n","ipam":{"ranges":[[{"subnet":"x"}]]}}"#,
                "ipam.ranges[0][0].subnet",
            ),
            (
                r#"{"name":"n","ipam":{"ranges":[[{"subnet":"10.0.0.0/24"}],[{"subnet":"10.0.0.0/25"}]]}}"#,
                "ipam.ranges[1][0]",
            ),
            (
                r#"{"name":"n","ipam":{"ranges":[[{"subnet":"10.0.0.0/24"},{"subnet":"fd00::/64"}]]}}"#,
                "ipam.ranges[0][1]",
            ),
            (
                r#"{"name":"n","ipam":{"subnet":"10.0.0.0/24","dataDir":3}}"#,
                "ipam.dataDir",
            ),
            (
                r#"{"name":"n","ipam":{"subnet":"10.0.0.0/24","routes":[{}]}}"#,
                "ipam.routes",
            ),
            (
                r#"{"name":"n","ipam":{"subnet":"10.0.0.0/24"},"runtimeConfig":{"ips":["bad"]}}"#,
                "runtimeConfig.ips",
            ),
        ];
        for (json, field) in cases {
            let e = conf(json).unwrap_err();
            assert_eq!(e.code, 7, "{json}");
            assert!(e.msg.starts_with(field), "{json}: {}", e.msg);
        }
    }
}
