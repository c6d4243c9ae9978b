//! Sockets opened inside a namespace and used from anywhere.
//!
//! A socket stays bound to the network namespace of the thread that created
//! it, so every socket here is made on a fresh thread that entered the
//! namespace ([`Netns::run`]) and handed back; sending and receiving then
//! happen on the caller's thread, which never changes namespace.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::sandbox::Netns;

/// What kind of socket a probe needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Raw ICMP (v4) or ICMPv6: echo requests built by the prober.
    Icmp,
    Udp,
    Tcp,
}

/// A socket of `kind` for talking to `to`, opened inside `ns` and bound to
/// `from` when given (so policy routing by source applies, as it does to an
/// application using that address), plus the source address the kernel
/// picks there for `to` (`None`: no route).
pub fn open_in(
    ns: &Netns,
    kind: Kind,
    to: IpAddr,
    from: Option<IpAddr>,
) -> io::Result<(Socket, Option<IpAddr>)> {
    ns.run(move || -> io::Result<(Socket, Option<IpAddr>)> {
        let s = open_here(kind, to.is_ipv4())?;
        if let Some(ip) = from {
            s.bind(&SocketAddr::new(ip, 0).into())?;
        }
        Ok((s, source_for(to, from)))
    })?
}

/// A listening or receiving socket of `kind` bound to `port` on `on` (an
/// address of `ns`), or on every address of `ns` of `v4`'s family.
///
/// A listener on a port the previous exchange used can meet that
/// exchange's connection still closing and be refused (seen now and then
/// with portmap's DNAT'd connections): binding is retried for up to a
/// second before giving up.
pub fn bind_in(
    ns: &Netns,
    kind: Kind,
    v4: bool,
    on: Option<IpAddr>,
    port: u16,
) -> io::Result<Socket> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        match ns.run(move || bind_here(kind, v4, on, port))? {
            Err(e)
                if e.kind() == io::ErrorKind::AddrInUse && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("listening on port {port} in {}: {e}", ns.path().display()),
                ))
            }
            Ok(s) => return Ok(s),
        }
    }
}

fn bind_here(kind: Kind, v4: bool, on: Option<IpAddr>, port: u16) -> io::Result<Socket> {
    let s = open_here(kind, v4)?;
    if !v4 {
        s.set_only_v6(true)?;
    }
    s.set_reuse_address(true)?;
    let any: IpAddr = if v4 {
        Ipv4Addr::UNSPECIFIED.into()
    } else {
        Ipv6Addr::UNSPECIFIED.into()
    };
    s.bind(&SocketAddr::new(on.unwrap_or(any), port).into())?;
    if kind == Kind::Tcp {
        s.listen(8)?;
    }
    Ok(s)
}

fn open_here(kind: Kind, v4: bool) -> io::Result<Socket> {
    let domain = if v4 { Domain::IPV4 } else { Domain::IPV6 };
    match kind {
        Kind::Icmp => {
            let proto = if v4 {
                Protocol::ICMPV4
            } else {
                Protocol::ICMPV6
            };
            Socket::new(domain, Type::RAW, Some(proto))
        }
        Kind::Udp => Socket::new(domain, Type::DGRAM, Some(Protocol::UDP)),
        Kind::Tcp => Socket::new(domain, Type::STREAM, Some(Protocol::TCP)),
    }
}

/// The source address this thread's namespace would use towards `to`
/// (from `from`, if bound): connecting a UDP socket sends nothing but runs
/// the route lookup.
fn source_for(to: IpAddr, from: Option<IpAddr>) -> Option<IpAddr> {
    let domain = if to.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let s = Socket::new(domain, Type::DGRAM, None).ok()?;
    if let Some(ip) = from {
        s.bind(&SocketAddr::new(ip, 0).into()).ok()?;
    }
    s.connect(&SocketAddr::new(to, 9).into()).ok()?;
    s.local_addr().ok()?.as_socket().map(|a| a.ip())
}

/// Set don't-fragment on `s`, ignoring any path MTU the kernel learnt: a
/// packet larger than the interface MTU is refused with EMSGSIZE, one that
/// fits leaves unfragmented and is dropped by whatever is narrower.
pub fn dont_fragment(s: &Socket, v4: bool) -> io::Result<()> {
    let set = |level: libc::c_int, name: libc::c_int, value: libc::c_int| -> io::Result<()> {
        // SAFETY: setsockopt on an open fd with a pointer to a c_int and its size.
        let rc = unsafe {
            libc::setsockopt(
                s.as_raw_fd(),
                level,
                name,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    };
    if v4 {
        set(
            libc::IPPROTO_IP,
            libc::IP_MTU_DISCOVER,
            libc::IP_PMTUDISC_PROBE,
        )
    } else {
        set(
            libc::IPPROTO_IPV6,
            libc::IPV6_MTU_DISCOVER,
            libc::IPV6_PMTUDISC_PROBE,
        )?;
        set(libc::IPPROTO_IPV6, libc::IPV6_DONTFRAG, 1)
    }
}

/// When opening a client socket bound to `from` failed because the sender
/// has no such address, the words for that outcome; any other error stays
/// the harness's.
pub fn unsendable(err: io::Error, from: Option<IpAddr>) -> io::Result<String> {
    match from {
        Some(ip) if err.kind() == io::ErrorKind::AddrNotAvailable => Ok(format!(
            "cannot be sent from {ip}: the sender has no such address"
        )),
        _ => Err(err),
    }
}

/// The IP address of a socket address, if it is an internet one.
pub fn ip_of(addr: &SockAddr) -> Option<IpAddr> {
    addr.as_socket().map(|a| a.ip())
}

/// Receive into `buf` (its length is the most taken), waiting at most
/// `wait`; `Ok(None)` when nothing came in time.
pub fn recv_from(
    s: &Socket,
    buf: &mut [u8],
    wait: std::time::Duration,
) -> io::Result<Option<(usize, SockAddr)>> {
    s.set_read_timeout(Some(wait.max(std::time::Duration::from_micros(100))))?;
    // SAFETY: an initialised byte buffer viewed as possibly-uninitialised
    // bytes, which recv only writes to.
    let uninit = unsafe { &mut *(buf as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) };
    match s.recv_from(uninit) {
        Ok(got) => Ok(Some(got)),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
