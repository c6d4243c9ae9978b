//! One deviation libcni tolerates: a chained (meta) plugin, otherwise
//! correct, whose ADD result (`prevResult` passed through) has no
//! `cniVersion`; libcni fills it in from the configuration. The harness
//! reads it the same way for every later judgement: `add/result-version`
//! fails ADD-3 once per version, nothing else cascades from it (no
//! consistency, IPAM or `dp/` failure).

use serde_json::Value;

fn main() {
    cni_zoo::pass_through(&[], |result, _| {
        if let Value::Object(map) = result {
            map.remove("cniVersion");
        }
    })
}
