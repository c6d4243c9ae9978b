#![no_main]
// Body and properties: cni_harness_fuzz::plugin_netconf (src/). Seeds: corpus/plugin_netconf/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| cni_harness_fuzz::plugin_netconf(data));
