//! What a compared object is, beyond the key a diff line shows: typed, so
//! judgements (which leftovers belong to an attachment, what grows cycle
//! after cycle) read fields instead of re-parsing keys.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Object {
    /// A network interface.
    Link { name: String, kind: String },
    /// A route, in the routing table `table`.
    Route { table: u32 },
    /// A firewall rule (or chain header) under `chain`: the tool, table and
    /// chain it is listed in.
    Firewall { chain: String },
    /// A state file or directory.
    File { path: PathBuf },
    /// A process in the sandbox's process boundary, by its name (`comm`).
    Process { name: String },
    /// Anything judgements need no more of than its key.
    #[default]
    Other,
}

impl Object {
    /// What objects of one class are counted under: links by kind, routes
    /// by table, firewall rules by chain, files by directory.
    pub fn group(&self) -> String {
        match self {
            Object::Link { kind, .. } => format!("({kind})"),
            Object::Route { table } => table_name(*table),
            Object::Firewall { chain } => chain.clone(),
            Object::File { path } => path
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            Object::Process { name } => name.clone(),
            Object::Other => String::new(),
        }
    }
}

/// A routing table as `ip route` names it.
pub fn table_name(t: u32) -> String {
    match t {
        253 => "default".into(),
        254 => "main".into(),
        255 => "local".into(),
        n => format!("table {n}"),
    }
}
