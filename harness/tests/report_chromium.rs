//! Headless Chromium for the report tests: screenshots and DOM dumps of a
//! page opened from a file, with the flags this machine needs (root, no
//! GPU, no network). Included by `report_browser.rs` with `#[path]`;
//! compiled alone it is an empty test crate.
#![allow(dead_code)]

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

pub const CHROMIUM: &str = "/usr/bin/chromium";
// Generous: the 30-run page is a few MB and this machine is shared.
const TIMEOUT: Duration = Duration::from_secs(240);
/// The window every test uses: a common laptop width.
pub const WINDOW: (u32, u32) = (1280, 900);

/// Whether Chromium is here; a missing one fails under CI (`CI` set),
/// where a skip would hide a broken page.
pub fn available() -> bool {
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
pub fn run(profile: &Path, extra: &[String], url: &str, stdout_path: &Path) -> ExitStatus {
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
        .arg(format!("--window-size={},{}", WINDOW.0, WINDOW.1))
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

/// Screenshots `page` (a file) into `png` and returns the PNG's bytes,
/// checked to be a PNG of the window's size.
pub fn screenshot(profile: &Path, page: &Path, png: &Path) -> Vec<u8> {
    let _ = std::fs::remove_file(png);
    let status = run(
        profile,
        &[format!("--screenshot={}", png.display())],
        &format!("file://{}", page.display()),
        &profile.join("stdout"),
    );
    assert!(status.success(), "chromium --screenshot: {status}");
    let bytes = std::fs::read(png).expect("screenshot written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    assert_eq!((width, height), WINDOW);
    bytes
}

/// The DOM of `url` after its scripts ran.
pub fn dump_dom(profile: &Path, url: &str) -> String {
    let out = profile.join("dom.html");
    let status = run(profile, &["--dump-dom".to_string()], url, &out);
    assert!(status.success(), "chromium --dump-dom: {status}");
    std::fs::read_to_string(&out).expect("dumped DOM")
}

/// `html` with `script` run after the page's own, as a last `<script>`.
pub fn with_script(html: &str, script: &str) -> String {
    let end = html.rfind("</body>").expect("page has </body>");
    format!(
        "{}<script>\n{script}</script>\n{}",
        &html[..end],
        &html[end..]
    )
}
