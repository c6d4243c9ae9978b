//! The form of what a plugin printed, whatever the verb: one JSON document
//! (or nothing where the verb allows) agreeing with the exit status.

use serde_json::Value;

use super::{excerpt, Finding};
use crate::invoke::{Reply, Step};

/// What is wrong with the form of `step`'s stdout, if anything: not one
/// JSON document (RES-1 after exit 0, ERR-3 after a failure), an error
/// object after exit 0 (ERR-3), a success answer that is not an object (RES-1).
pub fn form(step: &Step) -> Option<Finding> {
    let verb = step.invocation.verb;
    let stdout = excerpt(&step.outcome.stdout);
    match &step.reply {
        Reply::Garbage(why) => {
            let requirement = if why.on_success() { "RES-1" } else { "ERR-3" };
            Some(
                Finding::error(
                    requirement,
                    format!("{verb}: stdout is not one JSON document: {why}"),
                )
                .expected("exactly one JSON document (or nothing, where the verb allows)")
                .actual(stdout),
            )
        }
        Reply::Success(Some(Value::Object(o)))
            if o.contains_key("code") && o.contains_key("msg") =>
        {
            Some(
                Finding::error(
                    "ERR-3",
                    format!("{verb}: exit 0 but stdout holds an error object"),
                )
                .expected("an error comes with a non-zero exit")
                .actual(stdout),
            )
        }
        Reply::Success(Some(other)) if !other.is_object() => Some(
            Finding::error("RES-1", format!("{verb}: the result is not a JSON object"))
                .expected("a JSON object")
                .actual(other.to_string()),
        ),
        _ => None,
    }
}
