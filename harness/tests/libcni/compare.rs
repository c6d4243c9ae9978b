//! Field-by-field comparison of what two runtimes gave a plugin, call by
//! call: the call sequence, every environment variable, every JSON value of
//! stdin (by JSON pointer), then the spelling and layout of stdin's bytes.
//! Each difference names the requirement whose input it concerns.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use super::rawjson::Raw;
use super::record::Call;

/// What differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// Which plugins were called for which verb, in which order.
    Sequence,
    /// One environment variable.
    Env(String),
    /// One JSON value of stdin, by JSON pointer (`/prevResult/ips/0/address`).
    Stdin(String),
    /// Same values, but a scalar spelled differently (escapes, number format).
    StdinSpelling,
    /// Same values and spelling; whitespace or member order differ.
    StdinLayout,
}

#[derive(Debug, Clone)]
pub struct Difference {
    /// Index of the call in both sequences (0 for [`Field::Sequence`]).
    pub call: usize,
    /// `ADD first`, `DEL second`...
    pub label: String,
    pub field: Field,
    pub libcni: Option<String>,
    pub harness: Option<String>,
    pub requirement: &'static str,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = match &self.field {
            Field::Sequence => "call sequence".to_string(),
            Field::Env(k) => format!("env {k}"),
            Field::Stdin(p) => format!("stdin {p}"),
            Field::StdinSpelling => "stdin spelling".to_string(),
            Field::StdinLayout => "stdin layout".to_string(),
        };
        let show = |v: &Option<String>| v.as_deref().unwrap_or("(absent)").to_string();
        write!(
            f,
            "[{}] call {} ({}): {field}: libcni {} | harness {}",
            self.requirement,
            self.call,
            self.label,
            show(&self.libcni),
            show(&self.harness)
        )
    }
}

/// Every difference between the two call logs.
pub fn calls(libcni: &[Call], harness: &[Call]) -> Vec<Difference> {
    let seq = |calls: &[Call]| calls.iter().map(Call::label).collect::<Vec<_>>().join(", ");
    if libcni.len() != harness.len()
        || libcni
            .iter()
            .zip(harness)
            .any(|(l, h)| l.label() != h.label())
    {
        // Pairing calls of different sequences would only add noise.
        return vec![Difference {
            call: 0,
            label: "all".into(),
            field: Field::Sequence,
            libcni: Some(seq(libcni)),
            harness: Some(seq(harness)),
            requirement: "CONF-4",
        }];
    }
    let mut out = Vec::new();
    for (n, (l, h)) in libcni.iter().zip(harness).enumerate() {
        env(n, l, h, &mut out);
        stdin(n, l, h, &mut out);
    }
    out
}

fn env(n: usize, l: &Call, h: &Call, out: &mut Vec<Difference>) {
    let keys: BTreeSet<&String> = l.env.keys().chain(h.env.keys()).collect();
    for k in keys {
        let (lv, hv) = (l.env.get(k), h.env.get(k));
        if lv != hv {
            out.push(Difference {
                call: n,
                label: l.label(),
                field: Field::Env(k.clone()),
                libcni: lv.cloned(),
                harness: hv.cloned(),
                requirement: env_requirement(k, l.verb()),
            });
        }
    }
}

fn env_requirement(key: &str, verb: &str) -> &'static str {
    match key {
        "CNI_ARGS" => "ENV-4",
        "CNI_PATH" => "ENV-5",
        "CNI_VERSION" => "ENV-6",
        "CNI_COMMAND" | "CNI_CONTAINERID" | "CNI_NETNS" | "CNI_IFNAME" if verb == "DEL" => "ENV-2",
        "CNI_COMMAND" | "CNI_CONTAINERID" | "CNI_NETNS" | "CNI_IFNAME" => "ENV-1",
        // The rest of the environment: how the plugin process is started.
        _ => "EXEC-1",
    }
}

fn stdin(n: usize, l: &Call, h: &Call, out: &mut Vec<Difference>) {
    let parse = |c: &Call| serde_json::from_str::<Value>(&c.stdin).ok();
    let before = out.len();
    match (parse(l), parse(h)) {
        (Some(lv), Some(hv)) => {
            let label = l.label();
            let at = At {
                n,
                label: &label,
                verb: l.verb(),
            };
            values(&at, "", &lv, &hv, out)
        }
        (lv, hv) => out.push(Difference {
            call: n,
            label: l.label(),
            field: Field::Stdin(String::new()),
            libcni: lv
                .map(|_| l.stdin.clone())
                .or(Some(format!("not JSON: {}", l.stdin))),
            harness: hv
                .map(|_| h.stdin.clone())
                .or(Some(format!("not JSON: {}", h.stdin))),
            requirement: "EXEC-1",
        }),
    }
    if out.len() > before || l.stdin == h.stdin {
        return;
    }
    // Equal values, different bytes: spelling or layout.
    let (Some(lr), Some(hr)) = (Raw::parse(&l.stdin), Raw::parse(&h.stdin)) else {
        return;
    };
    let field = if lr.render(true) != hr.render(true) {
        Field::StdinSpelling
    } else {
        Field::StdinLayout
    };
    out.push(Difference {
        call: n,
        label: l.label(),
        field,
        libcni: Some(l.stdin.clone()),
        harness: Some(h.stdin.clone()),
        requirement: "EXEC-1",
    });
}

/// Where one call's stdin values are compared.
struct At<'a> {
    n: usize,
    label: &'a str,
    verb: &'a str,
}

fn values(at: &At<'_>, path: &str, l: &Value, h: &Value, out: &mut Vec<Difference>) {
    match (l, h) {
        (Value::Object(lm), Value::Object(hm)) => {
            let mut keys: Vec<&String> = lm.keys().collect();
            keys.extend(hm.keys().filter(|k| !lm.contains_key(*k)));
            for k in keys {
                let p = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (lm.get(k), hm.get(k)) {
                    (Some(a), Some(b)) => values(at, &p, a, b, out),
                    (a, b) => out.push(value_difference(at, p, a, b)),
                }
            }
        }
        (Value::Array(la), Value::Array(ha)) if la.len() == ha.len() => {
            for (i, (a, b)) in la.iter().zip(ha).enumerate() {
                values(at, &format!("{path}/{i}"), a, b, out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(value_difference(at, path.to_string(), Some(a), Some(b))),
    }
}

fn value_difference(at: &At<'_>, path: String, l: Option<&Value>, h: Option<&Value>) -> Difference {
    Difference {
        call: at.n,
        label: at.label.to_string(),
        requirement: stdin_requirement(&path, at.verb),
        field: Field::Stdin(path),
        libcni: l.map(Value::to_string),
        harness: h.map(Value::to_string),
    }
}

fn stdin_requirement(path: &str, verb: &str) -> &'static str {
    let top = path.split('/').nth(1).unwrap_or_default();
    match (top, verb) {
        ("runtimeConfig", _) => "CONF-3",
        ("prevResult", "CHECK") => "CHECK-3",
        ("prevResult", "DEL") => "DEL-4",
        ("prevResult", _) => "CHAIN-1",
        // The plugin's own object with the list's name and cniVersion.
        _ => "CONF-1",
    }
}
