//! Capture and replay: [`capture`] is the shim that records real plugin
//! invocations under a real runtime ([`record`] is its file format);
//! [`run`] replays a recorded sequence in a sandbox and [`judge`] judges it
//! as the suite does; [`convert`] turns a capture into a fuzz seed or a
//! regression profile; [`trace`] prints invocations as `exec` does.

pub mod capture;
pub mod convert;
pub mod judge;
pub mod record;
pub mod run;
pub mod trace;

pub use capture::{ShimConfig, ShimExit};
pub use record::{Bytes, Captured, CAPTURE_FORMAT};
pub use run::{replay, replay_dir, ReplayOptions, ReplayReport, Replayed};
