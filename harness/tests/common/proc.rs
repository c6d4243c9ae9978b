//! Running a command with a deadline: a runtime that hangs must fail the
//! test, not stall CI.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    pub ok: bool,
    pub status: String,
    pub stdout: String,
    pub stderr: String,
    pub wall: Duration,
}

/// Run `cmd` to completion or kill it after `limit`; `Err` says which.
pub fn run(mut cmd: Command, limit: Duration) -> Result<Output, String> {
    let shown = format!("{cmd:?}");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    // Drain both pipes on threads so a chatty command cannot block on a full pipe.
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < limit => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{shown} did not finish within {limit:?}"));
            }
            Err(e) => return Err(format!("waiting for {shown}: {e}")),
        }
    };
    Ok(Output {
        ok: status.success(),
        status: status.to_string(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        wall: started.elapsed(),
    })
}
