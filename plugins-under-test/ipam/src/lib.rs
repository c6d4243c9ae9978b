//! The reference IPAM's config and range parsing, as a library so the parsers
//! can be fuzzed in-process (`fuzz/`). The plugin itself is the binary
//! (`main.rs`), which also holds allocation and the reservation store.

pub mod config;
pub mod range;
