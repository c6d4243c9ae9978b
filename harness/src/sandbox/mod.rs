//! Scratch namespaces in which a plugin runs, so nothing touches the real host.

pub mod netns;

pub use netns::Netns;
