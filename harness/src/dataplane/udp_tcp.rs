//! A UDP and a TCP exchange between two namespaces: the harness opens the
//! listener in one and the client in the other, and the listener records the
//! address the client's packets arrived from (what masquerading changes).

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use socket2::Socket;

use super::report::{Answer, ProbeReport, Sent};
use super::socket::{self, Kind};
use super::wait::Patience;
use super::Endpoint;

/// The port the harness's own listeners use when the case does not dictate one.
pub const PROBE_PORT: u16 = 47_000;

/// How often a listener looks whether the client is done.
const SLICE: Duration = Duration::from_millis(20);

/// What a client sends and the listener answers.
fn request(nonce: u64) -> Vec<u8> {
    format!("cnih-probe {nonce:016x}").into_bytes()
}

fn answer(nonce: u64) -> Vec<u8> {
    format!("cnih-answer {nonce:016x}").into_bytes()
}

fn nonce() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ u64::from(std::process::id())
}

/// Where an exchange goes: `client` sends to `to`, which must lead (maybe
/// through address translation) to `listen_port` in `server`.
pub struct Exchange<'a, 'n> {
    pub client: &'a Endpoint<'n>,
    /// Send from this address of the client (`None`: as routing picks).
    pub client_from: Option<std::net::IpAddr>,
    pub server: &'a Endpoint<'n>,
    pub to: SocketAddr,
    pub listen_port: u16,
    /// Bind the listener to this address of `server` (its answers then come
    /// from it, as a translated connection's reply must), else to all.
    pub listen_on: Option<std::net::IpAddr>,
    pub patience: Patience,
}

/// One UDP request and answer, resent until answered or the deadline passes.
pub fn udp(x: &Exchange<'_, '_>) -> io::Result<ProbeReport> {
    let v4 = x.to.is_ipv4();
    let listener = socket::bind_in(x.server.ns, Kind::Udp, v4, x.listen_on, x.listen_port)?;
    let mut report = base(
        x,
        Sent::Udp {
            to_port: x.to.port(),
        },
        x.client_from,
    );
    let client = match socket::open_in(x.client.ns, Kind::Udp, x.to.ip(), x.client_from) {
        Ok((client, source)) => {
            report.source = source;
            client
        }
        Err(err) => {
            report.answer = Answer::Error(socket::unsendable(err, x.client_from)?);
            return Ok(report);
        }
    };
    let n = nonce();
    let deadline = Instant::now() + x.patience.deadline;
    let done = AtomicBool::new(false);
    std::thread::scope(|s| -> io::Result<()> {
        let server = s.spawn(|| serve_udp(&listener, n, deadline, &done));
        let outcome = udp_client(&client, x, n, deadline, &mut report);
        stop(&listener, &done);
        report.seen_as = server
            .join()
            .map_err(|_| io::Error::other("UDP listener thread panicked"))??;
        outcome
    })?;
    Ok(report)
}

fn udp_client(
    client: &Socket,
    x: &Exchange<'_, '_>,
    n: u64,
    deadline: Instant,
    report: &mut ProbeReport,
) -> io::Result<()> {
    let start = Instant::now();
    let mut buf = [0u8; 128];
    let mut next_send = start;
    let mut last_sent = start;
    loop {
        let now = Instant::now();
        // Read until empty even past the deadline (see `echo`).
        let late = now >= deadline;
        if !late && now >= next_send {
            if let Err(e) = client.send_to(&request(n), &x.to.into()) {
                report.attempts += 1;
                report.answer = Answer::Error(format!("the sender's kernel refused it: {e}"));
                return Ok(());
            }
            report.attempts += 1;
            last_sent = now;
            next_send = now + x.patience.resend;
        }
        let wait = next_send
            .min(deadline)
            .saturating_duration_since(Instant::now());
        match socket::recv_from(client, &mut buf, wait) {
            Ok(Some((len, from))) if buf[..len] == answer(n)[..] => {
                report.answer = Answer::Reply {
                    from: socket::ip_of(&from).unwrap_or(x.to.ip()),
                    rtt: last_sent.elapsed(),
                };
                return Ok(());
            }
            Ok(None) if late => {
                report.answer = Answer::Silence(now - start);
                return Ok(());
            }
            Ok(_) => {}
            // An ICMP port or host unreachable comes back as a socket error.
            Err(e) => {
                report.answer = Answer::Error(format!("the exchange failed: {e}"));
                return Ok(());
            }
        }
    }
}

/// Tell the listener the client is done, and wake it: shutting a socket
/// down ends a blocked receive or accept at once.
fn stop(listener: &Socket, done: &AtomicBool) {
    done.store(true, Ordering::Relaxed);
    let _ = listener.shutdown(std::net::Shutdown::Both);
}

/// Answer every request carrying `n` until `done` or the deadline; the
/// address the first one came from.
fn serve_udp(
    listener: &Socket,
    n: u64,
    deadline: Instant,
    done: &AtomicBool,
) -> io::Result<Option<SocketAddr>> {
    let mut seen = None;
    let mut buf = [0u8; 128];
    while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
        let got = match socket::recv_from(listener, &mut buf, SLICE) {
            Ok(got) => got,
            Err(_) if done.load(Ordering::Relaxed) => break,
            Err(e) => return Err(e),
        };
        if let Some((len, from)) = got {
            if buf[..len] == request(n)[..] {
                let _ = listener.send_to(&answer(n), &from);
                seen = seen.or(from.as_socket());
            }
        }
    }
    Ok(seen)
}

/// One TCP connection carrying a request and its answer; connecting is
/// retried (a refusal may be a moment early) until the deadline.
pub fn tcp(x: &Exchange<'_, '_>) -> io::Result<ProbeReport> {
    let v4 = x.to.is_ipv4();
    let listener = socket::bind_in(x.server.ns, Kind::Tcp, v4, x.listen_on, x.listen_port)?;
    let n = nonce();
    let deadline = Instant::now() + x.patience.deadline;
    let done = AtomicBool::new(false);
    let mut report = base(
        x,
        Sent::Tcp {
            to_port: x.to.port(),
        },
        None,
    );
    std::thread::scope(|s| -> io::Result<()> {
        let server = s.spawn(|| serve_tcp(&listener, n, deadline, &done));
        let outcome = tcp_client(x, n, deadline, &mut report);
        stop(&listener, &done);
        report.seen_as = server
            .join()
            .map_err(|_| io::Error::other("TCP listener thread panicked"))??;
        outcome
    })?;
    Ok(report)
}

fn tcp_client(
    x: &Exchange<'_, '_>,
    n: u64,
    deadline: Instant,
    report: &mut ProbeReport,
) -> io::Result<()> {
    let start = Instant::now();
    let mut last_error = None;
    while Instant::now() < deadline {
        let (mut sock, source) =
            match socket::open_in(x.client.ns, Kind::Tcp, x.to.ip(), x.client_from) {
                Ok(opened) => opened,
                Err(err) => {
                    report.answer = Answer::Error(socket::unsendable(err, x.client_from)?);
                    return Ok(());
                }
            };
        report.source = source;
        report.attempts += 1;
        let tried = Instant::now();
        let left = deadline.saturating_duration_since(tried);
        let outcome = sock
            .connect_timeout(&x.to.into(), left.max(Duration::from_millis(1)))
            .and_then(|()| {
                sock.set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
                sock.write_all(&request(n))?;
                let mut buf = [0u8; 128];
                let len = sock.read(&mut buf)?;
                Ok(buf[..len] == answer(n)[..])
            });
        match outcome {
            Ok(true) => {
                report.answer = Answer::Reply {
                    from: x.to.ip(),
                    rtt: tried.elapsed(),
                };
                return Ok(());
            }
            Ok(false) => last_error = Some("the connection carried no answer".to_string()),
            Err(e) => last_error = Some(format!("{e}")),
        }
        std::thread::sleep(
            x.patience
                .resend
                .min(deadline.saturating_duration_since(Instant::now())),
        );
    }
    report.answer = match last_error {
        Some(e) if !e.contains("timed out") => Answer::Error(format!("the connection failed: {e}")),
        _ => Answer::Silence(start.elapsed()),
    };
    Ok(())
}

fn serve_tcp(
    listener: &Socket,
    n: u64,
    deadline: Instant,
    done: &AtomicBool,
) -> io::Result<Option<SocketAddr>> {
    listener.set_read_timeout(Some(SLICE))?;
    let mut seen = None;
    while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
        let (mut conn, from) = match listener.accept() {
            Ok(c) => c,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(_) if done.load(Ordering::Relaxed) => break,
            Err(e) => return Err(e),
        };
        conn.set_read_timeout(Some(
            deadline
                .saturating_duration_since(Instant::now())
                .max(SLICE),
        ))?;
        let mut buf = [0u8; 128];
        if let Ok(len) = conn.read(&mut buf) {
            if buf[..len] == request(n)[..] {
                let _ = conn.write_all(&answer(n));
                seen = seen.or(from.as_socket());
            }
        }
    }
    Ok(seen)
}

fn base(x: &Exchange<'_, '_>, sent: Sent, source: Option<std::net::IpAddr>) -> ProbeReport {
    ProbeReport {
        sent,
        from: x.client.name.to_string(),
        source,
        to: x.to.ip(),
        attempts: 0,
        answer: Answer::Silence(Duration::ZERO),
        seen_as: None,
    }
}
