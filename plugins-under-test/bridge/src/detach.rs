//! Deleting a veth without waiting out the kernel's teardown.
//!
//! The kernel answers RTM_DELLINK only after `netdev_run_todo` has waited for
//! RCU grace periods (15-30 ms measured here), but the link is unlisted, its
//! name freed and RTM_DELLINK multicast well before that. So a forked child
//! sends the request and carries the wait, while we return as soon as the
//! notification shows the link is gone: DEL's effect is complete when we exit.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use cni_plugin_kit::CniError;

use crate::netns;

const NLMSG_HDR: usize = 16;
const IFINFO: usize = 16;

fn netlink_socket(groups: u32) -> io::Result<OwnedFd> {
    // SAFETY: socket/bind on a fresh descriptor that OwnedFd then owns.
    unsafe {
        let fd = libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::NETLINK_ROUTE,
        );
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let owned = OwnedFd::from_raw_fd(fd);
        if groups != 0 {
            let mut addr: libc::sockaddr_nl = std::mem::zeroed();
            addr.nl_family = libc::AF_NETLINK as u16;
            addr.nl_groups = groups;
            let len = std::mem::size_of::<libc::sockaddr_nl>() as u32;
            if libc::bind(fd, (&addr as *const libc::sockaddr_nl).cast(), len) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(owned)
    }
}

/// RTM_DELLINK for `index`, without NLM_F_ACK (nobody reads the answer).
fn dellink_message(index: u32) -> [u8; NLMSG_HDR + IFINFO] {
    let mut m = [0u8; NLMSG_HDR + IFINFO];
    m[0..4].copy_from_slice(&((NLMSG_HDR + IFINFO) as u32).to_ne_bytes());
    m[4..6].copy_from_slice(&libc::RTM_DELLINK.to_ne_bytes());
    m[6..8].copy_from_slice(&(libc::NLM_F_REQUEST as u16).to_ne_bytes());
    m[8..12].copy_from_slice(&1u32.to_ne_bytes());
    // ifinfomsg: family, pad, type (u16), index (i32), flags, change.
    m[NLMSG_HDR + 4..NLMSG_HDR + 8].copy_from_slice(&(index as i32).to_ne_bytes());
    m
}

/// Delete link `index` inside `ns`; return once the kernel has unlisted it.
pub fn delete_link(ns: &File, index: u32) -> Result<(), CniError> {
    let (req, monitor) = netns::within(ns, || {
        Ok((
            netlink_socket(0)?,
            netlink_socket(libc::RTMGRP_LINK as u32)?,
        ))
    })?;
    // A bound on the wait, in case the child never gets to send.
    let timeout = libc::timeval {
        tv_sec: 2,
        tv_usec: 0,
    };
    // SAFETY: setsockopt with a correctly sized timeval.
    unsafe {
        libc::setsockopt(
            monitor.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&timeout as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as u32,
        );
    }
    let msg = dellink_message(index);
    let req_fd = req.as_raw_fd();
    // SAFETY: the child only makes async-signal-safe syscalls before _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(CniError::io("fork", io::Error::last_os_error()));
    }
    if pid == 0 {
        // SAFETY: child side; closes everything but the request socket so no
        // pipe (our stdout, a delegate's stdin) stays open because of us.
        unsafe {
            libc::dup2(req_fd, 3);
            libc::close_range(4, u32::MAX, 0);
            libc::close(0);
            libc::close(1);
            libc::close(2);
            libc::send(3, msg.as_ptr().cast(), msg.len(), 0);
            libc::_exit(0);
        }
    }
    drop(req);
    if !wait_for_dellink(&monitor, index) {
        // No notification: fall back to waiting for the child itself.
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
    }
    Ok(())
}

/// Read link notifications until RTM_DELLINK for `index` (true) or a
/// timeout/error (false).
fn wait_for_dellink(monitor: &OwnedFd, index: u32) -> bool {
    let mut buf = vec![0u8; 32 * 1024];
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while std::time::Instant::now() < deadline {
        // SAFETY: recv into our own buffer.
        let n = unsafe { libc::recv(monitor.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n <= 0 {
            return false;
        }
        let mut off = 0usize;
        let n = n as usize;
        while off + NLMSG_HDR + IFINFO <= n {
            let len = u32::from_ne_bytes(buf[off..off + 4].try_into().unwrap_or([0; 4])) as usize;
            let kind = u16::from_ne_bytes(buf[off + 4..off + 6].try_into().unwrap_or([0; 2]));
            let at = off + NLMSG_HDR + 4;
            let idx = i32::from_ne_bytes(buf[at..at + 4].try_into().unwrap_or([0; 4]));
            if kind == libc::RTM_DELLINK && idx == index as i32 {
                return true;
            }
            if len < NLMSG_HDR {
                break;
            }
            off += (len + 3) & !3;
        }
    }
    false
}
