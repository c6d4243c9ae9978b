//! Renders report.html in a real headless Chromium: the page must load from
//! a file with no network, show the matrix, and its anchor script must open
//! the linked case. Skips with a message when Chromium is not installed,
//! except under CI (`CI` set), where a skip would hide a broken page.

#[path = "report_fixtures.rs"]
mod fixtures;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::os::unix::process::CommandExt;

const CHROMIUM: &str = "/usr/bin/chromium";
const TIMEOUT: Duration = Duration::from_secs(60);

fn chromium_available() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    assert!(
        !in_ci,
        "{CHROMIUM} is required under CI (install the `chromium` package)"
    );
    eprintln!("skipped: chromium not installed ({CHROMIUM} missing)");
    false
}

/// Runs Chromium on `url` with `extra` flags, stdout to `stdout_path`, in
/// its own process group so the whole group (renderers, zygote) can be
/// killed if it exceeds the timeout.
fn run_chromium(profile: &Path, extra: &[String], url: &str, stdout_path: &Path) -> ExitStatus {
    let stdout = File::create(stdout_path).expect("create stdout file");
    let stderr = File::create(profile.join("chromium.stderr")).expect("create stderr file");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0)
        .spawn()
        .expect("spawn chromium");
    let group = Pid::from_raw(child.id() as i32);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = killpg(group, Signal::SIGKILL);
            let _ = child.wait();
            panic!("chromium did not finish within {TIMEOUT:?}; killed it");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Helpers Chromium left behind in its group, if any.
    let _ = killpg(group, Signal::SIGKILL);
    status
}

fn render_page(dir: &Path) -> (PathBuf, String) {
    let html = cni_harness::report::html(&fixtures::runs());
    let path = dir.join("report.html");
    std::fs::write(&path, &html).expect("write report.html");
    (path, html)
}

#[test]
fn screenshot_is_a_real_page() {
    if !chromium_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (page, _) = render_page(dir.path());
    // Kept under target/ (not in git) so a person can look at it.
    let png = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    let _ = std::fs::remove_file(&png);
    let status = run_chromium(
        dir.path(),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,900".to_string(),
        ],
        &format!("file://{}", page.display()),
        &dir.path().join("stdout"),
    );
    assert!(status.success(), "chromium --screenshot: {status}");
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    assert_eq!((width, height), (1280, 900));
    // A blank 1280×900 page compresses to a few KB; text and colour do not.
    assert!(
        bytes.len() > 30_000,
        "screenshot only {} bytes: page looks empty",
        bytes.len()
    );
    eprintln!("screenshot: {} ({} bytes)", png.display(), bytes.len());
}

#[test]
fn dom_has_the_matrix_and_links_open_their_case() {
    if !chromium_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (page, html) = render_page(dir.path());
    // Link straight to the first failing case, as a matrix cell does.
    let marker = "<details class=\"case k-fail\" id=\"";
    let start = html.find(marker).expect("a failing case block") + marker.len();
    let id = &html[start..start + html[start..].find('"').expect("id ends")];
    let out = dir.path().join("dom.html");
    let status = run_chromium(
        dir.path(),
        &["--dump-dom".to_string()],
        &format!("file://{}#{id}", page.display()),
        &out,
    );
    assert!(status.success(), "chromium --dump-dom: {status}");
    let dom = std::fs::read_to_string(&out).expect("dumped DOM");
    assert!(
        dom.contains("<table id=\"matrix\" class=\"matrix\">"),
        "matrix table missing from DOM"
    );
    assert!(dom.contains("<th class=\"plugin\" colspan=\"5\">bridge</th>"));
    assert!(dom.contains("<th class=\"plugin\" colspan=\"8\">cni-ref-bridge</th>"));
    // The script ran: the targeted case is now open.
    let opened = format!("<details class=\"case k-fail\" id=\"{id}\" open=\"\">");
    assert!(dom.contains(&opened), "anchor did not open {id}");
}
