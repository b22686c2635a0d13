//! The simulated DHIS2 over real HTTP on 127.0.0.1: the contract's own
//! request fixtures, each version family's response shapes and statuses,
//! authentication, gzip, the metadata routes, and every injectable fault
//! (drop after commit, close before commit, 503, 429, down, latency,
//! bandwidth), plus peak concurrency in the statistics.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::{FacilityMap, FormDefinition, FormSet};
use chrono::NaiveDate;
use cli_sim::from_forms::FromForms;
use serde_json::{Value, json};
use sim_servers::dhis2::{
    DEFAULT_COC, Dhis2Mock, Dhis2MockConfig, MockDataElement, MockDataSet, VersionFamily,
};
use sim_servers::faults::FaultConfig;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const ALL: [VersionFamily; 3] = [
    VersionFamily::V2_37,
    VersionFamily::V2_40,
    VersionFamily::V2_43,
];
/// `admin:district` in base64.
const BASIC: &str = "Basic YWRtaW46ZGlzdHJpY3Q=";
const TOKEN: &str = "d2pat_5xVA12xyUbWNedQxy4ohH77WlxRGVvZZ1151814092";
/// The data set of most tests, with two elements and two org units.
const DS: &str = "pBOMPrpg1QX";
const DE: &str = "f7n9E0hX8qk";
const DE2: &str = "vANAXwtLwcT";
const OU: &str = "DiszpKrYNg8";

fn fixture(name: &str) -> Value {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "dhis2",
        name,
    ]
    .iter()
    .collect();
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Metadata holding every uid of the contract fixtures, plus a second element.
fn config(version: VersionFamily) -> Dhis2MockConfig {
    let fixture_ds = MockDataSet::new(
        "VEM58nY22sO",
        sim_servers::period::PeriodType::Monthly,
        &["O6uvpzGd5pu"],
        vec![
            MockDataElement::new("BjDrgVrkBI3", "INTEGER_ZERO_OR_POSITIVE")
                .with_combo("CbjDrgVrkBI", &["oPcWGgS2Liz", "rtfSaMjPyq6"]),
        ],
    );
    let ds = MockDataSet::new(
        DS,
        sim_servers::period::PeriodType::Monthly,
        &[OU, "O6uvpzGd5pu"],
        vec![
            MockDataElement::new(DE, "INTEGER_ZERO_OR_POSITIVE"),
            MockDataElement::new(DE2, "INTEGER_ZERO_OR_POSITIVE"),
        ],
    );
    Dhis2MockConfig {
        version,
        tokens: vec![TOKEN.to_string()],
        data_sets: vec![fixture_ds, ds],
        org_units: vec![
            ("O6uvpzGd5pu".into(), "Bo".into()),
            (OU.into(), "Ngelehun CHC".into()),
            ("ImspTQPwCqd".into(), "Sierra Leone".into()),
        ],
        today: NaiveDate::from_ymd_opt(2026, 1, 15),
        ..Dhis2MockConfig::default()
    }
}

fn start(version: VersionFamily) -> Dhis2Mock {
    Dhis2Mock::start(config(version), 0).unwrap()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

/// Status and parsed body (`Value::Null` when the body is not JSON).
fn send(
    method: &str,
    url: &str,
    auth: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> Result<(u16, Value), ureq::Error> {
    let a = agent();
    let mut resp = match method {
        "GET" => {
            let mut r = a.get(url);
            if let Some(h) = auth {
                r = r.header("Authorization", h);
            }
            r.call()?
        }
        _ => {
            let mut r = a.post(url).header("Content-Type", content_type);
            if let Some(h) = auth {
                r = r.header("Authorization", h);
            }
            r.send(body)?
        }
    };
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string()?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

fn post_json(mock: &Dhis2Mock, path: &str, body: &Value) -> (u16, Value) {
    send(
        "POST",
        &format!("{}{path}", mock.url()),
        Some(BASIC),
        "application/json",
        body.to_string().as_bytes(),
    )
    .unwrap()
}

fn get(mock: &Dhis2Mock, path: &str) -> (u16, Value) {
    send(
        "GET",
        &format!("{}{path}", mock.url()),
        Some(BASIC),
        "",
        b"",
    )
    .unwrap()
}

/// The ImportSummary of a response, wrapped or bare.
fn summary(body: &Value) -> &Value {
    if body["response"]["responseType"] == "ImportSummary" {
        &body["response"]
    } else {
        assert_eq!(body["responseType"], "ImportSummary", "{body}");
        body
    }
}

fn counts(body: &Value) -> [u64; 4] {
    let c = &summary(body)["importCount"];
    ["imported", "updated", "ignored", "deleted"].map(|k| c[k].as_u64().unwrap())
}

fn codes(body: &Value) -> Vec<String> {
    summary(body)["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["errorCode"].as_str().unwrap_or("").to_string())
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// Two values for `DS` in January 2026 (open), the second one `v2`.
fn two_values(period: &str, v2: Value) -> Value {
    json!({"dataSet": DS, "period": period, "orgUnit": OU, "dataValues": [
        {"dataElement": DE, "categoryOptionCombo": DEFAULT_COC, "value": "12"},
        {"dataElement": DE2, "value": v2},
    ]})
}

#[test]
fn the_contract_request_fixtures_are_accepted_and_read_back() {
    for version in ALL {
        // The real e2e fixture: header dataSet/period/orgUnit, COC and AOC per value.
        let mock = start(version);
        let (status, body) = post_json(
            &mock,
            "/api/dataValueSets",
            &fixture("dataValues_single_dataset.json"),
        );
        assert_eq!(status, 200, "{version}: {body}");
        assert_eq!(summary(&body)["status"], "SUCCESS", "{version}: {body}");
        let (status, back) = get(
            &mock,
            "/api/dataValueSets?dataSet=VEM58nY22sO&period=201911&orgUnit=O6uvpzGd5pu",
        );
        assert_eq!(status, 200);
        let sent = fixture("dataValues_single_dataset.json");
        let fields = [
            "dataElement",
            "period",
            "orgUnit",
            "categoryOptionCombo",
            "attributeOptionCombo",
            "value",
            "followup",
        ];
        let project = |list: &Value| -> Vec<Vec<Value>> {
            let mut rows: Vec<Vec<Value>> = list
                .as_array()
                .unwrap()
                .iter()
                .map(|v| fields.iter().map(|f| v[*f].clone()).collect())
                .collect();
            rows.sort_by_key(|r| r.iter().map(Value::to_string).collect::<Vec<_>>());
            rows
        };
        assert_eq!(
            project(&back["dataValues"]),
            project(&sent["dataValues"]),
            "{version}"
        );
        assert_eq!(back["dataSet"], "VEM58nY22sO");
        for v in back["dataValues"].as_array().unwrap() {
            assert_eq!(
                keys(v),
                [
                    "attributeOptionCombo",
                    "categoryOptionCombo",
                    "created",
                    "dataElement",
                    "followup",
                    "lastUpdated",
                    "orgUnit",
                    "period",
                    "storedBy",
                    "value"
                ]
                .iter()
                .map(|s| s.to_string())
                .collect()
            );
        }
        // The fixture misspells `completeDate` as `completedDate`: no completion.
        assert!(mock.completions().is_empty());

        // The bulk forms without a dataSet: per-value period and orgUnit, default combos.
        for name in ["dataValueSetJ.json", "dataValueSetCreateDate.json"] {
            let mock = start(version);
            let sent = fixture(name);
            let (status, body) = post_json(&mock, "/api/dataValueSets", &sent);
            assert_eq!(
                (status, summary(&body)["status"].as_str()),
                (200, Some("SUCCESS")),
                "{version} {name}: {body}"
            );
            let (_, back) = get(
                &mock,
                &format!("/api/dataValueSets?dataSet={DS}&period=201201&orgUnit={OU}"),
            );
            let got = &back["dataValues"][0];
            let want = &sent["dataValues"][0];
            for f in ["dataElement", "period", "orgUnit", "value"] {
                assert_eq!(got[f], want[f], "{version} {name} {f}");
            }
            assert_eq!(got["categoryOptionCombo"], DEFAULT_COC);
            assert_eq!(got["attributeOptionCombo"], DEFAULT_COC);
            if name == "dataValueSetCreateDate.json" && version != VersionFamily::V2_43 {
                // ≤2.42 honours storedBy and created; 2.43 always stores the user.
                assert_eq!(got["storedBy"], "system");
                assert_eq!(got["created"], want["created"]);
            } else {
                assert_eq!(got["storedBy"], "admin");
            }
            assert_eq!(mock.values().len(), 1);
        }
    }
}

#[test]
fn success_has_each_familys_shape_and_counts() {
    for version in ALL {
        let mock = start(version);
        let (status, body) = post_json(
            &mock,
            "/api/dataValueSets",
            &two_values("202601", json!("3")),
        );
        assert_eq!(status, 200, "{version}");
        match version {
            VersionFamily::V2_37 => {
                assert_eq!(body["responseType"], "ImportSummary");
                assert!(body.get("httpStatus").is_none() && body.get("rejectedIndexes").is_none());
                assert_eq!(counts(&body), [2, 0, 0, 0]);
            }
            VersionFamily::V2_40 => {
                assert_eq!(
                    (body["httpStatus"].as_str(), body["status"].as_str()),
                    (Some("OK"), Some("OK"))
                );
                assert_eq!(body["response"]["rejectedIndexes"], json!([]));
                assert_eq!(counts(&body), [2, 0, 0, 0]);
            }
            VersionFamily::V2_43 => {
                assert_eq!(body["httpStatusCode"], 200);
                // 2.43: imported is always 0, every stored row is "updated".
                assert_eq!(counts(&body), [0, 2, 0, 0]);
            }
        }
        assert_eq!(summary(&body)["status"], "SUCCESS");
        assert_eq!(mock.values().len(), 2);

        // Re-posting unchanged values: updated (2.37), ignored (2.40.3+), updated (2.43).
        let (status, again) = post_json(
            &mock,
            "/api/dataValueSets",
            &two_values("202601", json!("3")),
        );
        assert_eq!(
            (status, summary(&again)["status"].as_str()),
            (200, Some("SUCCESS")),
            "{version}"
        );
        let expected = match version {
            VersionFamily::V2_37 => [0, 2, 0, 0],
            VersionFamily::V2_40 => [0, 0, 2, 0],
            VersionFamily::V2_43 => [0, 2, 0, 0],
        };
        assert_eq!(counts(&again), expected, "{version}");
        // A changed value is an update everywhere; last write wins.
        let (_, changed) = post_json(
            &mock,
            "/api/dataValueSets",
            &two_values("202601", json!("4")),
        );
        let updated = counts(&changed)[1];
        assert!(updated >= 1, "{version}: {changed}");
        assert!(
            mock.values()
                .iter()
                .any(|v| v.data_element == DE2 && v.value == "4")
        );
    }
}

#[test]
fn a_value_type_error_ignores_only_that_row_on_every_family() {
    for version in ALL {
        let mock = start(version);
        let (status, body) = post_json(
            &mock,
            "/api/dataValueSets",
            &two_values("202601", json!("-5")),
        );
        let s = summary(&body);
        assert_eq!(s["status"], "WARNING", "{version}: {body}");
        let conflict = &s["conflicts"][0];
        assert_eq!(conflict["indexes"], json!([1]), "{version}");
        match version {
            VersionFamily::V2_37 => {
                assert_eq!(status, 200);
                assert_eq!(conflict["errorCode"], "E7619");
                assert_eq!(conflict["property"], "value");
                assert_eq!(counts(&body), [1, 0, 1, 0]);
            }
            VersionFamily::V2_40 => {
                assert_eq!(status, 409);
                assert_eq!(
                    (body["httpStatus"].as_str(), body["status"].as_str()),
                    (Some("Conflict"), Some("WARNING"))
                );
                assert_eq!(conflict["errorCode"], "E7619");
                assert_eq!(s["rejectedIndexes"], json!([1]));
            }
            VersionFamily::V2_43 => {
                assert_eq!(status, 200);
                assert_eq!(body["status"], "WARNING");
                assert_eq!(conflict["errorCode"], "E8122");
                assert!(
                    conflict["objects"]["args"].is_string() && conflict.get("object").is_none()
                );
                assert_eq!(counts(&body), [0, 1, 1, 0]);
            }
        }
        let values = mock.values();
        assert_eq!(values.len(), 1, "{version}");
        assert_eq!(
            (values[0].data_element.as_str(), values[0].value.as_str()),
            (DE, "12")
        );
    }
}

#[test]
fn a_data_element_outside_the_data_set_rejects_the_whole_group_only_on_2_43() {
    for version in ALL {
        let mock = start(version);
        mock.remove_element_from_data_set(DS, DE2);
        let (status, body) = post_json(
            &mock,
            "/api/dataValueSets",
            &two_values("202601", json!("3")),
        );
        let s = summary(&body);
        match version {
            VersionFamily::V2_43 => {
                assert_eq!(
                    (status, body["status"].as_str(), s["status"].as_str()),
                    (409, Some("ERROR"), Some("ERROR"))
                );
                assert_eq!(codes(&body), ["E8020"]);
                assert_eq!(s["conflicts"][0]["indexes"], json!([0, 1]));
                assert!(mock.values().is_empty());
            }
            _ => {
                assert_eq!(
                    status,
                    if version == VersionFamily::V2_37 {
                        200
                    } else {
                        409
                    }
                );
                assert_eq!(s["status"], "WARNING");
                assert_eq!(codes(&body), ["E7633"]);
                assert_eq!(s["conflicts"][0]["indexes"], json!([1]));
                assert_eq!(mock.values().len(), 1);
            }
        }
    }
}

#[test]
fn a_locked_period_is_refused_in_each_familys_way() {
    for version in ALL {
        let mock = start(version);
        // Today is 2026-01-15: December 2025 ended more than 10 days ago.
        mock.update_data_set(DS, |d| d.expiry_days = 10.0);
        let (status, body) = post_json(
            &mock,
            "/api/dataValueSets",
            &two_values("202512", json!("3")),
        );
        let s = summary(&body);
        match version {
            VersionFamily::V2_37 => {
                assert_eq!((status, s["status"].as_str()), (200, Some("WARNING")));
                assert_eq!(codes(&body), ["E7640"]);
                assert_eq!(s["conflicts"][0]["indexes"], json!([0, 1]));
                assert_eq!(counts(&body), [0, 0, 2, 0]);
            }
            VersionFamily::V2_40 => {
                assert_eq!(
                    (status, body["status"].as_str(), s["status"].as_str()),
                    (409, Some("WARNING"), Some("WARNING"))
                );
                assert_eq!(codes(&body), ["E7640"]);
                assert_eq!(s["rejectedIndexes"], json!([0, 1]));
            }
            VersionFamily::V2_43 => {
                assert_eq!(
                    (status, body["status"].as_str(), s["status"].as_str()),
                    (409, Some("ERROR"), Some("ERROR"))
                );
                assert_eq!(codes(&body), ["E8030"]);
                assert_eq!(s["conflicts"][0]["indexes"], json!([0, 1]));
            }
        }
        assert!(mock.values().is_empty(), "{version}");
        // The current period stays open; a period beyond openFuturePeriods does not.
        let (status, _) = post_json(
            &mock,
            "/api/dataValueSets",
            &two_values("202601", json!("3")),
        );
        assert_eq!(status, 200, "{version}");
        let (_, future) = post_json(
            &mock,
            "/api/dataValueSets",
            &two_values("202602", json!("3")),
        );
        let expected = if version == VersionFamily::V2_43 {
            "E8030"
        } else {
            "E7641"
        };
        let future_codes = codes(&future);
        assert!(
            !future_codes.is_empty() && future_codes.iter().all(|c| c == expected),
            "{version}: {future}"
        );
        mock.update_data_set(DS, |d| d.open_future_periods = 1);
        let (status, _) = post_json(
            &mock,
            "/api/dataValueSets",
            &two_values("202602", json!("3")),
        );
        assert_eq!(status, 200, "{version}");
    }
}

#[test]
fn responses_have_the_keys_of_the_contract_fixtures() {
    let mock = start(VersionFamily::V2_40);
    let (_, success) = post_json(
        &mock,
        "/api/dataValueSets",
        &two_values("202601", json!("3")),
    );
    let (_, warning) = post_json(
        &mock,
        "/api/dataValueSets",
        &two_values("202601", json!("x")),
    );
    for (got, want) in [
        (success, fixture("data_value_set_success.json")),
        (warning, fixture("data_value_set_warning.json")),
    ] {
        assert_eq!(keys(&got), keys(&want));
        assert_eq!(got["status"], want["status"]);
        assert_eq!(got["httpStatusCode"], want["httpStatusCode"]);
        let (g, w) = (&got["response"], &want["response"]);
        // `rejectedIndexes` is the one key the 2022 fixtures predate (2.39+).
        let mut expected = keys(w);
        expected.insert("rejectedIndexes".into());
        assert_eq!(keys(g), expected);
        assert_eq!(keys(&g["importOptions"]), keys(&w["importOptions"]));
        assert_eq!(keys(&g["importCount"]), keys(&w["importCount"]));
        for (gc, wc) in g["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .zip(w["conflicts"].as_array().unwrap())
        {
            assert!(keys(gc).is_superset(&keys(wc)), "{gc} lacks keys of {wc}");
        }
        assert_eq!(g["status"], w["status"]);
    }
}

#[test]
fn the_2_43_pipeline_rejects_payloads_and_groups_as_the_contract_says() {
    let mock = start(VersionFamily::V2_43);
    // An unknown data element: the whole payload, indexes [-1].
    let (status, body) = post_json(
        &mock,
        "/api/dataValueSets",
        &json!({"dataSet": DS, "period": "202601", "orgUnit": OU,
        "dataValues": [{"dataElement": DE, "value": "1"}, {"dataElement": "Xxxxxxxxxx1", "value": "2"}]}),
    );
    assert_eq!((status, codes(&body)), (409, vec!["E8101".to_string()]));
    assert_eq!(summary(&body)["conflicts"][0]["indexes"], json!([-1]));
    // Duplicate keys: the group (E8128).
    let (status, body) = post_json(
        &mock,
        "/api/dataValueSets",
        &json!({"dataSet": DS, "period": "202601", "orgUnit": OU,
        "dataValues": [{"dataElement": DE, "value": "1"}, {"dataElement": DE, "value": "2"}]}),
    );
    assert_eq!((status, codes(&body)), (409, vec!["E8128".to_string()]));
    // A JSON number as value: that row only.
    let (status, body) = post_json(&mock, "/api/dataValueSets", &two_values("202601", json!(7)));
    assert_eq!((status, codes(&body)), (200, vec!["E8122".to_string()]));
    // completeDate "true" is not a date: E8008, nothing stored.
    let mut p = two_values("202601", json!("5"));
    p["completeDate"] = json!("true");
    let (status, body) = post_json(&mock, "/api/dataValueSets", &p);
    assert_eq!((status, codes(&body)), (409, vec!["E8008".to_string()]));
    assert_eq!(mock.values().len(), 1);
    // A period of another type: E8021 for the group.
    let (_, body) = post_json(
        &mock,
        "/api/dataValueSets",
        &two_values("2026W2", json!("5")),
    );
    assert_eq!(codes(&body), ["E8021"]);
    // An org unit not assigned to the data set: E8022.
    let mut p = two_values("202601", json!("5"));
    p["orgUnit"] = json!("ImspTQPwCqd");
    let (_, body) = post_json(&mock, "/api/dataValueSets", &p);
    assert_eq!(codes(&body), ["E8022"]);
    assert_eq!(mock.values().len(), 1);
}

#[test]
fn the_old_pipeline_ignores_bad_rows_one_by_one() {
    let mock = start(VersionFamily::V2_40);
    let (status, body) = post_json(
        &mock,
        "/api/dataValueSets",
        &json!({"dataSet": DS, "period": "202601", "orgUnit": OU,
        "dataValues": [{"dataElement": DE, "value": 5}, {"dataElement": "Xxxxxxxxxx1", "value": "2"},
                       {"dataElement": DE2, "categoryOptionCombo": "oPcWGgS2Liz", "value": "2"}]}),
    );
    assert_eq!(status, 409);
    assert_eq!(codes(&body), ["E7610", "E7634"]);
    assert_eq!(counts(&body), [1, 0, 2, 0]);
    // Numbers are accepted as values by the old pipeline.
    assert_eq!(mock.values()[0].value, "5");
    // An unknown header data set aborts the import (E7600, ERROR).
    let (status, body) = post_json(
        &mock,
        "/api/dataValueSets",
        &json!({"dataSet": "Xxxxxxxxxx1", "dataValues": []}),
    );
    assert_eq!(
        (status, summary(&body)["status"].as_str()),
        (409, Some("ERROR"))
    );
    assert_eq!(codes(&body), ["E7600"]);
    // An org unit outside the data set is only refused with strictOrganisationUnits.
    let mut p = two_values("202601", json!("1"));
    p["orgUnit"] = json!("ImspTQPwCqd");
    let (status, _) = post_json(&mock, "/api/dataValueSets", &p);
    assert_eq!(status, 200);
    let (_, body) = post_json(&mock, "/api/dataValueSets?strictOrganisationUnits=true", &p);
    // One conflict per data element (conflicts merge on code and objects).
    assert_eq!(codes(&body), ["E7636", "E7636"]);
    assert_eq!(summary(&body)["rejectedIndexes"], json!([0, 1]));
}

#[test]
fn complete_date_delete_and_dry_run() {
    for version in ALL {
        let mock = start(version);
        let mut p = two_values("202601", json!("3"));
        p["completeDate"] = json!("2026-01-14");
        let (_, dry) = post_json(&mock, "/api/dataValueSets?dryRun=true", &p);
        assert_eq!(summary(&dry)["status"], "SUCCESS");
        assert!(
            mock.values().is_empty() && mock.completions().is_empty(),
            "{version}: dry run stores nothing"
        );
        let (_, body) = post_json(&mock, "/api/dataValueSets", &p);
        assert_eq!(summary(&body)["dataSetComplete"], "2026-01-14", "{version}");
        let c = mock.completions();
        assert_eq!(
            (
                c.len(),
                c[0].data_set.as_str(),
                c[0].period.as_str(),
                c[0].org_unit.as_str()
            ),
            (1, DS, "202601", OU)
        );
        // No completion when a row of the group is ignored.
        let mut bad = two_values("202512", json!("x"));
        bad["completeDate"] = json!("2026-01-14");
        let (_, body) = post_json(&mock, "/api/dataValueSets", &bad);
        assert_eq!(summary(&body)["dataSetComplete"], "false", "{version}");
        assert_eq!(mock.completions().len(), 1);
        // importStrategy=DELETE soft-deletes; a missing key is ignored.
        let del = json!({"dataSet": DS, "period": "202601", "orgUnit": OU, "dataValues": [
            {"dataElement": DE, "value": "12"}, {"dataElement": DE, "period": "202511", "value": "1"}]});
        let (status, body) = post_json(&mock, "/api/dataValueSets?importStrategy=DELETE", &del);
        assert_eq!(counts(&body)[3], 1, "{version}: {body}");
        assert_eq!(status, 200, "{version}");
        // Left: the second element of January and the first row of the partial December post.
        assert_eq!(mock.values().len(), 2);
        let (_, back) = get(
            &mock,
            &format!("/api/dataValueSets?dataSet={DS}&period=202601&orgUnit={OU}"),
        );
        assert_eq!(back["dataValues"].as_array().unwrap().len(), 1);
        let (_, back) = get(
            &mock,
            &format!(
                "/api/dataValueSets?dataSet={DS}&startDate=2026-01-01&endDate=2026-01-31&orgUnit={OU}&includeDeleted=true"
            ),
        );
        assert_eq!(back["dataValues"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn authentication_basic_token_and_refusals() {
    let mock = start(VersionFamily::V2_40);
    let url = format!("{}/api/me", mock.url());
    let (status, me) = send("GET", &url, Some(BASIC), "", b"").unwrap();
    assert_eq!((status, me["username"].as_str()), (200, Some("admin")));
    assert_eq!(me["organisationUnits"].as_array().unwrap().len(), 3);
    let (status, _) = send("GET", &url, Some(&format!("ApiToken {TOKEN}")), "", b"").unwrap();
    assert_eq!(status, 200);
    for bad in [
        None,
        Some("Basic YWRtaW46d3Jvbmc="),
        Some("ApiToken d2pat_unknown"),
        Some("ApiToken a b"),
        Some("Bearer x"),
    ] {
        let (status, body) = send("GET", &url, bad, "", b"").unwrap();
        assert_eq!(status, 401, "{bad:?}");
        assert_eq!(
            body,
            json!({"httpStatus": "Unauthorized", "httpStatusCode": 401, "status": "ERROR", "message": "Unauthorized"})
        );
    }
    let (status, _) = send(
        "POST",
        &format!("{}/api/dataValueSets", mock.url()),
        None,
        "application/json",
        b"{}",
    )
    .unwrap();
    assert_eq!(status, 401);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_bodies_are_sniffed_only_when_enabled_and_json_is_required() {
    let body = gzip(two_values("202601", json!("3")).to_string().as_bytes());
    let mock = start(VersionFamily::V2_40);
    let url = format!("{}/api/dataValueSets", mock.url());
    let (status, resp) = send("POST", &url, Some(BASIC), "application/json", &body).unwrap();
    assert_eq!(
        (status, summary(&resp)["status"].as_str()),
        (200, Some("SUCCESS"))
    );
    assert_eq!(mock.values().len(), 2);
    let (status, resp) = send("POST", &url, Some(BASIC), "text/plain", b"{}").unwrap();
    assert_eq!((status, resp["httpStatusCode"].as_u64()), (415, Some(415)));

    for version in ALL {
        let mock = Dhis2Mock::start(
            Dhis2MockConfig {
                gzip: false,
                ..config(version)
            },
            0,
        )
        .unwrap();
        let url = format!("{}/api/dataValueSets", mock.url());
        let (status, resp) = send("POST", &url, Some(BASIC), "application/json", &body).unwrap();
        match version {
            VersionFamily::V2_37 => {
                assert_eq!((status, resp["status"].as_str()), (200, Some("ERROR")))
            }
            VersionFamily::V2_40 => assert_eq!(
                (status, resp["response"]["status"].as_str()),
                (409, Some("ERROR"))
            ),
            VersionFamily::V2_43 => {
                assert_eq!((status, resp["status"].as_str()), (400, Some("ERROR")))
            }
        }
        assert!(mock.values().is_empty());
        // Malformed JSON is answered the same way, never with a crash.
        let (status2, _) = send(
            "POST",
            &url,
            Some(BASIC),
            "application/json",
            b"{\"dataValues\": [1,",
        )
        .unwrap();
        assert_eq!(status2, status, "{version}");
    }
}

#[test]
fn metadata_routes_describe_the_configured_server() {
    for version in ALL {
        let mock = start(version);
        let (_, info) = get(&mock, "/api/system/info");
        assert_eq!(info["version"], version.version_string());
        assert!(info["serverDate"].is_string() && info["revision"].is_string());
        let (status, ds) = get(
            &mock,
            &format!("/api/dataSets/{DS}?fields=id,name,periodType"),
        );
        assert_eq!(status, 200);
        assert_eq!(
            (ds["periodType"].as_str(), ds["expiryDays"].as_f64()),
            (Some("Monthly"), Some(0.0))
        );
        assert_eq!(ds["categoryCombo"]["isDefault"], true);
        let de = &ds["dataSetElements"][0]["dataElement"];
        assert_eq!(
            (de["id"].as_str(), de["valueType"].as_str()),
            (Some(DE), Some("INTEGER_ZERO_OR_POSITIVE"))
        );
        assert_eq!(
            de["categoryCombo"]["categoryOptionCombos"][0]["id"],
            DEFAULT_COC
        );
        assert_eq!(ds["organisationUnits"][0]["id"], OU);
        let (status, missing) = get(&mock, "/api/dataSets/Xxxxxxxxxx1");
        assert_eq!(
            (status, missing["httpStatusCode"].as_u64()),
            (404, Some(404))
        );
        let (_, list) = get(&mock, "/api/dataSets?fields=id,name&paging=false");
        assert_eq!(list["dataSets"].as_array().unwrap().len(), 2);
        let (status, entry) = get(
            &mock,
            &format!("/api/dataEntry/dataValues?ds={DS}&pe=202512&ou={OU}"),
        );
        if version == VersionFamily::V2_37 {
            assert_eq!(status, 404, "the data entry API arrived in 2.39");
        } else {
            assert_eq!(entry["lockStatus"], "OPEN");
        }
    }
}

#[test]
fn single_values_and_completion_registrations() {
    let mock = start(VersionFamily::V2_40);
    let url = format!("{}/api/dataValues", mock.url());
    let form = format!("de={DE}&pe=202601&ou={OU}&co={DEFAULT_COC}&value=9&ds={DS}");
    let (status, _) = send(
        "POST",
        &url,
        Some(BASIC),
        "application/x-www-form-urlencoded",
        form.as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 201);
    assert_eq!(mock.values()[0].value, "9");
    let (status, body) = send(
        "POST",
        &format!("{url}?de={DE}&pe=202601&ou={OU}&value=abc"),
        Some(BASIC),
        "text/plain",
        b"",
    )
    .unwrap();
    assert_eq!((status, body["errorCode"].as_str()), (409, Some("E7619")));

    let reg = json!({"completeDataSetRegistrations": [
        {"dataSet": DS, "period": "202601", "organisationUnit": OU, "date": "2026-01-15", "completed": true}]});
    let (status, body) = post_json(&mock, "/api/completeDataSetRegistrations", &reg);
    assert_eq!((status, counts(&body)), (200, [1, 0, 0, 0]));
    assert_eq!(mock.completions()[0].date, "2026-01-15");
    let bad = json!({"completeDataSetRegistrations": [{"dataSet": DS, "period": "202601", "organisationUnit": "Xxxxxxxxxx1"}]});
    let (status, body) = post_json(&mock, "/api/completeDataSetRegistrations", &bad);
    assert_eq!(
        (status, summary(&body)["status"].as_str()),
        (409, Some("ERROR"))
    );
}

#[test]
fn the_response_family_switches_at_run_time_and_by_api_version() {
    let mock = start(VersionFamily::V2_40);
    let (status, body) = post_json(
        &mock,
        "/api/37/dataValueSets",
        &two_values("202601", json!("x")),
    );
    assert_eq!(
        (status, body["responseType"].as_str()),
        (200, Some("ImportSummary"))
    );
    mock.set_version(VersionFamily::V2_43);
    let (status, body) = post_json(
        &mock,
        "/api/dataValueSets",
        &two_values("202601", json!("x")),
    );
    assert_eq!((status, body["status"].as_str()), (200, Some("WARNING")));
    assert_eq!(codes(&body), ["E8122"]);
}

#[test]
fn metadata_from_the_example_forms_and_facilities() {
    let defs = cli_sim::EXAMPLE_FORMS
        .iter()
        .map(|(name, text)| FormDefinition::from_json(text, name).unwrap())
        .collect();
    let forms = FormSet::new(defs).unwrap();
    let facilities = FacilityMap::from_json(cli_sim::EXAMPLE_FACILITIES).unwrap();
    let config = Dhis2MockConfig::from_forms(&forms, &facilities);
    assert_eq!(
        config.users,
        vec![("admin".to_string(), "district".to_string())]
    );
    assert_eq!(config.data_sets.len(), forms.iter().count());
    for def in forms.iter() {
        let ds = config
            .data_sets
            .iter()
            .find(|d| d.uid == def.dhis2.data_set)
            .unwrap();
        assert_eq!(ds.period_type.as_str(), def.period_type.as_str());
        for f in &def.service {
            let e = ds
                .elements
                .iter()
                .find(|e| e.uid == f.data_element)
                .unwrap();
            assert_eq!(e.value_type, "INTEGER_ZERO_OR_POSITIVE");
            assert!(
                e.category_option_combos
                    .iter()
                    .any(|(c, _)| *c == f.category_option_combo)
            );
        }
        for p in def
            .products
            .iter()
            .filter(|p| p.dhis2_soh_data_element.is_some())
        {
            assert!(
                ds.elements
                    .iter()
                    .any(|e| Some(&e.uid) == p.dhis2_soh_data_element.as_ref())
            );
        }
        for fac in facilities.iter() {
            let reports = fac.forms.is_empty() || fac.forms.contains(&def.id);
            let ou = fac.dhis2_org_unit.clone().unwrap();
            assert_eq!(
                ds.org_units.contains(&ou),
                reports,
                "{} {}",
                fac.code,
                def.id
            );
        }
    }
    assert_eq!(config.org_units.len(), facilities.len());
}

// ---------------------------------------------------------------------------
// Faults.
// ---------------------------------------------------------------------------

#[test]
fn drop_after_commit_stores_the_value_but_the_client_gets_no_answer() {
    let mock = start(VersionFamily::V2_40);
    mock.faults().set(FaultConfig {
        rate_drop_after_commit: 1.0,
        ..FaultConfig::default()
    });
    let url = format!("{}/api/dataValueSets", mock.url());
    let body = two_values("202601", json!("3")).to_string();
    let result = send(
        "POST",
        &url,
        Some(BASIC),
        "application/json",
        body.as_bytes(),
    );
    assert!(result.is_err(), "{result:?}");
    assert_eq!(mock.values().len(), 2);
    let stats = mock.stats();
    assert_eq!(
        (stats.dropped_after_commit, stats.responses_by_status.len()),
        (1, 0)
    );
}

#[test]
fn close_before_commit_stores_nothing() {
    let mock = start(VersionFamily::V2_43);
    mock.faults().set(FaultConfig {
        rate_close_before_commit: 1.0,
        ..FaultConfig::default()
    });
    let url = format!("{}/api/dataValueSets", mock.url());
    let body = two_values("202601", json!("3")).to_string();
    assert!(
        send(
            "POST",
            &url,
            Some(BASIC),
            "application/json",
            body.as_bytes()
        )
        .is_err()
    );
    assert!(mock.values().is_empty());
    assert_eq!(mock.stats().closed_before_commit, 1);
}

#[test]
fn injected_503_and_429_answer_before_processing() {
    let mock = start(VersionFamily::V2_40);
    let url = format!("{}/api/dataValueSets", mock.url());
    let body = two_values("202601", json!("3")).to_string();
    mock.faults().set(FaultConfig {
        rate_5xx: 1.0,
        ..FaultConfig::default()
    });
    let mut resp = agent()
        .post(url.as_str())
        .header("Authorization", BASIC)
        .content_type("application/json")
        .send(body.as_bytes())
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    assert!(
        resp.body_mut()
            .read_to_string()
            .unwrap()
            .contains("<center><h1>503")
    );
    mock.faults().set(FaultConfig {
        rate_429: 1.0,
        retry_after_secs: 7,
        ..FaultConfig::default()
    });
    let resp = agent()
        .post(url.as_str())
        .header("Authorization", BASIC)
        .content_type("application/json")
        .send(body.as_bytes())
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers().get("retry-after").unwrap(), "7");
    assert!(mock.values().is_empty());
    let stats = mock.stats();
    assert_eq!((stats.injected_5xx, stats.injected_429), (1, 1));
    assert_eq!(stats.responses_by_status.get(&503), Some(&1));
}

#[test]
fn down_refuses_connections_then_comes_back_on_the_same_port() {
    let mock = start(VersionFamily::V2_40);
    let addr = format!("127.0.0.1:{}", mock.port());
    mock.faults().set(FaultConfig {
        down_for_secs: 0.6,
        ..FaultConfig::default()
    });
    let started = Instant::now();
    let err = TcpStream::connect(&addr).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "refused at once, not hanging"
    );
    assert!(mock.faults().is_down() && !mock.faults().is_listening());
    assert!(mock.faults().wait_until_listening(Duration::from_secs(3)));
    let (status, _) = get(&mock, "/api/system/info");
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(550));
    assert_eq!(mock.stats().down_periods, 1);
}

#[test]
fn latency_and_bandwidth_slow_responses_down() {
    let mock = start(VersionFamily::V2_40);
    mock.faults().set(FaultConfig {
        latency_ms: 250,
        ..FaultConfig::default()
    });
    let t = Instant::now();
    assert_eq!(get(&mock, "/api/system/info").0, 200);
    assert!(t.elapsed() >= Duration::from_millis(250));
    mock.faults().set(FaultConfig {
        bandwidth_bytes_per_sec: 4000,
        ..FaultConfig::default()
    });
    let t = Instant::now();
    let (status, ds) = get(&mock, &format!("/api/dataSets/{DS}"));
    let len = ds.to_string().len() as f64;
    assert_eq!(status, 200);
    assert!(
        t.elapsed().as_secs_f64() >= len / 4000.0 * 0.9,
        "{len} bytes in {:?}",
        t.elapsed()
    );
}

#[test]
fn stats_count_peak_concurrency_of_parallel_slow_requests() {
    let mock = start(VersionFamily::V2_40);
    mock.faults().set(FaultConfig {
        latency_ms: 300,
        ..FaultConfig::default()
    });
    mock.reset_stats();
    let url = format!("{}/api/system/info", mock.url());
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                send("GET", &url, Some(BASIC), "", b"").unwrap().0
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    let stats = mock.stats();
    assert_eq!(stats.requests, 8);
    assert_eq!(stats.peak_in_flight, 8);
    assert_eq!(stats.in_flight, 0);
    assert_eq!(stats.responses_by_status.get(&200), Some(&8));
    assert!(stats.bytes_in > 0 && stats.bytes_out > 0);
}

#[test]
fn the_admin_routes_switch_faults_and_report_stats() {
    let mock = start(VersionFamily::V2_40);
    let admin = format!("{}/__admin/faults", mock.url());
    let (status, view) = send(
        "POST",
        &admin,
        None,
        "application/json",
        br#"{"rate_5xx": 1.0, "seed": 9}"#,
    )
    .unwrap();
    assert_eq!(
        (status, view["faults"]["rate_5xx"].as_f64()),
        (200, Some(1.0))
    );
    assert_eq!(mock.faults().get().seed, 9);
    assert_eq!(get(&mock, "/api/me").0, 503);
    // Admin routes are never faulted.
    let (status, stats) = send(
        "GET",
        &format!("{}/__admin/stats", mock.url()),
        None,
        "",
        b"",
    )
    .unwrap();
    assert_eq!((status, stats["injected_5xx"].as_u64()), (200, Some(1)));
    assert!(stats["peak_in_flight"].as_u64().unwrap() >= 1);
    let (status, _) = send(
        "POST",
        &admin,
        None,
        "application/json",
        br#"{"nonsense": 1}"#,
    )
    .unwrap();
    assert_eq!(status, 400);
    send("POST", &admin, None, "application/json", b"{}").unwrap();
    assert_eq!(get(&mock, "/api/me").0, 200);
}

#[test]
fn the_same_seed_gives_the_same_faults() {
    let run = || {
        let mock = start(VersionFamily::V2_40);
        mock.faults().set(FaultConfig {
            rate_5xx: 0.5,
            seed: 1234,
            ..FaultConfig::default()
        });
        (0..12)
            .map(|_| get(&mock, "/api/system/info").0)
            .collect::<Vec<u16>>()
    };
    let first = run();
    assert_eq!(first, run());
    assert!(first.contains(&503) && first.contains(&200), "{first:?}");
}

/// Sends raw bytes and reads one response (up to its Content-Length).
fn read_response(stream: &mut TcpStream) -> (u16, String) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).unwrap(),
            1,
            "the server closed: {}",
            String::from_utf8_lossy(&buf)
        );
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let status = head[9..12].parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap();
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).unwrap();
    (status, String::from_utf8(body).unwrap())
}

#[test]
fn chunked_bodies_keep_alive_and_the_body_cap_at_the_http_layer() {
    let mock = start(VersionFamily::V2_43);
    let mut s = TcpStream::connect(("127.0.0.1", mock.port())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let body = two_values("202601", json!("3")).to_string();
    let (a, b) = body.split_at(10);
    let req = format!(
        "POST /api/dataValueSets HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\ncontent-type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let (status, text) = read_response(&mut s);
    assert_eq!(status, 200, "{text}");
    assert_eq!(mock.values().len(), 2);
    // The same connection serves the next request.
    s.write_all(format!("GET /api/me HTTP/1.1\r\nAuthorization: {BASIC}\r\n\r\n").as_bytes())
        .unwrap();
    assert_eq!(read_response(&mut s).0, 200);
    // A body over 16 MiB is refused from its Content-Length.
    let mut s = TcpStream::connect(("127.0.0.1", mock.port())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"POST /api/dataValueSets HTTP/1.1\r\nContent-Length: 16777217\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).0, 413);
}

#[test]
fn idle_keep_alive_connections_do_not_starve_a_small_worker_pool() {
    let mock = Dhis2Mock::start(
        Dhis2MockConfig {
            workers: 2,
            ..config(VersionFamily::V2_40)
        },
        0,
    )
    .unwrap();
    // Two clients each keep a connection open after one request: both workers are held.
    let mut idle = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(("127.0.0.1", mock.port())).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(format!("GET /api/me HTTP/1.1\r\nAuthorization: {BASIC}\r\n\r\n").as_bytes())
            .unwrap();
        assert_eq!(read_response(&mut s).0, 200);
        idle.push(s);
    }
    let t = Instant::now();
    assert_eq!(get(&mock, "/api/system/info").0, 200);
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
}

#[test]
fn insignificant_zeros_and_follow_up_keys_differ_between_pipelines() {
    for version in ALL {
        let mut cfg = config(version);
        cfg.data_sets[1].elements[1].zero_is_significant = false;
        let mock = Dhis2Mock::start(cfg, 0).unwrap();
        let body = json!({"dataSet": DS, "period": "202601", "orgUnit": OU, "dataValues": [
            {"dataElement": DE, "value": "1", "followup": true},
            {"dataElement": DE2, "value": "0"}]});
        let (status, resp) = post_json(&mock, "/api/dataValueSets", &body);
        assert_eq!(status, 200, "{version}: {resp}");
        let values = mock.values();
        let old = version != VersionFamily::V2_43;
        // ≤2.42 drops an insignificant zero and reads `followup`; 2.43 stores
        // the zero and reads only `followUp`.
        assert_eq!(values.len(), if old { 1 } else { 2 }, "{version}");
        assert_eq!(values[0].followup, old, "{version}");
    }
}
