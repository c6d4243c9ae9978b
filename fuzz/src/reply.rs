//! What a plugin prints (`cni_harness::invoke::Reply`) and the success result
//! model (`cni_harness::result`): plugins under test control these bytes.

use std::time::Duration;

use cni_harness::invoke::{Exit, Outcome, Reply};
use cni_harness::result::{self, Cidr, CniResult};
use serde_json::Value;

use crate::gen::{json_or_generated, Doc};

/// The same stdout read under every kind of exit: a reply is always one of
/// the four kinds, consistent with the exit, and a success result that
/// normalises does so stably (see [`check_result`]).
pub fn plugin_reply(data: &[u8]) {
    let stdout = json_or_generated(data, Doc::Reply);
    let exits = [
        Exit::Code(0),
        Exit::Code(1),
        Exit::Code(-1),
        Exit::Signal(9),
        Exit::Timeout(Duration::from_millis(1)),
    ];
    for exit in exits {
        let out = Outcome {
            exit,
            stdout: stdout.clone(),
            stderr: data.to_vec(),
            stdout_truncated: false,
            stderr_truncated: false,
            wall: Duration::ZERO,
        };
        let reply = Reply::from_outcome(&out);
        assert!(!reply.summary().is_empty());
        match (&reply, exit) {
            (Reply::Died(e), Exit::Signal(_) | Exit::Timeout(_)) => assert_eq!(*e, exit),
            (Reply::Success(None), Exit::Code(0)) => {
                assert!(stdout.iter().all(u8::is_ascii_whitespace))
            }
            (Reply::Success(Some(v)), Exit::Code(0)) => check_result(v),
            (Reply::Error(e), Exit::Code(c)) if c != 0 => {
                let obj = e.raw.as_object().expect("error replies are objects");
                assert_eq!(e.code, obj.get("code").and_then(Value::as_u64));
                assert!(!e.to_string().is_empty());
            }
            (Reply::Garbage(why), Exit::Code(_)) => assert!(!why.to_string().is_empty()),
            _ => panic!("{exit:?} read as {reply:?}"),
        }
    }
}

/// `result::parse_value`: an accepted result has in-range interface indices,
/// survives the model's own serialisation, parses the same from text, and
/// agrees with the reference kit's reader on the addresses.
fn check_result(v: &Value) {
    let parsed = match result::parse_value(v) {
        Err(e) => {
            assert!(!e.path.is_empty() && !e.message.is_empty(), "{e:?}");
            return;
        }
        Ok(r) => r,
    };
    for ip in &parsed.ips {
        if let Some(i) = ip.interface {
            assert!(i < parsed.interfaces.len(), "index {i} out of range");
        }
        assert_eq!(parsed.interface_of(ip).is_some(), ip.interface.is_some());
    }
    let model = serde_json::to_value(&parsed).expect("model serialises");
    let back: CniResult = serde_json::from_value(model).expect("model deserialises");
    assert_eq!(back, parsed, "model round trip");
    let text = serde_json::to_string(v).expect("a Value serialises");
    assert_eq!(result::parse(&text).as_ref(), Ok(&parsed), "text vs value");

    // Where both readers accept the same current-shape document, they must
    // see the same addresses (the kit reads prevResult for our plugins). The
    // kit picks the shape by `ip4`/`ip6` presence rather than by version, so
    // documents carrying both shapes are read differently by design.
    let both_shapes = v.get("ip4").is_some() || v.get("ip6").is_some();
    if !parsed.cni_version.legacy_result() && v.get("ips").is_some() && !both_shapes {
        if let Ok(kit) = cni_plugin_kit::CniResult::from_json(v) {
            let ours: Vec<String> = parsed.ips.iter().map(|i| i.address.to_string()).collect();
            let theirs: Vec<String> = kit.ips.iter().map(|i| i.address.to_string()).collect();
            assert_eq!(ours, theirs, "harness and kit read different addresses");
        }
    }
}

/// `Cidr` (harness) and `IpNet` (kit) from the same text: both accept or
/// both reject, print the same, and printing then parsing is the identity.
pub fn cidr(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = text.parse::<Cidr>();
    let kit = text.parse::<cni_plugin_kit::IpNet>();
    match (&ours, &kit) {
        (Ok(c), Ok(k)) => {
            assert_eq!(c.to_string(), k.to_string());
            assert_eq!(c.to_string().parse::<Cidr>().as_ref(), Ok(c));
            let net = c.network();
            assert_eq!(net.network(), net, "network() is idempotent");
            assert!(net.contains(c.addr()) && c.contains(net.addr()));
            assert_eq!(net.to_string(), k.network().to_string());
            assert!(k.contains(k.last()) && k.contains(k.network().addr()));
        }
        (Err(_), Err(_)) => {}
        _ => panic!("{text:?}: harness says {ours:?}, kit says {kit:?}"),
    }
}
