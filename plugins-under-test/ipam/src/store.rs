//! Reservations on disk, host-local's layout: `<dataDir>/<network>/<ip>`
//! holds `<containerID>\r\n<ifname>`; `last_reserved_ip.<set>` remembers
//! where round-robin allocation continues. A `flock` on `lock` serialises
//! every change so concurrent plugin processes never hand out one address twice.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use cni_plugin_kit::CniError;

const LOCK_FILE: &str = "lock";
const LAST_RESERVED: &str = "last_reserved_ip.";

/// One attachment, as GC names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub container_id: String,
    pub ifname: String,
}

/// The network's directory, locked for as long as this value lives.
pub struct Store {
    dir: PathBuf,
    _lock: File,
}

impl Store {
    /// Create the directory if needed and take the exclusive lock (blocking:
    /// other holders only do a few file operations).
    pub fn open(dir: &Path) -> Result<Store, CniError> {
        fs::create_dir_all(dir).map_err(|e| CniError::io(dir.display(), e))?;
        let path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| CniError::io(path.display(), e))?;
        // SAFETY: flock on a file descriptor we own; released when `lock` closes.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(CniError::io(
                path.display(),
                std::io::Error::last_os_error(),
            ));
        }
        Ok(Store {
            dir: dir.to_path_buf(),
            _lock: lock,
        })
    }

    /// Claim `ip` for `owner`; false when already taken.
    pub fn reserve(&self, ip: IpAddr, owner: &Owner, set: usize) -> Result<bool, CniError> {
        let path = self.dir.join(ip.to_string());
        let file = OpenOptions::new().write(true).create_new(true).open(&path);
        let mut file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => return Ok(false),
            Err(e) => return Err(CniError::io(path.display(), e)),
        };
        let body = format!("{}\r\n{}", owner.container_id, owner.ifname);
        if let Err(e) = file.write_all(body.as_bytes()) {
            let _ = fs::remove_file(&path);
            return Err(CniError::io(path.display(), e));
        }
        let last = self.dir.join(format!("{LAST_RESERVED}{set}"));
        fs::write(&last, ip.to_string()).map_err(|e| CniError::io(last.display(), e))?;
        Ok(true)
    }

    pub fn last_reserved(&self, set: usize) -> Option<IpAddr> {
        fs::read_to_string(self.dir.join(format!("{LAST_RESERVED}{set}")))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Every reservation: address and owner.
    pub fn all(&self) -> Result<Vec<(IpAddr, Owner)>, CniError> {
        let entries = fs::read_dir(&self.dir).map_err(|e| CniError::io(self.dir.display(), e))?;
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(ip) = name.to_str().and_then(|n| n.parse::<IpAddr>().ok()) else {
                continue; // lock, last_reserved_ip.N, foreign files
            };
            if let Ok(body) = fs::read_to_string(entry.path()) {
                out.push((ip, parse_owner(&body)));
            }
        }
        Ok(out)
    }

    /// Addresses held by `owner`.
    pub fn find(&self, owner: &Owner) -> Result<Vec<IpAddr>, CniError> {
        Ok(self
            .all()?
            .into_iter()
            .filter(|(_, o)| owns(o, owner))
            .map(|(ip, _)| ip)
            .collect())
    }

    /// Drop a reservation; a missing file is fine (DEL is idempotent).
    pub fn release(&self, ip: IpAddr) -> Result<(), CniError> {
        let path = self.dir.join(ip.to_string());
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CniError::io(path.display(), e)),
        }
    }
}

/// Old host-local files hold only the container id: they match any ifname.
fn owns(found: &Owner, want: &Owner) -> bool {
    found.container_id == want.container_id
        && (found.ifname.is_empty() || found.ifname == want.ifname)
}

fn parse_owner(body: &str) -> Owner {
    let mut lines = body.lines().map(str::trim);
    Owner {
        container_id: lines.next().unwrap_or_default().to_string(),
        ifname: lines.next().unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(id: &str) -> Owner {
        Owner {
            container_id: id.into(),
            ifname: "eth0".into(),
        }
    }

    #[test]
    fn reserve_find_release() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(s.reserve(ip, &owner("a"), 0).unwrap());
        assert!(!s.reserve(ip, &owner("b"), 0).unwrap());
        assert_eq!(s.last_reserved(0), Some(ip));
        assert_eq!(s.find(&owner("a")).unwrap(), vec![ip]);
        assert!(s.find(&owner("b")).unwrap().is_empty());
        s.release(ip).unwrap();
        s.release(ip).unwrap();
        assert!(s.all().unwrap().is_empty());
        // Go's host-local format reads back.
        fs::write(dir.path().join("10.0.0.3"), "c1\r\neth1").unwrap();
        assert_eq!(
            s.all().unwrap()[0].1,
            Owner {
                container_id: "c1".into(),
                ifname: "eth1".into()
            }
        );
    }
}
