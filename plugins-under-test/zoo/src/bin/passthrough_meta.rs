//! Not a defect: a correct chained (meta) plugin that passes `prevResult`
//! on unchanged and makes nothing, so it never reads `CNI_IFNAME` or
//! `CNI_CONTAINERID` and does not refuse them missing or malformed. SPEC.md
//! puts setting them on the runtime and binds a plugin *unable to use* the
//! name to fail: such a plugin gets no ENV-1/ENV-3 failure (only ENV-1's
//! SHOULD warns) and no ENV-8 failure, as it acts on nothing.

use serde_json::Value;

fn main() {
    cni_zoo::pass_through(&["CNI_IFNAME", "CNI_CONTAINERID"], |result, version| {
        if let Value::Object(map) = result {
            map.insert("cniVersion".into(), Value::String(version.into()));
        }
    })
}
