//! containerd 1.6 (Debian) driven through its CRI by the project's own
//! client, networked by the reference plugin behind the capture shim.

pub mod cri;
pub mod daemon;
pub mod image;
