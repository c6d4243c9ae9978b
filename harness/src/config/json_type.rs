//! How error messages name a JSON value's type; its own file so that the
//! configuration readers (`mod.rs`, `list_keys.rs`) and the result parser
//! share it without importing each other.

use serde_json::Value;

pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
