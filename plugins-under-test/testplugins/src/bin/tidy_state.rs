//! `cni-tidy-state`: a correct no-op plugin that keeps per-attachment state
//! files, as many real plugins do, and removes them on DEL: one under
//! `/var/lib/cni/tidy-state/` (the runtime's state directory) and one under
//! `/run/cni-tidy-state/` (the node's root filesystem). Nothing of the
//! attachment is left after DEL; the directories are network-wide state.
//! See `flaky_common` for the rest of its behaviour.

#[path = "flaky_common/mod.rs"]
mod flaky_common;

const DIRS: [&str; 2] = ["/var/lib/cni/tidy-state", "/run/cni-tidy-state"];

fn main() {
    flaky_common::main_with(|_| {
        let id: String = std::env::var("CNI_CONTAINERID")
            .unwrap_or_default()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        match std::env::var("CNI_COMMAND").as_deref() {
            Ok("ADD") => {
                for dir in DIRS {
                    let _ = std::fs::create_dir_all(dir);
                    let _ = std::fs::write(format!("{dir}/{id}"), b"attached");
                }
            }
            Ok("DEL") => {
                for dir in DIRS {
                    let _ = std::fs::remove_file(format!("{dir}/{id}"));
                }
            }
            _ => {}
        }
    })
}
