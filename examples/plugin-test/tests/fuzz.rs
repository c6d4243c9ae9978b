//! A bounded fuzz session on the reference plugin finds nothing.

use std::time::Duration;

use cni_harness::testing::{sibling_binary, Harness};

#[test]
fn ten_seconds_of_fuzzing_find_nothing() {
    let built = |name| sibling_binary(name).expect("cargo build --workspace --bins");
    Harness::reference()
        .plugin(built("cni-ref-bridge"))
        .plugin(built("cni-ref-ipam"))
        .fuzz()
        .duration(Duration::from_secs(10))
        .seed(1)
        .assert_no_findings();
}
