//! Making a sandbox fit for a profile: the kernel must support the link kinds
//! it needs, and the node namespace gets the parent interface it expects.

use std::io;

use crate::config::Profile;
use crate::sandbox::{fixture, Sandbox};

/// Why a profile cannot run on this machine, or the sandbox failed.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Not a failure of the plugin nor of the harness: cases skip with this.
    #[error("this kernel cannot create {0} links")]
    Unsupported(String),
    #[error("sandbox: {0}")]
    Io(#[from] io::Error),
}

/// Link kinds the profile needs that this kernel lacks (probed, not assumed).
pub fn missing_link_kinds(profile: &Profile) -> io::Result<Vec<String>> {
    let mut missing = Vec::new();
    for kind in &profile.needs.link_kinds {
        if !fixture::link_kind_supported(kind)? {
            missing.push(kind.clone());
        }
    }
    Ok(missing)
}

/// A fresh sandbox with the profile's preconditions in place.
pub fn sandbox_for(profile: &Profile) -> Result<Sandbox, SetupError> {
    let missing = missing_link_kinds(profile)?;
    if !missing.is_empty() {
        return Err(SetupError::Unsupported(missing.join(", ")));
    }
    let sandbox = Sandbox::new()?;
    let mut sandbox = sandbox;
    prepare(&mut sandbox, profile)?;
    Ok(sandbox)
}

/// Put the profile's fixtures into an existing scratch sandbox.
pub fn prepare(sandbox: &mut Sandbox, profile: &Profile) -> io::Result<()> {
    if let (Some(parent), Some(node)) = (&profile.needs.parent_link, sandbox.node_netns()) {
        fixture::add_parent_link(node, parent)?;
    }
    crate::sandbox::node_fixture::apply(
        sandbox,
        &profile.node,
        profile.needs.parent_link.as_deref(),
    )
}
