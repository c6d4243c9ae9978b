#![no_main]
// Body and properties: cni_harness_fuzz::network_config (src/). Seeds: corpus/network_config/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| cni_harness_fuzz::network_config(data));
