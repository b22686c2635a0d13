//! `cli-sim diagnose --bundle FILE` (issue 17): the bundle is small, says
//! why forms are stuck, and holds no secret: every configured secret and
//! every `Basic`/`Bearer` value is searched for in the decompressed bundle.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::credentials::{Credentials, StaticCredentials};
use agent_core::dhis2::Dhis2Settings;
use agent_core::lmis::LmisSettings;
use agent_core::sync::SyncBudget;
use agent_core::{Agent, AgentConfig, FacilityMap, FixedClock, FormSet};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use serde_json::Value;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

// Distinctive secrets, so that finding one anywhere is a leak.
const DHIS2_PASSWORD: &str = "Dh2-pw-Quartz-7731";
const LMIS_PASSWORD: &str = "Lmis-pw-Heron-5520";
const CLIENT_SECRET: &str = "Client-sec-Otter-9904";
const BUNDLE_TARGET_BYTES: usize = 32 * 1024;

fn gunzip(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Every `Basic`/`Bearer` word followed by a value that is not the scrub marker.
fn authorization_values(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in ["Basic ", "Bearer "] {
        for (i, _) in text.match_indices(word) {
            let after = &text[i + word.len()..];
            let value: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "+/=._-".contains(*c))
                .collect();
            if value.len() >= 4 {
                found.push(format!("{word}{value}"));
            }
        }
    }
    found
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn the_bundle_names_what_is_stuck_and_holds_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let config = cli_sim::demo::write_example_setup(dir.path()).unwrap();
    let forms = FormSet::load_dir(&dir.path().join("forms")).unwrap();
    let facilities = FacilityMap::load(&dir.path().join("facilities.json")).unwrap();
    let mut dc = Dhis2MockConfig::from_forms(&forms, &facilities);
    dc.users = vec![("admin".into(), DHIS2_PASSWORD.into())];
    let dhis2 = Dhis2Mock::start(dc, 0).unwrap();
    let mut lc = OpenLmisMockConfig::from_forms(&forms, &facilities);
    for c in &mut lc.clients {
        if c.0 == "user-client" {
            c.1 = CLIENT_SECRET.into();
        }
    }
    for u in &mut lc.users {
        u.1 = LMIS_PASSWORD.into();
    }
    let lmis = OpenLmisMock::start(lc, 0).unwrap();
    std::fs::write(
        &config,
        format!(
            "[agent]\ndatabase = \"outbox.sqlite\"\nforms = \"forms\"\nfacilities = \"facilities.json\"\n\
             [dhis2]\nurl = \"{}\"\nusername = \"admin\"\npassword_env = \"DIAG_DHIS2_PW\"\n\
             [lmis]\nkind = \"openlmis\"\nurl = \"{}\"\nclient_id = \"user-client\"\nclient_secret_env = \"DIAG_CLIENT_SECRET\"\n\
             username = \"administrator\"\npassword_env = \"DIAG_LMIS_PW\"\n",
            dhis2.url(),
            lmis.url()
        ),
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_cli-sim"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("DIAG_DHIS2_PW", DHIS2_PASSWORD)
            .env("DIAG_LMIS_PW", LMIS_PASSWORD)
            .env("DIAG_CLIENT_SECRET", CLIENT_SECRET)
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // Three forms of last month, synced: real sign-ins and exchanges logged.
    let agent = Agent::open(&AgentConfig::load(&config).unwrap()).unwrap();
    let month =
        agent_core::Period::containing(agent_core::PeriodType::Monthly, agent.clock().today())
            .previous();
    let def = agent.form("chw-monthly").unwrap();
    drop(agent);
    for (i, f) in ["HP-001", "HP-002", "HP-003"].iter().enumerate() {
        let d = DraftGen::new(i as u64 + 1).draft(&def, f, &month.iso(), &BTreeMap::new());
        let p = dir.path().join(format!("d{i}.json"));
        std::fs::write(&p, serde_json::to_vec(&d).unwrap()).unwrap();
        let (code, _, err) = cli(&[
            "record",
            "--file",
            p.to_str().unwrap(),
            "--confirm-warnings",
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, err) = cli(&["sync", "--until-done", "5", "--retry-now"]);
    assert_eq!(code, 0, "{out}{err}");
    // A form that will be stuck (see the sync with a wrong password below).
    let d = DraftGen::new(9).draft(&def, "HP-004", &month.iso(), &BTreeMap::new());
    let p = dir.path().join("d9.json");
    std::fs::write(&p, serde_json::to_vec(&d).unwrap()).unwrap();
    assert_eq!(
        cli(&[
            "record",
            "--file",
            p.to_str().unwrap(),
            "--confirm-warnings"
        ])
        .0,
        0
    );
    let db = dir.path().join("outbox.sqlite");
    {
        // An answer logged by an older agent that did not scrub: a proxy's
        // error page echoing the request's headers and a sign-in's answer.
        let conn = rusqlite::Connection::open(&db).unwrap();
        let basic = base64(format!("admin:{DHIS2_PASSWORD}").as_bytes());
        let echo = format!(
            "<html>Bad gateway. Request headers: Authorization: Basic {basic}; \
             Authorization: Bearer 6a1f0c2e-7d1b-4b8e-9a44-3c2d1e0f9b77; \
             POST /api/oauth/token?grant_type=password&username=administrator&password={LMIS_PASSWORD} \
             {{\"access_token\":\"6a1f0c2e-7d1b-4b8e-9a44-3c2d1e0f9b77\",\"client_secret\":\"{CLIENT_SECRET}\"}}</html>"
        );
        conn.execute(
            "INSERT INTO exchanges (at, destination, method, url, request_body, status, response_body, error, bytes_sent, bytes_received, duration_ms)
             VALUES ('2026-01-01T00:00:00.000Z', 'lmis', 'POST', ?1, NULL, 502, ?2, NULL, 0, 0, 1)",
            rusqlite::params![format!("{}/api/oauth/token?grant_type=password&password={LMIS_PASSWORD}", lmis.url()), echo],
        )
        .unwrap();
    }
    // A sync with a wrong LMIS password: the LMIS is held for credentials.
    let wrong = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cli-sim"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("DIAG_DHIS2_PW", DHIS2_PASSWORD)
            .env("DIAG_LMIS_PW", "not-the-password")
            .env("DIAG_CLIENT_SECRET", CLIENT_SECRET)
            .output()
            .unwrap()
    };
    wrong(&["sync", "--retry-now"]);
    let bundle = dir.path().join("bundle.json.gz");
    let (code, out, err) = cli(&["diagnose", "--bundle", bundle.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let compressed = std::fs::metadata(&bundle).unwrap().len() as usize;
    let text = gunzip(&bundle);
    eprintln!(
        "bundle: {compressed} bytes compressed, {} bytes of JSON",
        text.len()
    );
    assert!(compressed <= BUNDLE_TARGET_BYTES, "{compressed} bytes");
    // No secret, in any form it travels in.
    let basic = base64(format!("admin:{DHIS2_PASSWORD}").as_bytes());
    let client_basic = base64(format!("user-client:{CLIENT_SECRET}").as_bytes());
    for secret in [
        DHIS2_PASSWORD,
        LMIS_PASSWORD,
        CLIENT_SECRET,
        &basic,
        &client_basic,
        "6a1f0c2e-7d1b-4b8e-9a44-3c2d1e0f9b77",
    ] {
        assert!(
            !text.contains(secret),
            "a secret is in the bundle (at {:?})",
            text.find(secret)
        );
    }
    let auth = authorization_values(&text);
    assert!(
        auth.is_empty(),
        "Basic/Bearer values in the bundle: {auth:?}"
    );
    // What support needs: the hold and its kind, the stuck form, the queue,
    // where each secret comes from, versions.
    let v: Value = serde_json::from_str(&text).unwrap();
    let lmis_dest = v["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["destination"] == "lmis")
        .unwrap();
    assert!(lmis_dest["hold"].is_string(), "{lmis_dest}");
    assert_eq!(lmis_dest["hold_kind"], "credentials", "{lmis_dest}");
    assert_eq!(v["open_total"], 1, "{}", v["open"]);
    assert_eq!(v["open"][0]["facility"], "HP-004");
    assert_eq!(v["open"][0]["destination"], "lmis");
    assert_eq!(v["forms"], 4);
    assert_eq!(
        v["configuration"]["lmis"]["password"],
        "from environment variable DIAG_LMIS_PW"
    );
    assert_eq!(v["configuration"]["dhis2"]["username"], "set");
    assert_eq!(v["schema_version"], v["schema_version_supported"]);
    assert!(
        v["agent"]
            .as_str()
            .unwrap()
            .starts_with("health-sync-agent/")
    );
    assert!(!v["exchanges"]["dhis2"].as_array().unwrap().is_empty());
    assert!(!v["data_use"].as_array().unwrap().is_empty());
}

/// A thousand forms: recorded (all unsent), then synced. The bundle stays
/// within its target either way.
#[test]
fn a_thousand_form_outbox_gives_a_bundle_within_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let forms = FormSet::load_dir(&root.join("schemas/forms")).unwrap();
    let facilities = FacilityMap::load(&root.join("schemas/facilities/example.json")).unwrap();
    let dhis2 = Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap();
    let lmis = OpenLmisMock::start(OpenLmisMockConfig::from_forms(&forms, &facilities), 0).unwrap();
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        forms.clone(),
        facilities.clone(),
        clock.clone(),
    )
    .unwrap()
    .with_dhis2(Dhis2Settings {
        url: dhis2.url(),
        batch_max_values: 1000,
        batch_max_bytes: 1 << 20,
        gzip: None,
    })
    .with_lmis(LmisSettings { url: lmis.url() });
    let mut g = DraftGen::new(7);
    let mut month =
        agent_core::Period::containing(agent_core::PeriodType::Monthly, agent.clock().today());
    let mut n = 0;
    while n < 1000 {
        month = month.previous();
        for f in facilities.iter() {
            for def in forms.iter() {
                if n == 1000 || !(f.forms.is_empty() || f.forms.contains(&def.id)) {
                    continue;
                }
                let d = g.draft(def, &f.code, &month.iso(), &BTreeMap::new());
                agent.submit(&d, true).unwrap();
                n += 1;
            }
        }
    }
    let size = |agent: &Agent| {
        let b = agent
            .diagnose(None, &agent_core::diagnose::Options::default())
            .unwrap();
        (
            b.to_gzip().unwrap().len(),
            serde_json::to_vec(&b).unwrap().len(),
        )
    };
    let (unsent, unsent_json) = size(&agent);
    eprintln!("1,000 forms unsent: {unsent} bytes compressed ({unsent_json} of JSON)");
    assert!(unsent <= BUNDLE_TARGET_BYTES, "{unsent} bytes");
    let creds = StaticCredentials {
        dhis2: Some(Credentials::Basic {
            username: "admin".into(),
            password: "district".into(),
        }),
        lmis: Some(Credentials::OAuthPassword {
            client_id: "user-client".into(),
            client_secret: "changeme".into(),
            username: "administrator".into(),
            password: "password".into(),
        }),
    };
    for _ in 0..20 {
        let r = agent
            .sync(SyncBudget::time(Duration::from_secs(60)), &creds, true)
            .unwrap();
        if r.done {
            break;
        }
        if let Some(t) = r.call_again_at {
            clock.set(t.max(agent_core::clock::Clock::now(clock.as_ref())));
        }
    }
    let (synced, synced_json) = size(&agent);
    let h = agent.health().unwrap();
    eprintln!(
        "1,000 forms after sync: {synced} bytes compressed ({synced_json} of JSON); queue {:?}",
        h.counts
    );
    assert!(synced <= BUNDLE_TARGET_BYTES, "{synced} bytes");
}
