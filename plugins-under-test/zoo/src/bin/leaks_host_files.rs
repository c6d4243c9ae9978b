//! Defect: every ADD leaves files on the node's root filesystem that no
//! DEL removes, as plugins keeping their own state outside `/var/lib/cni`
//! do: a line per attachment appended to `/etc/cni-zoo/attachments`, a
//! state file `/var/run/cni-zoo/<container id>` and a lock file
//! `/tmp/cni-zoo-<container id>.lock`. Caught by `del/no-residue`.

use std::io::Write;

use cni_zoo::{fail, Call};

fn main() {
    let call = Call::read();
    let out = call.forward();
    if call.verb == "ADD" && out.succeeded() {
        let id = std::env::var("CNI_CONTAINERID").unwrap_or_default();
        let ifname = std::env::var("CNI_IFNAME").unwrap_or_default();
        // A container ID is not trusted as a path component.
        let safe: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let written = (|| -> std::io::Result<()> {
            std::fs::create_dir_all("/etc/cni-zoo")?;
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open("/etc/cni-zoo/attachments")?
                .write_all(format!("{id} {ifname}\n").as_bytes())?;
            std::fs::create_dir_all("/var/run/cni-zoo")?;
            std::fs::write(format!("/var/run/cni-zoo/{safe}"), ifname.as_bytes())?;
            std::fs::write(format!("/tmp/cni-zoo-{safe}.lock"), b"")
        })();
        if let Err(e) = written {
            fail(
                &call.version_or_default(),
                5,
                &format!("cannot write state: {e}"),
            );
        }
    }
    out.finish()
}
