#![no_main]
// Body and properties: cni_harness_fuzz::profile (src/). Seeds: corpus/profile/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| cni_harness_fuzz::profile(data));
