//! The gateway check shared by the suite's `dp/connectivity` case and the
//! fuzzer's data-plane oracle: every gateway a success result names must
//! answer an echo from the container.

use std::io;

use super::answers;
use crate::dataplane::claims::Claims;
use crate::dataplane::report::ProbeReport;
use crate::dataplane::{echo, wait, Echo, Endpoint};
use crate::judge::Finding;
use crate::result::CniResult;
use crate::sandbox::Netns;

pub const REQUIREMENT: &str = "DP-GATEWAY";

/// Probe every gateway of `result` from `container`, after IPv6 addresses
/// of `settle` (the container and whoever owns gateways) left DAD. Returns
/// one finding per gateway (none when the result names no gateway) and the
/// probe reports.
pub fn gateways(
    container: &Endpoint<'_>,
    settle: &[&Netns],
    result: &CniResult,
) -> io::Result<(Vec<Finding>, Vec<ProbeReport>)> {
    let claims = Claims::of(result);
    let gateways = claims.gateways();
    if gateways.iter().any(|(_, gw)| gw.is_ipv6()) {
        wait::addresses_settled(settle)?;
    }
    let mut findings = Vec::new();
    let mut reports = Vec::new();
    for (address, gw) in gateways {
        let r = echo(container, gw, &Echo::ANSWER.from(address.addr()))?;
        findings.push(answers(
            REQUIREMENT,
            &r,
            &format!("the gateway {gw} the result names for {address} does not answer"),
        ));
        reports.push(r);
    }
    Ok((findings, reports))
}
