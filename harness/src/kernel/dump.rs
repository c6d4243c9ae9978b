//! Synchronous rtnetlink dumps on a plain socket.
//!
//! A snapshot is a handful of request/dump round trips: a blocking socket
//! avoids building an async runtime for each one. The socket must be opened
//! by a thread inside the namespace to read (a netlink socket stays bound to
//! the namespace it was created in).

use std::io;

use rtnetlink::packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_DUMP, NLM_F_REQUEST,
};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

/// Datagrams of a dump are at most 32 KiB (the kernel's cap on dump skbs).
const RECV_BUF: usize = 64 * 1024;

pub(crate) struct Dumper {
    socket: Socket,
    seq: u32,
    buf: Vec<u8>,
}

impl Dumper {
    /// Open a route netlink socket in the calling thread's namespace.
    pub(crate) fn open() -> io::Result<Dumper> {
        let mut socket = Socket::new(NETLINK_ROUTE)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        Ok(Dumper {
            socket,
            seq: 0,
            buf: Vec::with_capacity(RECV_BUF),
        })
    }

    /// Send one dump request and collect every message of the answer.
    pub(crate) fn dump(
        &mut self,
        request: RouteNetlinkMessage,
    ) -> io::Result<Vec<RouteNetlinkMessage>> {
        self.seq = self.seq.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_DUMP;
        header.sequence_number = self.seq;
        let mut msg = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(request));
        msg.finalize();
        let mut out = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut out);
        self.socket.send(&out, 0)?;

        let mut found = Vec::new();
        loop {
            self.buf.clear();
            let n = self.socket.recv(&mut self.buf, 0)?;
            if n > self.buf.len() {
                return Err(io::Error::other(
                    "netlink datagram larger than the receive buffer",
                ));
            }
            let mut offset = 0;
            while offset < self.buf.len() {
                let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&self.buf[offset..])
                    .map_err(|e| {
                        io::Error::new(io::ErrorKind::InvalidData, format!("netlink: {e}"))
                    })?;
                let len = reply.header.length as usize;
                if len == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "netlink: zero-length message",
                    ));
                }
                offset += (len + 3) & !3;
                if reply.header.sequence_number != self.seq {
                    continue; // a late answer to an earlier request
                }
                match reply.payload {
                    NetlinkPayload::Done(_) => return Ok(found),
                    NetlinkPayload::Error(e) => {
                        if let Some(code) = e.code {
                            return Err(io::Error::from_raw_os_error(-code.get()));
                        }
                    }
                    NetlinkPayload::InnerMessage(m) => found.push(m),
                    _ => {}
                }
            }
        }
    }
}
