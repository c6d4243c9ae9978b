//! `cni-harness validate`: check one document against a version's schema.

use std::path::PathBuf;

use anyhow::Context;

use cni_harness::schema::{self, DocumentKind, SchemaError};
use cni_harness::spec::SpecVersion;

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// The spec version whose schema applies.
    #[arg(long, value_name = "V")]
    pub spec_version: SpecVersion,
    /// result, ipam-result, error, version, config or conflist.
    #[arg(long)]
    pub kind: DocumentKind,
    /// The JSON document.
    pub file: PathBuf,
}

pub fn run(args: &ValidateArgs) -> anyhow::Result<u8> {
    let text = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let doc: serde_json::Value = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not valid JSON", args.file.display()))?;
    let file = schema::schema_file(args.spec_version, args.kind);
    match schema::validate(args.spec_version, args.kind, &doc) {
        Ok(()) => {
            println!("{}: valid {} ({file})", args.file.display(), args.kind);
            Ok(0)
        }
        Err(SchemaError::Invalid(violations)) => {
            println!(
                "{}: INVALID {} against {file}:",
                args.file.display(),
                args.kind
            );
            for v in violations {
                println!("  {v}");
            }
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}
