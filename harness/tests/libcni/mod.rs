//! libcni side by side: the project's Go driver of libcni and the harness's
//! runtime run the same configuration with the recording plugin, and what
//! the plugin got from each is compared field by field.

pub mod allowed;
pub mod compare;
pub mod driver;
pub mod rawjson;
pub mod record;
