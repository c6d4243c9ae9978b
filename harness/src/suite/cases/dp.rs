//! Data-plane cases (`DP-*`): real packets, sent by the harness between the
//! sandbox's namespaces, prove that the network a plugin set up carries
//! traffic, not only that the kernel agrees with its result. Each checks
//! one claim the result (or the configuration) makes; the catalogue says
//! how each is derived from SPEC.md and why a failure is one.

use std::net::{IpAddr, SocketAddr};

use serde_json::Value;

use crate::config::Surroundings;
use crate::dataplane::claims::{self, Claims};
use crate::dataplane::{self as dp, hints, Echo, Endpoint, Exchange, Patience, ProbeReport, World};
use crate::invoke::Attachment;
use crate::judge::dataplane::gateways::gateways;
use crate::judge::dataplane::{self as judge, Source};
use crate::judge::{Finding, Severity};
use crate::result::{self, Cidr, CniResult};
use crate::sandbox::{Netns, Uplink};
use crate::spec::SpecVersion;
use crate::suite::case::{
    both, has_interfaces, needs_chaining, several_containers, Applicability, Case, Scope,
};
use crate::suite::ctx::{Ctx, OrVerdict};
use crate::suite::verdict::CaseVerdict;

/// A case run at every version (data planes do not depend on it, but a
/// plugin's code paths may).
fn case(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    applies: crate::suite::case::Applies,
    run: crate::suite::case::Run,
) -> Case {
    Case {
        id,
        title,
        requirements,
        scope: Scope::PerVersion,
        applies,
        run,
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "dp/connectivity",
            "the container reaches its gateways and whoever holds an address in its subnet reaches it, until DEL",
            &["DP-GATEWAY", "DP-NODE", "DP-DEL"],
            has_interfaces,
            connectivity,
        ),
        case(
            "dp/attachments",
            "two attachments on one network reach each other both ways, in each family they share",
            &["DP-PEERS"],
            two_containers,
            attachments,
        ),
        case(
            "dp/routes",
            "each route leads through its next hop to the network beyond the node",
            &["DP-ROUTES"],
            has_interfaces,
            routes,
        ),
        case(
            "dp/ipmasq",
            "with ipMasq off the network beyond the node sees the container's address, with it on the node's",
            &["DP-MASQ"],
            masquerading,
            ipmasq,
        ),
        case(
            "dp/mtu",
            "a don't-fragment packet of the configured or reported MTU reaches the gateway, one byte more does not",
            &["DP-MTU"],
            sized,
            mtu,
        ),
        case(
            "dp/portmap",
            "TCP or UDP to the node's mapped host port reaches a listener on the container's port",
            &["DP-PORTMAP"],
            port_mapped,
            portmap,
        ),
    ]
}

fn two_containers(a: &Applicability) -> Result<(), String> {
    both(a, has_interfaces, several_containers)
}

/// The subject's own configuration object.
fn subject<'p>(a: &Applicability<'p>) -> Option<&'p serde_json::Map<String, Value>> {
    let p = a.profile;
    p.config
        .plugins
        .iter()
        .find(|o| crate::config::plugin_type(o) == p.plugin)
}

fn masquerading(a: &Applicability) -> Result<(), String> {
    has_interfaces(a)?;
    match subject(a)
        .and_then(|o| o.get("ipMasq"))
        .and_then(Value::as_bool)
    {
        Some(_) => Ok(()),
        None => Err("the plugin's configuration has no boolean `ipMasq`".into()),
    }
}

fn sized(a: &Applicability) -> Result<(), String> {
    has_interfaces(a)?;
    // Results report interface MTUs from 1.1.0 on; before, only the configuration can.
    if claims::configured_mtu(&a.profile.config.plugins).is_some()
        || a.version >= SpecVersion::V1_1_0
    {
        Ok(())
    } else {
        Err("no MTU is configured (and results before 1.1.0 report none)".into())
    }
}

fn port_mapped(a: &Applicability) -> Result<(), String> {
    both(a, has_interfaces, needs_chaining)?;
    let declared = a.profile.config.plugins.iter().any(|p| {
        p.get("capabilities")
            .and_then(|c| c.get("portMappings"))
            .and_then(Value::as_bool)
            == Some(true)
    });
    let passed = a
        .profile
        .needs
        .capability_args
        .get("portMappings")
        .and_then(Value::as_array)
        .is_some_and(|m| !m.is_empty());
    if !declared || !passed {
        return Err(
            "no plugin of the list takes the `portMappings` capability, or the profile passes none"
                .into(),
        );
    }
    if a.profile.node.surroundings != Surroundings::BehindNode {
        return Err(
            "the node has no address of its own beyond the parent link to map ports on".into(),
        );
    }
    Ok(())
}

/// An attachment made for a case, with its claims and its namespace.
struct Attached {
    att: Attachment,
    ns: Netns,
    name: String,
    result: CniResult,
    claims: Claims,
}

impl Attached {
    fn endpoint(&self) -> Endpoint<'_> {
        Endpoint {
            name: &self.name,
            ns: &self.ns,
        }
    }

    fn has_v6(&self) -> bool {
        self.claims.addresses.iter().any(|a| !a.address.is_ipv4())
    }
}

/// ADD the n-th container; a result that cannot be read fails the case
/// (after its DEL).
fn attach(ctx: &mut Ctx, n: usize) -> OrVerdict<Attached> {
    let att = ctx.container(n)?;
    let value = ctx.add_ok(&att)?;
    let parsed = match result::parse_value(&value) {
        Ok(r) => r,
        Err(e) => {
            let _ = ctx.del(&att);
            return Err(CaseVerdict::fail(
                "the ADD result cannot be read",
                "a result of the spec's shape",
                e.to_string(),
            ));
        }
    };
    let Some(path) = att.netns.path(ctx.sandbox.container_path()) else {
        return Err(CaseVerdict::error(
            "the attachment has no container namespace",
        ));
    };
    let ns =
        Netns::open(path).map_err(|e| CaseVerdict::error(format!("container namespace: {e}")))?;
    Ok(Attached {
        name: format!("container {}", att.container_id),
        claims: Claims::of(&parsed),
        result: parsed,
        ns,
        att,
    })
}

/// Put the uplink in place: always when the profile puts it on the parent
/// link (the gateway lives there), behind the node only when `beyond`.
fn surroundings(ctx: &mut Ctx, beyond: bool) -> OrVerdict<()> {
    let profile = &ctx.opts.profile;
    if profile.node.surroundings == Surroundings::BehindNode && !beyond {
        return Ok(());
    }
    ctx.sandbox
        .open_uplink(
            &profile.node.surroundings,
            profile.needs.parent_link.as_deref(),
        )
        .map(|_| ())
        .map_err(|e| CaseVerdict::error(format!("uplink: {e}")))
}

fn world<'c>(ctx: &'c Ctx) -> OrVerdict<World<'c>> {
    let node = ctx
        .sandbox
        .node_netns()
        .ok_or_else(|| CaseVerdict::error("data-plane cases need a scratch node namespace"))?;
    World::read(node, ctx.sandbox.uplink())
        .map_err(|e| CaseVerdict::error(format!("reading the node: {e}")))
}

fn harness(e: std::io::Error) -> CaseVerdict {
    CaseVerdict::error(format!("the prober failed: {e}"))
}

/// What a case found: the findings, the probes behind them, and notes on
/// what it could not check.
#[derive(Default)]
struct Judged {
    findings: Vec<Finding>,
    reports: Vec<ProbeReport>,
    notes: Vec<String>,
}

impl Judged {
    fn add(&mut self, f: Finding, r: ProbeReport) {
        self.findings.push(f);
        self.reports.push(r);
    }
}

/// The case's verdict: the first error fails it (the reason says what was
/// sent where and what came back), else a pass with every round trip; no
/// probe at all is a skip with the notes.
fn graded(ctx: &Ctx, a: &Attached, j: Judged, expected: &str) -> CaseVerdict {
    let errors: Vec<&Finding> = j
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if let Some(first) = errors.first() {
        let mut actual: Vec<String> = errors.iter().map(|f| f.message.clone()).collect();
        if let Some(node) = ctx.sandbox.node_netns() {
            let addresses: Vec<IpAddr> = a
                .claims
                .addresses
                .iter()
                .map(|c| c.address.addr())
                .collect();
            if let Ok(found) = hints::hints(node, &a.ns, &a.att.ifname, &addresses) {
                actual.extend(found.into_iter().map(|h| format!("hint: {h}")));
            }
        }
        return CaseVerdict::fail(reason_of(first), expected, actual.join("\n"));
    }
    if j.reports.is_empty() {
        return CaseVerdict::skip(j.notes.join("; "));
    }
    let mut reason = judge::summary(&j.reports);
    if !j.notes.is_empty() {
        reason += &format!(" (not checked: {})", j.notes.join("; "));
    }
    CaseVerdict::pass(reason)
}

/// Wait out IPv6 DAD when the attachments have IPv6 addresses.
fn settle(world: &World<'_>, atts: &[&Attached]) -> OrVerdict<()> {
    if atts.iter().any(|a| a.has_v6()) {
        let nss: Vec<&Netns> = atts.iter().map(|a| &a.ns).collect();
        world.settle(&nss).map_err(harness)?;
    }
    Ok(())
}

/// Run `body` on one attachment, then DEL it whatever happened.
fn on_one(
    ctx: &mut Ctx,
    beyond: bool,
    expected: &str,
    body: fn(&Ctx, &Attached) -> OrVerdict<Judged>,
) -> CaseVerdict {
    crate::bail_verdict!(surroundings(ctx, beyond));
    let a = crate::bail_verdict!(attach(ctx, 0));
    let verdict = match body(ctx, &a) {
        Ok(j) => graded(ctx, &a, j, expected),
        Err(v) => v,
    };
    let _ = ctx.del(&a.att);
    verdict
}

fn attachments(ctx: &mut Ctx) -> CaseVerdict {
    let a = crate::bail_verdict!(surroundings(ctx, false).and_then(|()| attach(ctx, 0)));
    let b = match attach(ctx, 1) {
        Ok(b) => b,
        Err(v) => {
            let _ = ctx.del(&a.att);
            return v;
        }
    };
    let judged = (|| -> OrVerdict<Judged> {
        let world = world(ctx)?;
        settle(&world, &[&a, &b])?;
        let mut j = Judged::default();
        for v4 in [true, false] {
            let (Some(x), Some(y)) = (a.claims.address(v4), b.claims.address(v4)) else {
                continue;
            };
            for (from, own, to) in [(&a, x, y), (&b, y, x)] {
                let r = dp::echo(&from.endpoint(), to.addr(), &Echo::ANSWER.from(own.addr()))
                    .map_err(harness)?;
                let why = format!(
                    "two attachments on one network do not reach each other ({} to {to})",
                    from.name
                );
                j.add(judge::answers("DP-PEERS", &r, &why), r);
            }
        }
        if j.reports.is_empty() {
            j.notes
                .push("the two results share no address family".into());
        }
        Ok(j)
    })();
    let verdict = match judged {
        Ok(j) => graded(
            ctx,
            &a,
            j,
            "each attachment answers an ICMP echo from the other",
        ),
        Err(v) => v,
    };
    let _ = ctx.del(&b.att);
    let _ = ctx.del(&a.att);
    verdict
}

fn routes(ctx: &mut Ctx) -> CaseVerdict {
    on_one(
        ctx,
        true,
        "an ICMP echo to a destination of each route is answered from beyond the node",
        |ctx, a| {
            let world = world(ctx)?;
            let Some(uplink) = world.uplink else {
                return Err(CaseVerdict::error("no uplink"));
            };
            settle(&world, &[a])?;
            let subnets = a.claims.subnets();
            let mut avoid = subnets.clone();
            avoid.extend(Uplink::reserved());
            avoid.extend(claims::special_ranges());
            let mut placed: Vec<IpAddr> = Vec::new();
            let mut j = Judged::default();
            for route in &a.claims.routes {
                if subnets
                    .iter()
                    .any(|s| s.prefix() <= route.dst.prefix() && s.contains(route.dst.addr()))
                {
                    j.notes
                        .push(format!("{} is on the container's own subnet", route.dst));
                    continue;
                }
                let Some(via) = route.via else {
                    j.notes.push(format!("{} has no next hop", route.dst));
                    continue;
                };
                if world.owner_of(via).is_none() {
                    j.notes.push(format!(
                        "nothing in the sandbox holds {via}, the next hop to {} (see dp/connectivity)",
                        route.dst
                    ));
                    continue;
                }
                let Some(own) = a.claims.address(route.dst.is_ipv4()) else {
                    j.notes.push(format!(
                        "the container has no address to send to {} from",
                        route.dst
                    ));
                    continue;
                };
                let beyond = Uplink::beyond(route.dst.is_ipv4());
                let Some(target) = claims::route_target(route.dst, &[beyond], &avoid) else {
                    j.notes
                        .push(format!("no address to stand for {}", route.dst));
                    continue;
                };
                if target != beyond && !placed.contains(&target) {
                    uplink.add_target(world.node, target).map_err(harness)?;
                    placed.push(target);
                }
                let r = dp::echo(&a.endpoint(), target, &Echo::ANSWER.from(own.addr()))
                    .map_err(harness)?;
                let why = format!(
                    "the result's route to {} via {via} does not lead beyond the node",
                    route.dst
                );
                j.add(judge::answers("DP-ROUTES", &r, &why), r);
            }
            Ok(j)
        },
    )
}

fn ipmasq(ctx: &mut Ctx) -> CaseVerdict {
    use crate::record::Verdict;
    // Off first: a masquerade rule the "on" run leaked would otherwise be
    // blamed on "off".
    let mut passed = Vec::new();
    let mut skipped = Vec::new();
    for masq in [false, true] {
        let net = crate::bail_verdict!(ctx.edited_config(|p| {
            p.insert("ipMasq".into(), Value::Bool(masq));
        }));
        let v = ctx.with_config(net, |ctx| if masq { masq_on(ctx) } else { masq_off(ctx) });
        match v.verdict {
            Verdict::Pass => passed.push(format!("ipMasq {masq}: {}", v.reason)),
            Verdict::Skip => skipped.push(format!("ipMasq {masq}: {}", v.reason)),
            _ => return v,
        }
    }
    if passed.is_empty() {
        return CaseVerdict::skip(skipped.join("; "));
    }
    passed.extend(skipped.into_iter().map(|s| format!("not checked: {s}")));
    CaseVerdict::pass(passed.join("; "))
}

fn masq_off(ctx: &mut Ctx) -> CaseVerdict {
    on_one(
        ctx,
        true,
        "with ipMasq off, the uplink sees the container's own address",
        |ctx, a| masquerade(ctx, a, false),
    )
}

fn masq_on(ctx: &mut Ctx) -> CaseVerdict {
    on_one(
        ctx,
        true,
        "with ipMasq on, the uplink sees one of the node's addresses",
        |ctx, a| masquerade(ctx, a, true),
    )
}

/// A UDP exchange from the container to the uplink's off-subnet address,
/// per family, judged by the source the uplink saw.
fn masquerade(ctx: &Ctx, a: &Attached, masq: bool) -> OrVerdict<Judged> {
    let world = world(ctx)?;
    let (Some(uplink), Some(server)) = (world.uplink, world.uplink_endpoint()) else {
        return Err(CaseVerdict::error("no uplink"));
    };
    settle(&world, &[a])?;
    let mut node: Vec<IpAddr> = world.node_addresses.iter().map(Cidr::addr).collect();
    node.extend(uplink.node_side().iter().map(Cidr::addr));
    let mut j = Judged::default();
    for v4 in [true, false] {
        let Some(own) = a.claims.address(v4) else {
            continue;
        };
        let beyond = Uplink::beyond(v4);
        if !a.claims.routes.iter().any(|r| r.dst.contains(beyond)) {
            j.notes.push(format!("the result has no route to {beyond}"));
            continue;
        }
        let x = Exchange {
            client: &a.endpoint(),
            client_from: Some(own.addr()),
            server: &server,
            to: SocketAddr::new(beyond, dp::PROBE_PORT),
            listen_port: dp::PROBE_PORT,
            listen_on: Some(beyond),
            patience: Patience::ANSWER,
        };
        let r = dp::udp(&x).map_err(harness)?;
        let want = if masq {
            Source::Node {
                container: own.addr(),
                node: node.clone(),
            }
        } else {
            Source::Container(own.addr())
        };
        j.add(judge::source("DP-MASQ", &r, &want), r);
    }
    Ok(j)
}

fn mtu(ctx: &mut Ctx) -> CaseVerdict {
    on_one(
        ctx,
        false,
        "a don't-fragment echo of the MTU is answered by the gateway, one byte more is not",
        |ctx, a| {
            let (mtu, source) = match a.claims.reported_mtu {
                Some(m) => (m, "the result's interface `mtu`".to_string()),
                None => claims::configured_mtu(&ctx.net.plugins)
                    .ok_or_else(|| CaseVerdict::skip("no MTU is configured or reported"))?,
            };
            let world = world(ctx)?;
            settle(&world, &[a])?;
            let mut j = Judged::default();
            let mut seen_family = Vec::new();
            for (own, gw) in a.claims.gateways() {
                if seen_family.contains(&gw.is_ipv4()) {
                    continue;
                }
                seen_family.push(gw.is_ipv4());
                if !gw.is_ipv4() && mtu < 1280 {
                    j.notes.push(format!(
                        "IPv6 needs an MTU of 1280 or more, {source} is {mtu}"
                    ));
                    continue;
                }
                let from = a.endpoint();
                let plain = dp::echo(&from, gw, &Echo::ANSWER.from(own.addr())).map_err(harness)?;
                if !plain.answered() {
                    j.notes.push(format!(
                        "the gateway {gw} does not answer at all (see dp/connectivity)"
                    ));
                    continue;
                }
                let sized = |packet: u32, patience| Echo {
                    packet: Some(packet as usize),
                    dont_fragment: true,
                    from: Some(own.addr()),
                    patience,
                };
                let at = dp::echo(&from, gw, &sized(mtu, Patience::ANSWER)).map_err(harness)?;
                let above =
                    dp::echo(&from, gw, &sized(mtu + 1, Patience::SILENCE)).map_err(harness)?;
                j.findings
                    .extend(judge::mtu("DP-MTU", mtu, &source, &at, &above));
                j.reports.extend([at, above]);
            }
            if a.claims.gateways().is_empty() {
                j.notes
                    .push("the result names no gateway to send to".into());
            }
            Ok(j)
        },
    )
}

fn portmap(ctx: &mut Ctx) -> CaseVerdict {
    on_one(
        ctx,
        true,
        "a connection to the node's host port is answered by a listener on the container's port",
        |ctx, a| {
            let world = world(ctx)?;
            let (Some(uplink), Some(outside)) = (world.uplink, world.uplink_endpoint()) else {
                return Err(CaseVerdict::error("no uplink"));
            };
            settle(&world, &[a])?;
            let mut j = Judged::default();
            for m in claims::port_mappings(&ctx.capability_args) {
                for v4 in [true, false] {
                    if a.claims.address(v4).is_none() {
                        continue;
                    }
                    let host = match m.host_ip {
                        Some(ip) if ip.is_ipv4() != v4 => continue,
                        Some(ip) => ip,
                        None => match uplink.node_side().iter().find(|c| c.is_ipv4() == v4) {
                            Some(c) => c.addr(),
                            None => continue,
                        },
                    };
                    for client in [outside, world.node()] {
                        let x = Exchange {
                            client: &client,
                            client_from: None,
                            server: &a.endpoint(),
                            to: SocketAddr::new(host, m.host_port),
                            listen_port: m.container_port,
                            listen_on: None,
                            patience: Patience::ANSWER,
                        };
                        let r = if m.udp { dp::udp(&x) } else { dp::tcp(&x) }.map_err(harness)?;
                        let proto = if m.udp { "UDP" } else { "TCP" };
                        let why = format!(
                            "{proto} from the {} to the node's host port {} does not reach \
                             the container's port {}",
                            client.name, m.host_port, m.container_port
                        );
                        j.add(judge::answers("DP-PORTMAP", &r, &why), r);
                    }
                }
            }
            Ok(j)
        },
    )
}

/// DP-GATEWAY and DP-NODE on one attachment, then DP-DEL: the container
/// reaches its gateways, whoever holds an address in its subnet reaches it,
/// and after DEL the same senders get no answer. (One case, one ADD: the
/// data-plane cases must stay cheap next to the rest of the suite.)
fn connectivity(ctx: &mut Ctx) -> CaseVerdict {
    let expected = "the container reaches its gateways, whoever holds an address in its subnet \
                    reaches the container, and nothing does once DEL succeeded";
    crate::bail_verdict!(surroundings(ctx, false));
    let a = crate::bail_verdict!(attach(ctx, 0));
    let before = (|| -> OrVerdict<Judged> {
        let world = world(ctx)?;
        let mut around = vec![&a.ns, world.node];
        around.extend(world.uplink.map(Uplink::ns));
        let (findings, reports) = gateways(&a.endpoint(), &around, &a.result).map_err(harness)?;
        let mut j = Judged {
            findings,
            reports,
            notes: Vec::new(),
        };
        if j.reports.is_empty() {
            j.notes.push("the result names no gateway".into());
        }
        for c in &a.claims.addresses {
            let Some(from) = world.on_subnet(c.address) else {
                j.notes.push(format!(
                    "nothing on the network side holds an address in {}",
                    c.address.network()
                ));
                continue;
            };
            let r = dp::echo(&from, c.address.addr(), &Echo::ANSWER).map_err(harness)?;
            let why = format!(
                "the {} cannot reach the container's {}",
                from.name, c.address
            );
            j.add(judge::answers("DP-NODE", &r, &why), r);
        }
        Ok(j)
    })();
    let before = match before {
        Ok(j) if j.reports.is_empty() || failed(&j) => {
            let v = graded(ctx, &a, j, expected);
            let _ = ctx.del(&a.att);
            return v;
        }
        Ok(j) => j,
        Err(v) => {
            let _ = ctx.del(&a.att);
            return v;
        }
    };
    let del = ctx.del(&a.att);
    if !matches!(&del, Ok(run) if run.succeeded()) {
        let mut v = graded(ctx, &a, before, expected);
        v.reason += "; after DEL not checked: DEL failed (see the del/ cases)";
        return v;
    }
    // Whoever reached the container before DEL, now expecting silence.
    let after = (|| -> OrVerdict<Judged> {
        let world = world(ctx)?;
        let mut j = Judged::default();
        for r in before
            .reports
            .iter()
            .filter(|r| !r.from.starts_with("container"))
        {
            let from = if r.from == "node" {
                Some(world.node())
            } else {
                world.uplink_endpoint()
            };
            let Some(from) = from else { continue };
            let gone = dp::echo(&from, r.to, &Echo::SILENCE).map_err(harness)?;
            let why = format!(
                "after DEL the {} still reaches the container's old address {}",
                from.name, r.to
            );
            j.add(judge::silent("DP-DEL", &gone, &why), gone);
        }
        Ok(j)
    })();
    match after {
        Ok(j) if failed(&j) => {
            // No hints: the container's interface is gone by design.
            let reasons: Vec<String> = j
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .map(reason_of)
                .collect();
            CaseVerdict::fail(reasons[0].clone(), expected, reasons.join("\n"))
        }
        Ok(mut j) => {
            j.findings.splice(0..0, before.findings);
            j.reports.splice(0..0, before.reports);
            j.notes.extend(before.notes);
            graded(ctx, &a, j, expected)
        }
        Err(v) => v,
    }
}

/// A failure's reason names the requirement: several cases check more than one.
fn reason_of(f: &Finding) -> String {
    format!("[{}] {}", f.requirement, f.message)
}

fn failed(j: &Judged) -> bool {
    j.findings.iter().any(|f| f.severity == Severity::Error)
}
