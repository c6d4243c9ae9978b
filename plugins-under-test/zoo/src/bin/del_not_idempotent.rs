//! Defect: DEL of a container it does not know (no marker left by ADD) fails
//! with "unknown container" instead of succeeding, so a repeated DEL fails.
//! Caught by `del/repeat`.

use std::path::PathBuf;

use cni_zoo::{fail, Call};

const MARKERS: &str = "/var/lib/cni/zoo";

fn marker() -> PathBuf {
    let id = std::env::var("CNI_CONTAINERID").unwrap_or_default();
    // A container ID is not trusted as a path component.
    let safe: String = id
        .chars()
        .map(|c| if c == '/' || c == '\0' { '_' } else { c })
        .collect();
    PathBuf::from(MARKERS).join(format!("id-{safe}"))
}

fn main() {
    let call = Call::read();
    match call.verb.as_str() {
        "ADD" => {
            let out = call.forward();
            if out.succeeded() {
                let written =
                    std::fs::create_dir_all(MARKERS).and_then(|_| std::fs::write(marker(), b""));
                if let Err(e) = written {
                    fail(
                        &call.version_or_default(),
                        5,
                        &format!("cannot write marker: {e}"),
                    );
                }
            }
            out.finish()
        }
        "DEL" => {
            let marker = marker();
            if !marker.exists() {
                fail(&call.version_or_default(), 3, "unknown container");
            }
            let out = call.forward();
            let _ = std::fs::remove_file(&marker);
            out.finish()
        }
        _ => call.forward().finish(),
    }
}
