//! Defect: every successful ADD starts a daemon for the attachment (double
//! fork, `setsid`, stdio on `/dev/null`, its argv naming the container ID)
//! and no DEL stops it. Caught by `del/no-residue` (DEL-RELEASE: the
//! daemon outlives its attachment's DEL; DEL-NO-GROWTH: one more per cycle).

use cni_zoo::{daemon, fail, Call};

fn main() {
    daemon::run_if_daemon();
    let call = Call::read();
    let out = call.forward();
    if call.verb == "ADD" && out.succeeded() {
        let id = std::env::var("CNI_CONTAINERID").unwrap_or_default();
        if let Err(e) = daemon::start(&id) {
            fail(&call.version_or_default(), 5, &e);
        }
    }
    out.finish()
}
