//! Defect: a progress line on stdout where CHECK and DEL must print nothing
//! (ahead of whatever the delegate prints). Caught by `output/single-document`.
//!
//! ADD is left clean: the case needs ADD's result to go on to CHECK and DEL.

use cni_zoo::Call;

fn main() {
    let call = Call::read();
    let mut out = call.forward();
    let chatter: &[u8] = match call.verb.as_str() {
        "CHECK" => b"checking interface...\n",
        "DEL" => b"removing interface...\n",
        _ => b"",
    };
    let mut stdout = chatter.to_vec();
    stdout.append(&mut out.stdout);
    out.stdout = stdout;
    out.finish()
}
