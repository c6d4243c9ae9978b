#![no_main]
// Body and properties: cni_harness_fuzz::cni_args (src/). Seeds: corpus/cni_args/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| cni_harness_fuzz::cni_args(data));
