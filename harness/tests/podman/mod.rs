//! Podman end to end: real containers networked by CNI plugins in the real
//! host namespace, with everything the run creates removed afterwards.

pub mod capture;
pub mod engine;
pub mod network;
pub mod rootfs;
pub mod scenario;
pub mod testbed;
