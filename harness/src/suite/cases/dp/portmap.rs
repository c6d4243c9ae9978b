//! `dp/portmap` (DP-PORTMAP): the node's mapped host port reaches a
//! listener on the container's port.

use std::net::SocketAddr;

use super::attached::{harness, on_one, settle, world, Judged};
use crate::dataplane::claims;
use crate::dataplane::{self as dp, Exchange, Patience};
use crate::judge::dataplane as judge;
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub(super) fn run(ctx: &mut Ctx) -> CaseVerdict {
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
                    let Some(host) = m.probe_at(v4, &uplink.node_side()) else {
                        continue;
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
