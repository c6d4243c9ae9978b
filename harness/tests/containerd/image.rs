//! The CRI sandbox image, made by the test: an OCI image layout tarball
//! (`oci-layout`, `index.json`, a manifest, a config and one plain tar
//! layer) whose only file is Debian's static `/bin/busybox`, its entrypoint
//! `busybox sleep`. No registry is reachable: `ctr images import` loads it.

use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The name the image is imported under (`sandbox_image` in the config).
pub const NAME: &str = "cni-harness.invalid/sandbox:1";

const BUSYBOX: &str = "/bin/busybox";

/// `sha256:<hex>` of `bytes`.
fn digest(bytes: &[u8]) -> String {
    let sum = Sha256::digest(bytes);
    let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn header(path: &str, size: u64, mode: u32, kind: tar::EntryType) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(kind);
    h.set_path(path).expect("a short relative path");
    h.set_size(size);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_cksum();
    h
}

fn append(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8], mode: u32) {
    let h = header(path, data.len() as u64, mode, tar::EntryType::Regular);
    b.append(&h, data).expect("append to an in-memory tar");
}

/// The one layer: `bin/busybox` and the empty directories a container's
/// root needs as mount points.
fn layer() -> Vec<u8> {
    let busybox = std::fs::read(BUSYBOX)
        .unwrap_or_else(|e| panic!("{BUSYBOX}: {e} (ci/setup.sh installs busybox-static)"));
    let mut b = tar::Builder::new(Vec::new());
    for dir in ["bin", "dev", "etc", "proc", "sys", "tmp"] {
        let h = header(dir, 0, 0o755, tar::EntryType::Directory);
        b.append(&h, std::io::empty()).expect("append a directory");
    }
    append(&mut b, "bin/busybox", &busybox, 0o755);
    b.into_inner().expect("finish the layer")
}

/// Write the image's OCI layout tarball to `to`.
pub fn write(to: &Path) {
    let layer = layer();
    let layer_digest = digest(&layer);
    let config = serde_json::to_vec(&json!({
        "architecture": std::env::consts::ARCH.replace("x86_64", "amd64").replace("aarch64", "arm64"),
        "os": "linux",
        "config": {
            "Entrypoint": [BUSYBOX, "sleep", "3600"],
            "WorkingDir": "/"
        },
        // An uncompressed layer's diff ID is its own digest.
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]}
    }))
    .expect("json");
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": digest(&config),
            "size": config.len()
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": layer_digest,
            "size": layer.len()
        }]
    }))
    .expect("json");
    let index: Value = json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest(&manifest),
            "size": manifest.len(),
            "annotations": {
                "io.containerd.image.name": NAME,
                "org.opencontainers.image.ref.name": NAME
            }
        }]
    });
    let mut b = tar::Builder::new(Vec::new());
    append(
        &mut b,
        "oci-layout",
        br#"{"imageLayoutVersion":"1.0.0"}"#,
        0o644,
    );
    append(
        &mut b,
        "index.json",
        &serde_json::to_vec(&index).expect("json"),
        0o644,
    );
    for blob in [&layer, &config, &manifest] {
        let name = format!("blobs/sha256/{}", &digest(blob)["sha256:".len()..]);
        append(&mut b, &name, blob, 0o644);
    }
    let tarball = b.into_inner().expect("finish the image tarball");
    std::fs::write(to, tarball).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
}

#[test]
fn digests_are_sha256_of_the_bytes() {
    assert_eq!(
        digest(b""),
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}
