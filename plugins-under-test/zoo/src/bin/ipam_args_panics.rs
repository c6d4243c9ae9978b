//! Defect: an IPAM plugin that crashes, as a Go program does on a nil
//! pointer, when it is called without an `ipam` object and `CNI_ARGS`
//! asks for an address (`IP=`): the address is appended to the `ipam`
//! object it never checked for (Debian's `static` 1.1.1 does exactly this
//! when run as a plugin of its own). It prints the runtime's panic on
//! stderr and exits 2; every other call goes to Debian's `host-local`.
//! A main plugin always hands its IPAM an `ipam` object, so only the IPAM
//! binary fuzzed on its own reaches the crash; the fixed twin is
//! `host-local` itself (profile `debian/host-local.json`).

use cni_zoo::{delegate_to, env, Call};

const DELEGATE: &str = "host-local";

fn main() {
    let call = Call::read();
    let no_ipam = call
        .conf
        .as_ref()
        .is_some_and(|c| c.is_object() && c.get("ipam").is_none());
    let asks_address = env("CNI_ARGS")
        .split(';')
        .filter_map(|kv| kv.split_once('='))
        .any(|(k, v)| k == "IP" && !v.is_empty());
    if no_ipam && asks_address {
        eprint!(
            "panic: runtime error: invalid memory address or nil pointer dereference\n\
             [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x5a1f3c]\n\n\
             goroutine 1 [running]:\n\
             main.LoadIPAMConfig({{0xc000120000, 0x5b, 0x200}}, {{0xc00001c0b4, 0x14}})\n\
             \t/build/cni-zoo/ipam-args-panics/main.go:88 +0x2bc\n\
             main.cmdAdd(0xc0000a2000)\n\
             \t/build/cni-zoo/ipam-args-panics/main.go:131 +0x45\n"
        );
        std::process::exit(2);
    }
    delegate_to(DELEGATE, &call.forwarded_stdin(), &[]).finish()
}
