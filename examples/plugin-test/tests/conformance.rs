//! The conformance suite on the reference plugin, through the facade only.

use std::process::ExitCode;

use cni_harness::testing::{sibling_binary, Error, Harness};

fn main() -> Result<ExitCode, Error> {
    // A plugin's own crate writes `.plugin(env!("CARGO_BIN_EXE_my-plugin"))`;
    // these binaries belong to other packages of the workspace.
    let harness = Harness::reference()
        .plugin(sibling_binary("cni-ref-bridge")?)
        .plugin(sibling_binary("cni-ref-ipam")?);
    Ok(harness.conformance().strict().main())
}
