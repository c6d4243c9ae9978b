//! ICMP and ICMPv6 echo messages: building requests and recognising the
//! replies and errors that answer them (RFC 792, RFC 4443). Pure functions,
//! no sockets.

use std::net::IpAddr;

/// IP header lengths the prober's packets have (no options, no extension headers).
pub const IPV4_HEADER: usize = 20;
pub const IPV6_HEADER: usize = 40;
/// Type, code, checksum, identifier, sequence.
pub const ECHO_HEADER: usize = 8;
/// The payload starts with this many bytes that identify the probe.
pub const NONCE: usize = 8;

/// Which probe a packet belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub id: u16,
    pub seq: u16,
    pub nonce: u64,
}

/// What a received packet says about our probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// The echo reply to request `seq`.
    Reply { seq: u16 },
    /// An ICMP error about request `seq`, in words.
    Error { seq: u16, what: String },
    /// Not about this probe.
    Other,
}

/// The IP header length for a destination's family.
pub fn ip_header(to: IpAddr) -> usize {
    if to.is_ipv4() {
        IPV4_HEADER
    } else {
        IPV6_HEADER
    }
}

/// The ICMP part of an echo request whose IP packet is `packet` bytes long;
/// `None` when that is too short to carry the probe's tag.
pub fn request(v4: bool, tag: Tag, packet: usize) -> Option<Vec<u8>> {
    let header = if v4 { IPV4_HEADER } else { IPV6_HEADER };
    let len = packet.checked_sub(header)?;
    if len < ECHO_HEADER + NONCE {
        return None;
    }
    let mut msg = vec![0u8; len];
    msg[0] = if v4 { 8 } else { 128 };
    msg[4..6].copy_from_slice(&tag.id.to_be_bytes());
    msg[6..8].copy_from_slice(&tag.seq.to_be_bytes());
    msg[8..16].copy_from_slice(&tag.nonce.to_be_bytes());
    for (i, b) in msg[16..].iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    if v4 {
        // ICMPv6 checksums cover a pseudo-header: the kernel fills them in.
        let sum = checksum(&msg);
        msg[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    Some(msg)
}

/// Classify a packet read from a raw socket: ICMPv4 sockets deliver the IP
/// header too, ICMPv6 ones only the message.
pub fn hear(v4: bool, packet: &[u8], tag: Tag) -> Heard {
    let msg = if v4 {
        match packet.first() {
            Some(b) if b >> 4 == 4 => packet.get(usize::from(b & 0x0f) * 4..),
            _ => None,
        }
    } else {
        Some(packet)
    };
    let Some(msg) = msg.filter(|m| m.len() >= ECHO_HEADER) else {
        return Heard::Other;
    };
    let (kind, code) = (msg[0], msg[1]);
    let reply = if v4 { 0 } else { 129 };
    if kind == reply {
        return match echo_tag(msg) {
            Some((id, seq, nonce)) if id == tag.id && nonce == Some(tag.nonce) => {
                Heard::Reply { seq }
            }
            _ => Heard::Other,
        };
    }
    let Some(what) = error_name(v4, kind, code) else {
        return Heard::Other;
    };
    // The error quotes the start of our request: its IP header, then ours.
    let quoted = &msg[ECHO_HEADER..];
    let inner = if v4 {
        match quoted.first() {
            Some(b) if b >> 4 == 4 => quoted.get(usize::from(b & 0x0f) * 4..),
            _ => None,
        }
    } else {
        quoted.get(IPV6_HEADER..)
    };
    let request = if v4 { 8 } else { 128 };
    match inner {
        Some(req) if req.first() == Some(&request) => match echo_tag(req) {
            Some((id, seq, _)) if id == tag.id => Heard::Error { seq, what },
            _ => Heard::Other,
        },
        _ => Heard::Other,
    }
}

/// Identifier, sequence and (when quoted far enough) nonce of an echo message.
fn echo_tag(msg: &[u8]) -> Option<(u16, u16, Option<u64>)> {
    let id = u16::from_be_bytes([*msg.get(4)?, *msg.get(5)?]);
    let seq = u16::from_be_bytes([*msg.get(6)?, *msg.get(7)?]);
    let nonce = msg
        .get(8..16)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_be_bytes);
    Some((id, seq, nonce))
}

/// The ICMP errors that can answer an echo request, named as `ping` does.
fn error_name(v4: bool, kind: u8, code: u8) -> Option<String> {
    let name = match (v4, kind, code) {
        (true, 3, 0) => "destination net unreachable".to_string(),
        (true, 3, 1) => "destination host unreachable".to_string(),
        (true, 3, 4) => "fragmentation needed".to_string(),
        (true, 3, 9 | 10 | 13) => "communication administratively prohibited".to_string(),
        (true, 3, c) => format!("destination unreachable (code {c})"),
        (true, 11, _) => "time to live exceeded".to_string(),
        (false, 1, 0) => "no route to destination".to_string(),
        (false, 1, 1) => "communication administratively prohibited".to_string(),
        (false, 1, 3) => "address unreachable".to_string(),
        (false, 1, c) => format!("destination unreachable (code {c})"),
        (false, 2, _) => "packet too big".to_string(),
        (false, 3, _) => "hop limit exceeded".to_string(),
        _ => return None,
    };
    Some(name)
}

/// The Internet checksum (RFC 1071).
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAG: Tag = Tag {
        id: 0x1234,
        seq: 3,
        nonce: 0xdead_beef_0102_0304,
    };

    fn ipv4(payload: &[u8]) -> Vec<u8> {
        let mut p = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn requests_have_the_asked_size_and_a_valid_checksum() {
        let req = request(true, TAG, 84).expect("fits");
        assert_eq!(req.len() + IPV4_HEADER, 84);
        assert_eq!(
            checksum(&req),
            0,
            "a message with its checksum sums to zero"
        );
        assert_eq!(request(false, TAG, 1500).map(|r| r.len()), Some(1460));
        assert_eq!(request(true, TAG, 30), None, "too short for the tag");
    }

    #[test]
    fn replies_match_only_their_probe() {
        let mut reply = request(true, TAG, 84).expect("fits");
        reply[0] = 0;
        assert_eq!(hear(true, &ipv4(&reply), TAG), Heard::Reply { seq: 3 });
        let other = Tag { nonce: 1, ..TAG };
        assert_eq!(hear(true, &ipv4(&reply), other), Heard::Other);
        // Our own request, seen by a raw socket, is not a reply.
        let req = request(true, TAG, 84).expect("fits");
        assert_eq!(hear(true, &ipv4(&req), TAG), Heard::Other);
        let mut v6 = request(false, TAG, 104).expect("fits");
        v6[0] = 129;
        assert_eq!(hear(false, &v6, TAG), Heard::Reply { seq: 3 });
    }

    #[test]
    fn errors_quoting_the_request_are_recognised() {
        let req = request(true, TAG, 84).expect("fits");
        let mut err = vec![3, 1, 0, 0, 0, 0, 0, 0];
        err.extend(ipv4(&req[..8]));
        assert_eq!(
            hear(true, &ipv4(&err), TAG),
            Heard::Error {
                seq: 3,
                what: "destination host unreachable".into()
            }
        );
        let mut v6req = request(false, TAG, 104).expect("fits");
        v6req.truncate(8);
        let mut v6err = vec![1, 3, 0, 0, 0, 0, 0, 0];
        v6err.extend(vec![0x60; IPV6_HEADER]);
        v6err.extend(v6req);
        assert!(matches!(
            hear(false, &v6err, TAG),
            Heard::Error { seq: 3, .. }
        ));
        assert_eq!(hear(true, &[0x45, 0], TAG), Heard::Other, "truncated");
    }
}
