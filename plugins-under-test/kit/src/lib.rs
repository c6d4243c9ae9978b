//! Shared plumbing for the project's own CNI plugins (the reference bridge and
//! IPAM, and the deliberately faulty test plugins): environment, errors,
//! spec-version negotiation, the result model in every version's shape, the
//! verb dispatcher and IPAM delegation.
//!
//! Requirement ids in comments refer to containernetworking/cni SPEC.md.

pub mod cidr;
pub mod delegate;
pub mod dispatch;
pub mod env;
pub mod error;
pub mod netconf;
pub mod result;
pub mod version;

pub use cidr::IpNet;
pub use dispatch::{dispatch, run, Invocation, Plugin};
pub use env::{Env, Verb};
pub use error::{CniError, ErrorCode};
pub use netconf::NetConf;
pub use result::{CniResult, Dns, Interface, IpConfig, Route};
pub use version::SpecVersion;
