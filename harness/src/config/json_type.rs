//! How error messages name the type of a JSON value.

use serde_json::Value;

/// "a string", "an array"...: for messages such as "`cniVersion` is a number".
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
