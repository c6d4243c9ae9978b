//! CHECK against the surroundings' address server (a profile with
//! `node.surroundings.leases`, e.g. Debian's dhcp with dnsmasq in the
//! uplink): the lease ADD got is still held by the server after CHECK.
//!
//! What a case can see in bounded time: the server's lease file after ADD,
//! after CHECK. A DHCP client's own renewal comes at T1 (half the lease;
//! dnsmasq's shortest lease is 2 minutes, so 60 s), longer than a case: it
//! is not waited for. A CHECK that asks the server again (Debian's dhcp
//! 1.1.1 runs a whole new DHCP exchange on CHECK) renews the lease then,
//! which shows as a changed lease line (dnsmasq stamps a new expiry in
//! whole seconds): the case pauses a little over a second after ADD so that
//! a renewal cannot hide in the same second, and says whether it saw one.
//! That is noted, never judged (no requirement asks CHECK to renew); the
//! release on DEL is judged by `del/no-residue` (the file is the sandbox's
//! state).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::suite::case::{needs_check, Applicability, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

/// How long the server may take to write what it has already answered.
const SERVER_GRACE: Duration = Duration::from_secs(10);
/// Over a second, so a lease renewed at CHECK gets a later whole-second stamp.
const BEFORE_CHECK: Duration = Duration::from_millis(1100);

pub fn cases() -> Vec<Case> {
    vec![Case {
        id: "check/keeps-server-lease",
        title: "the lease the surroundings' server gave on ADD is still held after CHECK",
        requirements: &["CHECK-1"],
        scope: Scope::PerVersion,
        applies: with_lease_file,
        run: keeps_server_lease,
    }]
}

fn with_lease_file(a: &Applicability) -> Result<(), String> {
    needs_check(a)?;
    match a.profile.node.uplink_leases {
        Some(_) => Ok(()),
        None => Err("the profile's surroundings name no lease file (`leases`)".into()),
    }
}

/// The line of the lease file naming `ip` as a whole word.
fn lease_line(file: &Path, ip: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .find(|l| l.split_whitespace().any(|w| w == ip))
        .map(str::to_string)
}

/// Poll (bounded) until `f` gives something.
fn within<T>(grace: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + grace;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn keeps_server_lease(ctx: &mut Ctx) -> CaseVerdict {
    let Some(leases) = ctx.opts.profile.node.uplink_leases.clone() else {
        return CaseVerdict::skip("the profile's surroundings name no lease file");
    };
    let file = ctx.sandbox.host_view(&leases);
    let att = ctx.attachment(0);
    let result = crate::bail_verdict!(ctx.add_ok(&att));
    let ips: Vec<String> = result["ips"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|ip| ip["address"].as_str())
                .filter_map(|a| a.split('/').next())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    // The control: the server lists what ADD returned (else the profile's
    // file is not this server's, or the result names no leased address).
    let held = within(SERVER_GRACE, || {
        ips.iter()
            .find_map(|ip| lease_line(&file, ip).map(|line| (ip.clone(), line)))
    });
    let Some((ip, after_add)) = held else {
        let _ = ctx.del(&att);
        return CaseVerdict::blocked(
            format!(
                "the server's lease file {} names none of ADD's addresses {ips:?}",
                leases.display()
            ),
            "a lease for the address ADD returned",
        );
    };
    std::thread::sleep(BEFORE_CHECK);
    let run = match ctx.check(&att) {
        Ok(run) => run,
        Err(v) => {
            let _ = ctx.del(&att);
            return v;
        }
    };
    if !run.succeeded() {
        let _ = ctx.del(&att);
        return CaseVerdict::fail(
            "CHECK failed on an attachment that ADD just made",
            "CHECK succeeds",
            run.last().map(|s| s.reply.summary()).unwrap_or_default(),
        );
    }
    let renewed = within(Duration::from_secs(2), || {
        lease_line(&file, &ip).filter(|line| *line != after_add)
    });
    let after_check = renewed.clone().or_else(|| lease_line(&file, &ip));
    let verdict = match after_check {
        Some(line) => CaseVerdict::pass(format!(
            "CHECK passed and the server still holds {ip} ({}: `{after_add}` -> `{line}`)",
            if renewed.is_some() {
                "renewed at CHECK"
            } else {
                "not renewed at CHECK"
            }
        )),
        // CHECK said all is well while the attachment lost its address on
        // the network: not as ADD left it. No MUST says CHECK keeps a lease,
        // so a warning (the profile's documented expectation).
        None => CaseVerdict::warn(
            format!("the server no longer holds {ip} after a successful CHECK"),
            format!("a line naming {ip} in {}", leases.display()),
            format!("after ADD: `{after_add}`; after CHECK: none"),
        ),
    };
    let _ = ctx.del(&att);
    verdict
}
