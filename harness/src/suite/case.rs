//! What a conformance case is: an id, the requirements it checks, where it
//! applies, and a function from a prepared context to a graded verdict.

use crate::config::{Role, Shape};
use crate::invoke::Disabled;
use crate::spec::SpecVersion;

use super::ctx::Ctx;
use super::verdict::CaseVerdict;

/// Whether a case runs once per spec version or once per plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    PerVersion,
    /// Run once, at the newest version the plugin supports.
    Once,
}

/// What a case's applicability depends on: the version and the profile.
/// Everything else (the role, the list's shape, `disableCheck`...) is read
/// from the profile through the methods below, so each case's `applies`
/// reads one source of truth.
#[derive(Debug, Clone, Copy)]
pub struct Applicability<'p> {
    pub version: SpecVersion,
    /// The whole profile, for cases that apply only to some configurations
    /// (decided before a sandbox is made for them).
    pub profile: &'p crate::config::Profile,
}

impl Applicability<'_> {
    /// How the plugin under test takes part.
    pub fn role(&self) -> Role {
        self.profile.role
    }

    /// The profile pins CNI_IFNAME (e.g. loopback's `lo`).
    pub fn fixed_ifname(&self) -> bool {
        self.profile.needs.ifname.is_some()
    }

    /// The profile hands out fixed addresses (one container at a time).
    pub fn fixed_addresses(&self) -> bool {
        self.profile.needs.fixed_addresses
    }

    /// The configuration sets `disableCheck`: the runtime sends no CHECK.
    pub fn disable_check(&self) -> bool {
        self.profile.config.disable_check
    }

    /// The configuration sets `disableGC`: the runtime sends no GC.
    pub fn disable_gc(&self) -> bool {
        self.profile.config.disable_gc
    }

    /// A list can take a plugin after the one under test; a single plugin
    /// configuration (`.conf`) runs that plugin alone.
    pub fn shape(&self) -> Shape {
        self.profile.config.shape
    }

    /// Plugins before the one under test in its list (whose result reaches
    /// it as `prevResult`).
    pub fn plugins_before(&self) -> usize {
        self.profile.subject_index()
    }
}

pub type Run = fn(&mut Ctx) -> CaseVerdict;
pub type Applies = fn(&Applicability) -> Result<(), String>;

#[derive(Clone, Copy)]
pub struct Case {
    /// Stable name, `<area>/<what>`.
    pub id: &'static str,
    pub title: &'static str,
    /// Requirement ids from `specs/requirements.json`.
    pub requirements: &'static [&'static str],
    pub scope: Scope,
    pub applies: Applies,
    pub run: Run,
}

/// Applies everywhere.
pub fn always(_: &Applicability) -> Result<(), String> {
    Ok(())
}

/// Only for plugins that create the container interface (main and meta
/// chains), not for IPAM plugins run on their own.
pub fn has_interfaces(a: &Applicability) -> Result<(), String> {
    match a.role() {
        Role::Ipam => Err("IPAM plugins create no interfaces".into()),
        _ => Ok(()),
    }
}

/// Cases that make the plugin create an interface of a name the case chooses.
pub fn own_interface(a: &Applicability) -> Result<(), String> {
    has_interfaces(a)?;
    if a.fixed_ifname() {
        return Err("the profile pins CNI_IFNAME".into());
    }
    Ok(())
}

pub fn needs_check(a: &Applicability) -> Result<(), String> {
    if !a.version.has_check() {
        Err(format!("CHECK does not exist in spec {}", a.version))
    } else if a.disable_check() {
        Err(Disabled::Check.to_string())
    } else {
        Ok(())
    }
}

pub fn needs_status_gc(a: &Applicability) -> Result<(), String> {
    if a.version.has_status_and_gc() {
        Ok(())
    } else {
        Err(format!("STATUS and GC do not exist in spec {}", a.version))
    }
}

/// GC cases: 1.1.0, and a configuration that does not disable GC.
pub fn needs_gc(a: &Applicability) -> Result<(), String> {
    needs_status_gc(a)?;
    if a.disable_gc() {
        Err(Disabled::Gc.to_string())
    } else {
        Ok(())
    }
}

pub fn needs_chaining(a: &Applicability) -> Result<(), String> {
    if a.version.has_chaining() {
        Ok(())
    } else {
        Err(format!("chaining does not exist in spec {}", a.version))
    }
}

/// Applies from `min` on; otherwise skips with `why`.
pub fn at_least(a: &Applicability, min: SpecVersion, why: &str) -> Result<(), String> {
    if a.version >= min {
        Ok(())
    } else {
        Err(format!("{why} (spec {})", a.version))
    }
}

/// Both conditions.
pub fn both(a: &Applicability, x: Applies, y: Applies) -> Result<(), String> {
    x(a)?;
    y(a)
}

/// Several containers attached at once.
pub fn several_containers(a: &Applicability) -> Result<(), String> {
    if a.fixed_addresses() {
        Err("the configuration assigns fixed addresses: one container at a time".into())
    } else {
        Ok(())
    }
}
