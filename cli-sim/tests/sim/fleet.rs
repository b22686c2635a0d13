//! `cli-sim fleet`, in process and through the binary: small fleets deliver
//! every form exactly once (with and without a storm), the chart is
//! written, the JSON report is complete, and a 2G link measurably slows a
//! fleet down.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use cli_sim::fleet::{FleetArgs, FleetReport, run_fleet};
use cli_sim::network::Profile;
use std::process::Command;

fn assert_clean(r: &FleetReport) {
    let c = &r.checks;
    assert!(r.ok, "{}", cli_sim::fleet::table(r));
    assert_eq!(
        r.forms,
        u64::from(r.devices) * u64::from(r.forms_per_device)
    );
    assert_eq!((r.delivered, r.undelivered, r.rejected), (r.forms, 0, 0));
    assert_eq!((c.duplicates, c.losses), (0, 0), "{c:?}");
    assert_eq!(c.dhis2_values_found, c.dhis2_values_expected);
    assert_eq!(c.lmis_events_found, r.forms);
    assert!(c.stock_cards_checked > 0);
    assert!(r.latency_ms.p50 <= r.latency_ms.p95 && r.latency_ms.p95 <= r.latency_ms.p99);
}

#[test]
fn a_small_fleet_delivers_every_form_once_and_draws_its_chart() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("fleet.svg");
    let r = run_fleet(&FleetArgs {
        devices: 8,
        forms: 3,
        svg: Some(svg.clone()),
        ..FleetArgs::default()
    })
    .unwrap();
    assert_clean(&r);
    assert!(r.destinations.iter().all(|d| d.proxy.is_none()));
    assert!(r.destinations.iter().all(|d| d.bytes_per_form > 0.0));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "{text}");
    assert!(text.trim_end().ends_with("</svg>"));
    assert_eq!(text.matches("<polyline").count(), 2);
}

#[test]
fn after_a_storm_every_form_is_delivered_once() {
    let r = run_fleet(&FleetArgs {
        devices: 8,
        forms: 3,
        storm: true,
        seed: 3,
        ..FleetArgs::default()
    })
    .unwrap();
    assert_clean(&r);
    for d in &r.destinations {
        let after = d
            .peak_concurrent_after_storm
            .expect("measured after the storm");
        assert!((1..=8).contains(&after), "{d:?}");
        // The first pass of every device failed against the servers that were down.
        assert!(d.failures >= 8, "{d:?}");
    }
}

/// Issue 13: a fleet against an OpenLMIS without its physical-inventory
/// guard, both servers dropping 30% of their answers after committing:
/// every form delivered once (a resent event would be a second event with
/// the same `resourceId`, counted as a duplicate), and the agents' look-ups
/// found events whose answer was lost.
#[test]
fn without_the_inventory_guard_dropped_answers_are_settled_by_look_ups() {
    let r = run_fleet(&FleetArgs {
        devices: 8,
        forms: 4,
        seed: 5,
        drop_rate: 0.3,
        no_inventory_guard: true,
        time_scale: 5000.0,
        ..FleetArgs::default()
    })
    .unwrap();
    assert!(!r.inventory_guard);
    assert_clean(&r);
    assert_eq!(r.checks.lmis_duplicate_events, 0, "{:?}", r.checks);
    let lmis = r
        .destinations
        .iter()
        .find(|d| d.destination == "lmis")
        .unwrap();
    assert!(lmis.lookups > 0, "{lmis:?}");
    assert!(
        lmis.found_by_lookup > 0,
        "dropped answers were settled by look-ups: {lmis:?}"
    );
    println!("{}", cli_sim::fleet::table(&r));
}

#[test]
fn the_binary_prints_a_json_report() {
    let out = Command::new(env!("CARGO_BIN_EXE_cli-sim"))
        .args(["fleet", "--devices", "4", "--forms", "2", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["devices"], 4);
    assert_eq!(v["forms"], 8);
    assert_eq!(v["delivered"], 8);
    assert_eq!(v["network"], "lan");
    assert_eq!(v["ok"], true);
    assert_eq!(v["checks"]["duplicates"], 0);
    assert_eq!(v["checks"]["losses"], 0);
    for key in [
        "wall_secs",
        "throughput_forms_per_sec",
        "latency_ms",
        "destinations",
    ] {
        assert!(!v[key].is_null(), "{key} missing: {v}");
    }
    for p in ["p50", "p95", "p99"] {
        assert!(v["latency_ms"][p].as_f64().unwrap() > 0.0);
    }
    let dests = v["destinations"].as_array().unwrap();
    assert_eq!(dests.len(), 2);
    for d in dests {
        assert!(d["requests"].as_u64().unwrap() > 0);
        assert!(d["peak_concurrent"].as_u64().unwrap() >= 1);
        assert!(d["bytes_per_form"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn a_2g_link_adds_its_round_trip_to_every_exchange() {
    let r = run_fleet(&FleetArgs {
        devices: 1,
        forms: 1,
        network: Profile::TwoG,
        seed: 5,
        ..FleetArgs::default()
    })
    .unwrap();
    assert_clean(&r);
    // One device sends one request at a time, and every exchange that got
    // its answer waited a whole round trip (600 ms), plus the bandwidth.
    let mut answered = 0;
    for d in &r.destinations {
        let p = d.proxy.as_ref().expect("a shaped link");
        assert!(
            p.exchanges > 0 && p.bytes_up > 0 && p.bytes_down > 0,
            "{p:?}"
        );
        let ok = p.exchanges - p.dropped();
        assert!(p.delay_ms >= ok * 570, "{} exchanges answered, {p:?}", ok);
        answered += ok;
    }
    assert!(
        r.wall_secs >= answered as f64 * 0.57,
        "{answered} exchanges in {} s",
        r.wall_secs
    );
    // The same fleet on a LAN: no proxy, and no such delay.
    let lan = run_fleet(&FleetArgs {
        devices: 1,
        forms: 1,
        seed: 5,
        ..FleetArgs::default()
    })
    .unwrap();
    assert_clean(&lan);
    // No wall-time comparison (issue 13: a busy machine can slow either run);
    // the LAN run has no shaping proxy, so none of its exchanges was delayed.
    assert!(
        lan.destinations.iter().all(|d| d.proxy.is_none()),
        "the LAN fleet went through no proxy"
    );
}
