//! The reference bridge's config parsing, as a library so the parsers can be
//! fuzzed in-process (`fuzz/`). The plugin itself is the binary (`main.rs`).

pub mod config;
