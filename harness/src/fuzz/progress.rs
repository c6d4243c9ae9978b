//! The live progress line on stderr: rewritten in place every second on a
//! terminal, one plain line every ten seconds otherwise (CI logs).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Progress {
    tty: bool,
    last: Mutex<Option<Instant>>,
}

impl Progress {
    pub fn start() -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
            last: Mutex::new(None),
        }
    }

    /// Print `line` if its interval has passed.
    pub fn tick(&self, line: &str) {
        let every = if self.tty {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(10)
        };
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if last.is_some_and(|t| t.elapsed() < every) {
            return;
        }
        *last = Some(Instant::now());
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            write!(err, "\r\x1b[K{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }

    /// The final line, always printed.
    pub fn finish(&self, line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            writeln!(err, "\r\x1b[K{line}")
        } else {
            writeln!(err, "{line}")
        };
    }
}
