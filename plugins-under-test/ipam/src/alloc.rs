//! Choosing addresses: one per range set, a requested one when the runtime
//! asked, otherwise round-robin from the last reserved address.

use std::net::IpAddr;

use cni_plugin_kit::{CniError, ErrorCode, IpConfig};

use crate::config::IpamConfig;
use crate::range::Range;
use crate::store::{Owner, Store};

/// Reserve one address per range set for `owner`. All or nothing: a failure
/// releases what this call reserved.
pub fn allocate(store: &Store, cfg: &IpamConfig, owner: &Owner) -> Result<Vec<IpConfig>, CniError> {
    let held = store.find(owner)?;
    if let Some(ip) = held.first() {
        return Err(CniError::new(
            ErrorCode::AlreadyExists,
            format!(
                "{ip} is already allocated to container {} interface {}; duplicate allocation is not allowed",
                owner.container_id, owner.ifname
            ),
        ));
    }
    for ip in &cfg.requested {
        if !cfg
            .range_sets
            .iter()
            .flatten()
            .any(|r| r.subnet.contains(*ip))
        {
            return Err(CniError::config(
                "runtimeConfig.ips",
                format!("requested address {ip} is in none of the configured ranges"),
            ));
        }
    }
    let mut done: Vec<IpConfig> = Vec::new();
    for (i, set) in cfg.range_sets.iter().enumerate() {
        let picked = match cfg
            .requested
            .iter()
            .find(|ip| set.iter().any(|r| r.subnet.contains(**ip)))
        {
            Some(ip) => reserve_requested(store, set, i, *ip, owner),
            None => reserve_next(store, set, i, owner),
        };
        match picked {
            Ok(ipc) => done.push(ipc),
            Err(e) => {
                for ipc in &done {
                    let _ = store.release(ipc.address.addr());
                }
                return Err(e);
            }
        }
    }
    Ok(done)
}

fn config_for(range: &Range, ip: IpAddr) -> IpConfig {
    IpConfig {
        address: range.subnet.with_addr(ip),
        gateway: range.gateway,
        interface: None,
    }
}

fn reserve_requested(
    store: &Store,
    set: &[Range],
    i: usize,
    ip: IpAddr,
    owner: &Owner,
) -> Result<IpConfig, CniError> {
    if set.iter().any(|r| r.gateway == Some(ip)) {
        return Err(CniError::config(
            "runtimeConfig.ips",
            format!("requested address {ip} is the gateway"),
        ));
    }
    let range = set.iter().find(|r| r.contains(ip)).ok_or_else(|| {
        CniError::config(
            "runtimeConfig.ips",
            format!("requested address {ip} is outside rangeStart..rangeEnd of ipam.ranges[{i}]"),
        )
    })?;
    if !store.reserve(ip, owner, i)? {
        return Err(CniError::new(
            ErrorCode::NoAddressAvailable,
            format!("requested address {ip} is already reserved"),
        ));
    }
    Ok(config_for(range, ip))
}

/// Walk the set's ranges circularly, starting after the last reserved
/// address, and claim the first free one. Every address skipped is the
/// gateway or reserved, so the walk ends quickly unless the set is full.
fn reserve_next(
    store: &Store,
    set: &[Range],
    i: usize,
    owner: &Owner,
) -> Result<IpConfig, CniError> {
    let (mut r, mut ip) = match store.last_reserved(i).and_then(|last| {
        set.iter()
            .position(|rg| rg.contains(last))
            .map(|p| (p, last))
    }) {
        Some((p, last)) => advance(set, p, last),
        None => (0, set[0].start),
    };
    let first = (r, ip);
    loop {
        let range = &set[r];
        if range.gateway != Some(ip) && store.reserve(ip, owner, i)? {
            return Ok(config_for(range, ip));
        }
        (r, ip) = advance(set, r, ip);
        if (r, ip) == first {
            return Err(CniError::new(
                ErrorCode::NoAddressAvailable,
                format!("no free address in ipam.ranges[{i}]"),
            ));
        }
    }
}

fn advance(set: &[Range], r: usize, ip: IpAddr) -> (usize, IpAddr) {
    match set[r].next(ip) {
        Some(n) => (r, n),
        None => {
            let r = (r + 1) % set.len();
            (r, set[r].start)
        }
    }
}

/// The index of the first range set with no free address, if any.
pub fn exhausted_set(store: &Store, cfg: &IpamConfig) -> Result<Option<usize>, CniError> {
    let held: Vec<IpAddr> = store.all()?.into_iter().map(|(ip, _)| ip).collect();
    for (i, set) in cfg.range_sets.iter().enumerate() {
        let capacity: u128 = set.iter().map(Range::capacity).sum();
        let used = held
            .iter()
            .filter(|ip| {
                set.iter()
                    .any(|r| r.contains(**ip) && r.gateway != Some(**ip))
            })
            .count() as u128;
        if used >= capacity {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
