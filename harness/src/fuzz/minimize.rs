//! Delta debugging of a finding's input: drop environment changes, a
//! replaced prevResult and verbs, then JSON keys and array elements, then shrink strings and numbers,
//! keeping each change only while the same oracle and signature still fire.

use std::cell::{Cell, RefCell};
use std::time::Instant;

use serde_json::{json, Value};

use super::execute::{Execution, Executor};
use super::input::Input;
use super::mutate::{self, Seg};

/// Bounds on one minimisation (each attempt is a full execution, and for a
/// hang one that lasts the whole timeout).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub attempts: u32,
    /// No attempt starts after this (the session's `--duration`).
    pub deadline: Option<Instant>,
}

/// Why a minimisation stopped before it ran out of smaller candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    Attempts,
    Deadline,
    Interrupted,
}

impl Cut {
    pub fn as_str(self) -> &'static str {
        match self {
            Cut::Attempts => "attempt budget spent",
            Cut::Deadline => "deadline",
            Cut::Interrupted => "interrupted",
        }
    }
}

/// What a minimisation produced.
#[derive(Debug, Clone)]
pub struct Minimized {
    /// The smallest input found that still fires the signature.
    pub input: Input,
    /// Its execution, when it differs from the original input (so the
    /// finding records what the minimised input did without running it again).
    pub execution: Option<Execution>,
    pub attempts: u32,
    /// Set when it stopped early.
    pub cut: Option<Cut>,
}

/// The smallest input found that still fires `signature`.
pub fn minimize(
    exec: &mut Executor,
    input: &Input,
    signature: &str,
    recheck: bool,
    budget: Budget,
) -> Minimized {
    let mut best = input.clone();
    let mut spent = 0;
    let cut: Cell<Option<Cut>> = Cell::new(None);
    // The execution of the last candidate that fired: after each accepted
    // change that candidate becomes `best`.
    let last_fired: RefCell<Option<(Input, Execution)>> = RefCell::new(None);
    let mut still_fires = |candidate: &Input, spent: &mut u32| -> bool {
        let stop = if crate::interrupt::requested() {
            Some(Cut::Interrupted)
        } else if budget.deadline.is_some_and(|d| Instant::now() >= d) {
            Some(Cut::Deadline)
        } else if *spent >= budget.attempts {
            Some(Cut::Attempts)
        } else {
            None
        };
        if let Some(why) = stop {
            if cut.get().is_none() {
                cut.set(Some(why));
            }
            return false;
        }
        *spent += 1;
        match exec.run(candidate, recheck) {
            Ok(ex) if ex.fired(signature) => {
                *last_fired.borrow_mut() = Some((candidate.clone(), ex));
                true
            }
            _ => false,
        }
    };
    loop {
        let before = best.clone();
        for i in (0..best.env.len()).rev() {
            let mut c = best.clone();
            c.env.remove(i);
            if still_fires(&c, &mut spent) {
                best = c;
            }
        }
        if best.prev_result.is_some() {
            // The chain's real result instead of the mutated one.
            let mut c = best.clone();
            c.prev_result = None;
            if still_fires(&c, &mut spent) {
                best = c;
            }
        }
        for i in (0..best.verbs.len()).rev() {
            if best.verbs.len() > 1 {
                let mut c = best.clone();
                c.verbs.remove(i);
                if still_fires(&c, &mut spent) {
                    best = c;
                }
            }
        }
        if let Some(tree) = best.config_value() {
            let tree = shrink_tree(tree, &mut |t: &Value| {
                let mut c = best.clone();
                c.config = serde_json::to_string(t).unwrap_or_default();
                still_fires(&c, &mut spent)
            });
            let text = serde_json::to_string(&tree).unwrap_or_default();
            if text != best.config {
                best.config = text;
            }
        }
        if best == before || spent >= budget.attempts || cut.get().is_some() {
            let execution = last_fired
                .take()
                .filter(|(i, _)| *i == best && best != *input)
                .map(|(_, ex)| ex);
            return Minimized {
                input: best,
                execution,
                attempts: spent,
                cut: cut
                    .get()
                    .or((spent >= budget.attempts).then_some(Cut::Attempts)),
            };
        }
    }
}

/// Remove whole nodes first (biggest wins), then simplify leaves.
fn shrink_tree(mut tree: Value, fires: &mut dyn FnMut(&Value) -> bool) -> Value {
    // Deepest paths last in `paths`; walk from the end so indices stay valid.
    let all = mutate::paths(&tree);
    let mut i = all.len();
    while i > 0 {
        i -= 1;
        let mut c = tree.clone();
        if mutate::remove(&mut c, &all[i]) && fires(&c) {
            tree = c;
            // Paths after a removal may be stale: start again from the current tree.
            return shrink_tree(tree, fires);
        }
    }
    for path in mutate::paths(&tree) {
        for smaller in smaller_values(&tree, &path) {
            let mut c = tree.clone();
            if let Some(node) = mutate::get_mut(&mut c, &path) {
                *node = smaller;
            }
            if c != tree && fires(&c) {
                tree = c;
                break;
            }
        }
    }
    tree
}

/// Simpler stand-ins for the value at `path`, simplest first.
fn smaller_values(tree: &Value, path: &[Seg]) -> Vec<Value> {
    let mut t = tree.clone();
    let Some(v) = mutate::get_mut(&mut t, path) else {
        return Vec::new();
    };
    match v {
        Value::String(s) if s.chars().count() > 1 => {
            let n = s.chars().count();
            vec![
                json!(s.chars().take(n / 2).collect::<String>()),
                json!(s.chars().skip(n / 2).collect::<String>()),
                json!(s.chars().take(n - 1).collect::<String>()),
            ]
        }
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.abs() > 1.0 => vec![json!(0), json!((f / 2.0).trunc() as i64)],
            _ => Vec::new(),
        },
        Value::Array(a) if a.len() == 1 => vec![a[0].clone()],
        _ => Vec::new(),
    }
}
