//! Defect: errors are written to stderr, stdout stays empty (the exit code is
//! kept). Caught by `error/on-stdout`.

use cni_zoo::Call;

fn main() {
    let call = Call::read();
    let mut out = call.forward();
    if !out.succeeded() {
        let mut stderr = std::mem::take(&mut out.stdout);
        stderr.extend_from_slice(&out.stderr);
        out.stderr = stderr;
    }
    out.finish()
}
