use std::path::PathBuf;

use serde_json::json;

use super::*;
use crate::range::Range;

fn cfg(dir: PathBuf, sets: Vec<Vec<Range>>, requested: Vec<&str>) -> IpamConfig {
    IpamConfig {
        network: "n".into(),
        data_dir: dir,
        range_sets: sets,
        routes: vec![],
        dns: Default::default(),
        requested: requested.iter().map(|s| s.parse().unwrap()).collect(),
    }
}

fn range(v: serde_json::Value) -> Range {
    Range::parse(&v, "r").unwrap()
}

fn owner(id: &str) -> Owner {
    Owner {
        container_id: id.into(),
        ifname: "eth0".into(),
    }
}

#[test]
fn round_robin_skips_gateway_and_exhausts() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg(
        dir.path().into(),
        vec![vec![range(json!({"subnet": "10.0.0.0/29"}))]],
        vec![],
    );
    let store = Store::open(&c.network_dir()).unwrap();
    let mut got = Vec::new();
    for n in 0..5 {
        let ips = allocate(&store, &c, &owner(&format!("c{n}"))).unwrap();
        got.push(ips[0].address.to_string());
        assert_eq!(ips[0].gateway, Some("10.0.0.1".parse().unwrap()));
    }
    assert_eq!(
        got,
        [
            "10.0.0.2/29",
            "10.0.0.3/29",
            "10.0.0.4/29",
            "10.0.0.5/29",
            "10.0.0.6/29"
        ]
    );
    assert_eq!(exhausted_set(&store, &c).unwrap(), Some(0));
    let e = allocate(&store, &c, &owner("full")).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoAddressAvailable as u32);
    // Releasing .3 makes it the next one; round robin continues after .6.
    store.release("10.0.0.3".parse().unwrap()).unwrap();
    assert_eq!(exhausted_set(&store, &c).unwrap(), None);
    let ips = allocate(&store, &c, &owner("again")).unwrap();
    assert_eq!(ips[0].address.to_string(), "10.0.0.3/29");
}

#[test]
fn dual_stack_and_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg(
        dir.path().into(),
        vec![
            vec![range(json!({"subnet": "10.0.0.0/24"}))],
            vec![range(json!({"subnet": "fd00::/64"}))],
        ],
        vec![],
    );
    let store = Store::open(&c.network_dir()).unwrap();
    let ips = allocate(&store, &c, &owner("a")).unwrap();
    assert_eq!(ips.len(), 2);
    assert_eq!(ips[1].address.to_string(), "fd00::2/64");
    let e = allocate(&store, &c, &owner("a")).unwrap_err();
    assert_eq!(e.code, ErrorCode::AlreadyExists as u32);
}

#[test]
fn requested_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let sets = vec![vec![range(
        json!({"subnet": "10.0.0.0/24", "rangeStart": "10.0.0.10"}),
    )]];
    let c = cfg(dir.path().into(), sets.clone(), vec!["10.0.0.50"]);
    let store = Store::open(&c.network_dir()).unwrap();
    assert_eq!(
        allocate(&store, &c, &owner("a")).unwrap()[0]
            .address
            .to_string(),
        "10.0.0.50/24"
    );
    let e = allocate(&store, &c, &owner("b")).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoAddressAvailable as u32);
    for (bad, why) in [
        ("10.0.0.1", "gateway"),
        ("10.0.0.5", "outside"),
        ("10.9.0.1", "none"),
    ] {
        let c = cfg(dir.path().into(), sets.clone(), vec![bad]);
        let e = allocate(&store, &c, &owner("c")).unwrap_err();
        assert!(e.msg.contains(why), "{}", e.msg);
    }
}

#[test]
fn concurrent_allocations_never_collide() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg(
        dir.path().into(),
        vec![vec![range(json!({"subnet": "10.0.0.0/24"}))]],
        vec![],
    );
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let c = c.clone();
            std::thread::spawn(move || {
                (0..10)
                    .map(|n| {
                        let store = Store::open(&c.network_dir()).unwrap();
                        allocate(&store, &c, &owner(&format!("t{t}n{n}"))).unwrap()[0].address
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<_> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort_by_key(|a| a.to_string());
    all.dedup();
    assert_eq!(all.len(), 80);
}
