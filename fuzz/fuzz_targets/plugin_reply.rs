#![no_main]
// Body and properties: cni_harness_fuzz::plugin_reply (src/). Seeds: corpus/plugin_reply/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| cni_harness_fuzz::plugin_reply(data));
