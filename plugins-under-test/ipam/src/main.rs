//! `cni-ref-ipam`: host-local-style IPAM. Addresses come from configured
//! ranges and are reserved as files under `dataDir/<network>/`.

mod alloc;
mod store;

use cni_plugin_kit::{dispatch, CniError, CniResult, ErrorCode, Invocation, Plugin};
use serde_json::Value;

use crate::store::{Owner, Store};
use cni_ref_ipam::config::{self, IpamConfig};
use cni_ref_ipam::range;

struct HostLocal;

fn owner(inv: &Invocation) -> Owner {
    Owner {
        container_id: inv.env.container_id().to_string(),
        ifname: inv.env.ifname().to_string(),
    }
}

fn open(inv: &Invocation) -> Result<(IpamConfig, Store), CniError> {
    let cfg = IpamConfig::from_conf(&inv.conf, &inv.env)?;
    let store = Store::open(&cfg.network_dir())?;
    Ok((cfg, store))
}

impl Plugin for HostLocal {
    fn add(&self, inv: &Invocation) -> Result<CniResult, CniError> {
        let (cfg, store) = open(inv)?;
        let ips = alloc::allocate(&store, &cfg, &owner(inv))?;
        Ok(CniResult {
            interfaces: Vec::new(),
            ips,
            routes: cfg.routes,
            dns: cfg.dns,
        })
    }

    /// Releases every address of this attachment; nothing held is success.
    fn del(&self, inv: &Invocation) -> Result<(), CniError> {
        let (_, store) = open(inv)?;
        for ip in store.find(&owner(inv))? {
            store.release(ip)?;
        }
        Ok(())
    }

    fn check(&self, inv: &Invocation) -> Result<(), CniError> {
        let (_, store) = open(inv)?;
        let held = store.find(&owner(inv))?;
        if held.is_empty() {
            return Err(CniError::new(
                ErrorCode::CheckFailed,
                format!(
                    "no address is reserved for container {} interface {}",
                    inv.env.container_id(),
                    inv.env.ifname()
                ),
            ));
        }
        // Addresses prevResult claims must be ours.
        if let Some(prev) = &inv.conf.prev_result {
            for ipc in &prev.ips {
                if !held.contains(&ipc.address.addr()) {
                    return Err(CniError::new(
                        ErrorCode::CheckFailed,
                        format!(
                            "prevResult address {} is not reserved for this attachment",
                            ipc.address
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// SPEC.md STATUS: code 50 when ADD could not get an address.
    fn status(&self, inv: &Invocation) -> Result<(), CniError> {
        let (cfg, store) = open(inv)?;
        match alloc::exhausted_set(&store, &cfg)? {
            Some(i) => Err(CniError::new(
                ErrorCode::NotAvailable,
                format!("ipam.ranges[{i}] has no free address"),
            )),
            None => Ok(()),
        }
    }

    /// SPEC.md GC: release reservations of attachments the runtime no longer
    /// knows. The key was `cni.dev/attachments` at the 1.1.0 tag.
    fn gc(&self, inv: &Invocation) -> Result<(), CniError> {
        let valid = valid_attachments(&inv.conf.raw)?;
        let (_, store) = open(inv)?;
        for (ip, held_by) in store.all()? {
            if !valid.contains(&held_by) {
                store.release(ip)?;
            }
        }
        Ok(())
    }
}

fn valid_attachments(raw: &serde_json::Map<String, Value>) -> Result<Vec<Owner>, CniError> {
    let (key, list) = match ["cni.dev/valid-attachments", "cni.dev/attachments"]
        .into_iter()
        .find_map(|k| raw.get(k).filter(|v| !v.is_null()).map(|v| (k, v)))
    {
        Some(found) => found,
        None => return Ok(Vec::new()),
    };
    let items = list
        .as_array()
        .ok_or_else(|| CniError::config(key, "must be a list"))?;
    items
        .iter()
        .enumerate()
        .map(|(n, a)| {
            let field = |f: &str| {
                a.get(f)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| CniError::config(&format!("{key}[{n}].{f}"), "must be a string"))
            };
            Ok(Owner {
                container_id: field("containerID")?,
                ifname: field("ifname")?,
            })
        })
        .collect()
}

fn main() {
    dispatch(&HostLocal)
}
