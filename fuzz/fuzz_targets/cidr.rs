#![no_main]
// Body and properties: cni_harness_fuzz::cidr (src/). Seeds: corpus/cidr/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| cni_harness_fuzz::cidr(data));
