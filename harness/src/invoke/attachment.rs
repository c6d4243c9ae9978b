//! A container's attachment to a network: what identifies it to a plugin.

use std::path::{Path, PathBuf};

use super::env::CniArgs;

/// The container namespace an attachment names in `CNI_NETNS`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ContainerNetns {
    /// The sandbox's first container namespace.
    #[default]
    Sandbox,
    /// Another namespace (a further container's).
    At(PathBuf),
    /// The namespace is gone: `CNI_NETNS` is sent set and empty, which is
    /// what runtimes send on DEL after the container's namespace vanished
    /// (only variables SPEC.md lists: not sent, as NETNS is optional for DEL).
    Gone,
}

impl ContainerNetns {
    /// The path sent, given the sandbox's own container namespace (`None`: gone).
    pub fn path<'a>(&'a self, sandbox_container: &'a Path) -> Option<&'a Path> {
        match self {
            ContainerNetns::Sandbox => Some(sandbox_container),
            ContainerNetns::At(p) => Some(p),
            ContainerNetns::Gone => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub container_id: String,
    pub ifname: String,
    pub args: CniArgs,
    pub netns: ContainerNetns,
}

impl Attachment {
    pub fn new(container_id: &str, ifname: &str) -> Attachment {
        Attachment {
            container_id: container_id.to_string(),
            ifname: ifname.to_string(),
            args: CniArgs::default(),
            netns: ContainerNetns::Sandbox,
        }
    }

    /// The same attachment after its namespace vanished (`CNI_NETNS=""`).
    pub fn with_netns_gone(&self) -> Attachment {
        Attachment {
            netns: ContainerNetns::Gone,
            ..self.clone()
        }
    }
}
