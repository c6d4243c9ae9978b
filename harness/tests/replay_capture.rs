//! Capture and replay without a container engine: the shim passes a
//! plugin's output, exit and death through unchanged and records them
//! (also when recording fails, the plugin still runs); a zoo plugin's
//! defect captured under `cni-harness exec` replays as exit 1, and the same
//! capture replayed against the correct plugin (Debian's bridge) as exit 0,
//! which is what `git bisect run` needs.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cni_harness::config::Profile;
use cni_harness::replay::record;
use cni_harness::spec::Verb;

fn harness() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cni-harness"))
}

/// Run `cmd` with `stdin`, wait for it.
fn run(mut cmd: Command, stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(stdin).expect("write stdin");
    drop(pipe);
    child.wait_with_output().expect("wait")
}

fn shim(real: &str, out: &Path, script: &str) -> Command {
    let mut cmd = Command::new(harness());
    cmd.args(["shim", "--real", real, "--out"])
        .arg(out)
        .args(["--", "-c", script])
        .env("CNI_COMMAND", "ADD");
    cmd
}

/// EXEC-2, EXEC-3: what the runtime reads (stdout, stderr, exit) is the
/// plugin's, byte for byte, and the record holds the same plus env and stdin.
#[test]
fn the_shim_changes_nothing_the_runtime_sees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("cap");
    let script =
        r#"cat >/dev/null; printf '{"cniVersion":"1.0.0"}\377'; printf 'log\n' >&2; exit 3"#;
    let stdin = b"{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}";
    let got = run(shim("/bin/sh", &out, script), stdin);
    assert_eq!(got.status.code(), Some(3));
    assert_eq!(got.stdout, b"{\"cniVersion\":\"1.0.0\"}\xff");
    assert_eq!(got.stderr, b"log\n");

    let (caps, passed) = record::load_dir(&out).expect("captures");
    assert!(passed.is_empty(), "{passed:?}");
    assert_eq!(caps.len(), 1);
    let c = &caps[0];
    assert_eq!(c.seq, 1);
    assert_eq!(c.verb(), Ok(Verb::Add));
    assert_eq!(c.stdin.to_vec().expect("stdin"), stdin);
    assert_eq!(c.stdout.to_vec().expect("stdout"), got.stdout);
    assert_eq!(c.stderr.to_vec().expect("stderr"), got.stderr);
    assert_eq!(c.exit.to_string(), "exit 3");
    assert_eq!(c.plugin, Path::new("/bin/sh"));
    assert!(c.child_pid.is_some() && c.duration_ms > 0.0);

    // A plugin killed by a signal: the shim dies of the same signal.
    let got = run(shim("/bin/sh", &out, "kill -SEGV $$"), b"");
    assert_eq!(got.status.signal(), Some(11), "{:?}", got.status);
    let (caps, _) = record::load_dir(&out).expect("captures");
    assert_eq!(caps.len(), 2);
    assert_eq!(caps[1].seq, 2);
    assert_eq!(caps[1].exit.to_string(), "signal 11 (SIGSEGV)");
}

#[test]
fn a_shim_that_cannot_record_still_runs_the_plugin() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A file where the capture directory should be: nothing can be recorded.
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, b"").expect("file");
    let got = run(shim("/bin/sh", &blocked, "printf ok; exit 0"), b"");
    assert_eq!(got.status.code(), Some(0));
    assert_eq!(got.stdout, b"ok");
    let stderr = String::from_utf8_lossy(&got.stderr);
    assert!(
        stderr.contains("cni-harness shim: cannot record into"),
        "{stderr}"
    );
}

#[test]
fn a_shim_named_like_the_plugin_reads_its_sidecar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("myplugin");
    std::os::unix::fs::symlink(harness(), &link).expect("symlink");
    let out = dir.path().join("cap");
    std::fs::write(
        dir.path().join("myplugin.shim.json"),
        serde_json::json!({"real": "/bin/echo", "out": out}).to_string(),
    )
    .expect("sidecar");
    let mut cmd = Command::new(&link);
    cmd.arg("hello");
    let got = run(cmd, b"");
    assert_eq!(got.status.code(), Some(0));
    assert_eq!(got.stdout, b"hello\n");
    let (caps, _) = record::load_dir(&out).expect("captures");
    assert_eq!(caps[0].args, ["hello"]);
    assert_eq!(caps[0].invoked_as, link);
}

/// DEL-RELEASE: `cni-zoo-leaks-ipam` never releases its address. Captured
/// through the shim under `exec`, the replay finds the leak (exit 1); the
/// same capture replayed with Debian's bridge, which releases it, does not
/// (exit 0).
#[test]
fn a_captured_defect_replays_until_it_is_fixed() {
    require_root!();
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let cap = dir.path().join("cap");
    let real = common::workspace_plugin("cni-zoo-leaks-ipam");
    common::workspace_plugin("cni-zoo-noop-ipam");
    let debian = common::debian_cni_dir();
    let install = Command::new(harness())
        .args(["shim", "--real"])
        .arg(&real)
        .arg("--out")
        .arg(&cap)
        .arg("--install")
        .arg(bin.join("cni-zoo-leaks-ipam"))
        .output()
        .expect("shim --install");
    assert!(install.status.success(), "{install:?}");

    let profile = common::repo_root().join("plugins-under-test/profiles/zoo/leaks-ipam.json");
    let path = format!(
        "{}:{}:{}",
        bin.display(),
        common::bin_dir().display(),
        debian.display()
    );
    let exec = Command::new(harness())
        .args(["exec", "del", "--config"])
        .arg(&profile)
        .args(["--cni-path", &path])
        // The shim's captures must reach the real directory, not the
        // sandbox's copy-on-write layer over the host's files.
        .env("CNIH_NO_HOST_LAYER", "1")
        .output()
        .expect("exec");
    assert!(exec.status.success(), "exec del failed: {exec:?}");
    let (caps, _) = record::load_dir(&cap).expect("captures");
    assert!(caps.iter().all(|c| c.plugin_type() == "cni-zoo-leaks-ipam"));
    let verbs: Vec<Verb> = caps.iter().filter_map(|c| c.verb().ok()).collect();
    assert!(
        verbs.contains(&Verb::Add) && verbs.ends_with(&[Verb::Del]),
        "{verbs:?}"
    );

    let replay = |extra: &[&str]| {
        let out = Command::new(harness())
            .arg("replay")
            .arg(&cap)
            .args(extra)
            .output()
            .expect("replay");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        (out.status.code(), text, out.stderr)
    };
    let (code, text, err) = replay(&[]);
    assert_eq!(code, Some(1), "the leak must reproduce:\n{text}\n{err:?}");
    eprintln!("{text}");
    assert!(text.contains("[DEL-RELEASE]"), "{text}");
    // The same trace as exec: the invocation's env and stdin, output, diff.
    for part in [
        "CNI_COMMAND=ADD",
        "  stdin:",
        "  -> exit 0",
        "# kernel and state changes made by DEL:",
    ] {
        assert!(text.contains(part), "no {part:?} in the trace:\n{text}");
    }
    let bridge = debian.join("bridge").display().to_string();
    let dpath = debian.display().to_string();
    let (code, text, err) = replay(&["--plugin", &bridge, "--cni-path", &dpath]);
    assert_eq!(
        code,
        Some(0),
        "the fixed plugin must pass:\n{text}\n{err:?}"
    );

    // The capture as a regression profile and as a fuzz seed.
    let file = dir.path().join("regression.json");
    let seeds = dir.path().join("seeds");
    let conv = Command::new(harness())
        .arg("replay")
        .arg(&cap)
        .arg("--to-profile")
        .arg(&file)
        .arg("--to-seed")
        .arg(&seeds)
        .output()
        .expect("convert");
    assert!(conv.status.success(), "{conv:?}");
    let p = Profile::load(&file).expect("the profile loads");
    assert_eq!(p.plugin, "cni-zoo-leaks-ipam");
    assert_eq!(p.config.name, "h-bridge");
    assert!(p.cni_path.contains(&common::bin_dir()), "{:?}", p.cni_path);
    assert!(!p.cni_path.contains(&bin), "the shim's directory stays out");
    let inputs = cni_harness::fuzz::corpus::load(&seeds, 0).expect("seed loads");
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0].verbs, [Verb::Add, Verb::Del]);
}

#[test]
fn a_directory_without_captures_is_a_harness_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(harness())
        .arg("replay")
        .arg(dir.path())
        .output()
        .expect("replay");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds no capture"), "{err}");
}
