//! The simulated OpenLMIS over real HTTP on 127.0.0.1: the token grant and
//! sliding expiry, the substring facility search, the stock event traps
//! (double counting, the physical-inventory `resourceId` guard, whole-event
//! rejection, server-date checks, ledger re-ordering), the stock card read
//! shape, the requisition flow with idempotency keys, ETags and the
//! double-accounting approval event, stock-based requisitions, and a
//! drop-after-commit fault. Every stock event body sent here is checked
//! against OpenLMIS's own `stockEventDto.json`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::form::FormDefinition;
use agent_core::{FacilityMap, FormSet};
use chrono::NaiveDate;
use cli_sim::from_forms::FromForms;
use serde_json::{Value, json};
use sim_servers::faults::{FaultConfig, HostileKind};
use sim_servers::openlmis::{
    CONSUMED_REASON_ID, MockFacility, OpenLmisMock, OpenLmisMockConfig, RECEIPTS_REASON_ID,
};
use std::path::PathBuf;
use std::time::Duration;

/// HC01 (HP-001), which reports every form.
const FAC: &str = "e6799d64-d10d-4011-b8c2-0e4d4a3f65ce";
/// HC02 (HP-002).
const FAC2: &str = "64963d49-1ea8-4e0c-9859-4f81626f71f4";
/// The CHW program (quarterly LMIS periods).
const PROG: &str = "bdef25b8-ba8f-458a-ae59-18ae7ee15d8b";
/// C100, a CHW product.
const ORD: &str = "b88156af-a6de-4517-bd76-ac3edbd9f21b";
/// C200, a maternal product: not approved in the CHW program.
const MATERNAL_ORD: &str = "306ba0e1-0a62-4f7d-b5f9-9b9ab8ffd930";
const DAMAGE_REASON_ID: &str = "5b09202e-b8a7-4f77-9e0e-8156f8efc613";
/// `user-client:changeme`, the bootstrap web client (§3).
const USER_CLIENT: &str = "Basic dXNlci1jbGllbnQ6Y2hhbmdlbWU=";
/// `trusted-client:secret`.
const TRUSTED_CLIENT: &str = "Basic dHJ1c3RlZC1jbGllbnQ6c2VjcmV0";
/// Q2 2026 of the quarterly schedule.
const Q2_START: &str = "2026-04-01";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn fixtures() -> PathBuf {
    [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "agent-core",
        "tests",
        "fixtures",
        "openlmis",
    ]
    .iter()
    .collect()
}

/// The example forms and facility map, plus HC010 (code containing HC01).
fn config() -> OpenLmisMockConfig {
    let defs: Vec<FormDefinition> = cli_sim::EXAMPLE_FORMS
        .iter()
        .map(|(name, text)| FormDefinition::from_json(text, name).ok().unwrap())
        .collect();
    let forms = FormSet::new(defs).ok().unwrap();
    let facilities = FacilityMap::from_json(cli_sim::EXAMPLE_FACILITIES).unwrap();
    let mut c = OpenLmisMockConfig::from_forms(&forms, &facilities);
    let mut hc010: MockFacility = c.facilities[0].clone();
    hc010.id = "5d1c3f5e-2b0a-4c4e-9a53-7d0e8b6f1a10".to_string();
    hc010.code = "HC010".to_string();
    hc010.name = "Kalembo Annex".to_string();
    c.facilities.push(hc010);
    c.today = Some(date("2026-05-15"));
    c
}

fn start(c: OpenLmisMockConfig) -> OpenLmisMock {
    OpenLmisMock::start(c, 0).unwrap()
}

/// A response: status, headers (lower-case names) and JSON body (`Null` when not JSON).
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Result<Resp, ureq::Error> {
    let a = agent();
    let mut resp = match (method, body) {
        ("GET", _) => {
            let mut r = a.get(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()?
        }
        ("DELETE", _) => {
            let mut r = a.delete(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()?
        }
        (m, body) => {
            let mut r = if m == "PUT" { a.put(url) } else { a.post(url) };
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            match body {
                Some((content_type, bytes)) => {
                    r.header("Content-Type", content_type).send(bytes)?
                }
                None => r.send_empty()?,
            }
        }
    };
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let text = resp.body_mut().read_to_string()?;
    Ok(Resp {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    })
}

/// A client holding a token.
struct Client {
    base: String,
    token: String,
}

impl Client {
    fn login(mock: &OpenLmisMock) -> Client {
        let r = token(
            mock,
            USER_CLIENT,
            "username=administrator&password=password",
        );
        assert_eq!(r.status, 200, "{}", r.body);
        Client {
            base: mock.url(),
            token: r.body["access_token"].as_str().unwrap().to_string(),
        }
    }

    fn call(&self, method: &str, path: &str, extra: &[(&str, &str)], body: Option<&Value>) -> Resp {
        let auth = format!("Bearer {}", self.token);
        let mut headers = vec![("Authorization", auth.as_str())];
        headers.extend_from_slice(extra);
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        send(method, &format!("{}{path}", self.base), &headers, body).unwrap()
    }

    fn get(&self, path: &str) -> Resp {
        self.call("GET", path, &[], None)
    }

    /// Posts a stock event after checking it against `stockEventDto.json`.
    fn event(&self, body: &Value) -> Resp {
        assert_schema("stockmanagement/schemas/stockEventDto.json", body);
        self.call("POST", "/api/stockEvents", &[], Some(body))
    }
}

/// `POST /api/oauth/token?grant_type=password` with a form body.
fn token(mock: &OpenLmisMock, basic: &str, form: &str) -> Resp {
    send(
        "POST",
        &format!("{}/api/oauth/token?grant_type=password", mock.url()),
        &[("Authorization", basic)],
        Some((
            "application/x-www-form-urlencoded",
            form.as_bytes().to_vec(),
        )),
    )
    .unwrap()
}

/// Validates `value` against one of OpenLMIS's JSON schemas (siblings are
/// resolved by relative `$ref` from the file's location).
fn assert_schema(rel: &str, value: &Value) {
    let path = fixtures().join("schemas").join(rel);
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let index = compiler
        .compile(path.to_str().unwrap(), &mut schemas)
        .unwrap_or_else(|e| panic!("{rel} does not compile: {e:#}"));
    if let Err(e) = schemas.validate(value, index) {
        panic!("{value:#} does not match {rel}: {e:#}");
    }
}

/// The value without `null` members. Jackson writes `null` (e.g. `lot`,
/// `source`, `reasonFreeText`) where the upstream schemas declare an object
/// or a string without allowing null — the kind of drift §9 lists — so reads
/// are checked with the nulls left out.
fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

fn adjustment(orderable: &str, reason: &str, quantity: i64, occurred: &str) -> Value {
    json!({
        "facilityId": FAC,
        "programId": PROG,
        "signature": "HP-001 tablet",
        "documentNumber": "HP001-2026-0001",
        "lineItems": [{
            "orderableId": orderable,
            "quantity": quantity,
            "occurredDate": occurred,
            "reasonId": reason,
            "extraData": {"clientEventId": "4c1b8a46-6e7c-4b8e-9a47-1f1f0f3f7c01"},
        }],
    })
}

fn receipt(quantity: i64, occurred: &str) -> Value {
    adjustment(ORD, RECEIPTS_REASON_ID, quantity, occurred)
}

fn consumption(quantity: i64, occurred: &str) -> Value {
    adjustment(ORD, CONSUMED_REASON_ID, quantity, occurred)
}

fn key_of(v: &Value) -> &str {
    v["messageKey"].as_str().unwrap_or("")
}

#[test]
fn tokens_are_granted_refused_and_slide() {
    let mut c = config();
    c.token_ttl_secs = 1;
    let mock = start(c);
    let ok = token(
        &mock,
        USER_CLIENT,
        "username=administrator&password=password",
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    let t = &ok.body;
    assert!(agent_core::form::is_uuid(
        t["access_token"].as_str().unwrap()
    ));
    assert_eq!(t["token_type"], "bearer");
    assert_eq!(t["expires_in"], 0);
    assert_eq!(t["scope"], "read write");
    assert_eq!(t["username"], "administrator");
    let user_id = t["referenceDataUserId"].as_str().unwrap().to_string();

    // Parameters in the query string work too.
    let q = send(
        "POST",
        &format!(
            "{}/api/oauth/token?grant_type=password&username=administrator&password=password",
            mock.url()
        ),
        &[("Authorization", USER_CLIENT)],
        None,
    )
    .unwrap();
    assert_eq!(q.status, 200, "{}", q.body);

    let bad_client = token(
        &mock,
        "Basic dXNlci1jbGllbnQ6d3Jvbmc=",
        "username=administrator&password=password",
    );
    assert_eq!(bad_client.status, 401);
    assert_eq!(bad_client.body["error"], "invalid_client");
    let wrong_grant = token(
        &mock,
        TRUSTED_CLIENT,
        "username=administrator&password=password",
    );
    assert_eq!(wrong_grant.status, 401);
    assert_eq!(wrong_grant.body["error"], "unauthorized_client");
    let bad_password = token(&mock, USER_CLIENT, "username=administrator&password=nope");
    assert_eq!(bad_password.status, 400);
    assert_eq!(
        bad_password.body,
        json!({"error": "invalid_grant", "error_description": "Bad credentials"})
    );
    let service = send(
        "POST",
        &format!(
            "{}/api/oauth/token?grant_type=client_credentials",
            mock.url()
        ),
        &[("Authorization", TRUSTED_CLIENT)],
        None,
    )
    .unwrap();
    assert_eq!(service.status, 200);
    assert!(service.body.get("referenceDataUserId").is_none());

    // Missing and unknown tokens.
    let none = send("GET", &format!("{}/api/programs", mock.url()), &[], None).unwrap();
    assert_eq!(none.status, 401);
    assert_eq!(none.body["error"], "invalid_token");
    let unknown = send(
        "GET",
        &format!("{}/api/programs", mock.url()),
        &[(
            "Authorization",
            "Bearer 9d5e1c0a-0000-4000-8000-000000000000",
        )],
        None,
    )
    .unwrap();
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.body["error"], "invalid_token");

    // The token slides: used every 0.4 s it outlives its 1 s lifetime.
    let client = Client {
        base: mock.url(),
        token: t["access_token"].as_str().unwrap().to_string(),
    };
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(client.get("/api/programs").status, 200);
    }
    let by_query = send(
        "GET",
        &format!(
            "{}/api/users/{user_id}?access_token={}",
            mock.url(),
            client.token
        ),
        &[],
        None,
    )
    .unwrap();
    assert_eq!(by_query.status, 200);
    assert_eq!(by_query.body["homeFacilityId"], FAC);
    std::thread::sleep(Duration::from_millis(1100));
    let expired = client.get("/api/programs");
    assert_eq!(expired.status, 401);
    assert_eq!(expired.body["error"], "invalid_token");
    assert!(
        expired.body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    // expire_tokens forces the next call to fail.
    let fresh = Client::login(&mock);
    assert_eq!(fresh.get("/api/programs").status, 200);
    mock.expire_tokens();
    assert_eq!(fresh.get("/api/programs").status, 401);
    mock.stop();
}

#[test]
fn reference_data_has_the_upstream_shapes_and_traps() {
    let mock = start(config());
    let granted = token(
        &mock,
        USER_CLIENT,
        "username=administrator&password=password",
    );
    assert_eq!(granted.body["expires_in"], 1799);
    let c = Client::login(&mock);

    // §4, §9: the code filter is a case-insensitive substring.
    let found = c.get("/api/facilities?code=hc01");
    assert_eq!(found.status, 200);
    let codes: Vec<&str> = found.body["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["HC01", "HC010"]);
    assert_eq!(found.body["totalElements"], 2);

    let facility = c.get(&format!("/api/facilities/{FAC}")).body;
    assert_schema("referencedata/schemas/facility.json", &facility);
    assert_eq!(facility["type"]["code"], "health_post");
    let programs = facility["supportedPrograms"].as_array().unwrap();
    assert_eq!(programs.len(), 2);
    assert!(programs.iter().all(|p| p["supportActive"] == true));

    let all = c.get("/api/programs").body;
    assert!(all.is_array());
    assert_schema("referencedata/schemas/program.json", &all[0]);
    assert_eq!(
        c.get(&format!("/api/programs/{PROG}")).body["code"],
        "PRG-CHW"
    );

    let by_code = c.get("/api/orderables?exactCode=C100").body;
    assert_eq!(by_code["content"].as_array().unwrap().len(), 1);
    let orderable = &by_code["content"][0];
    assert_schema("referencedata/schemas/orderable.json", orderable);
    assert_eq!(orderable["id"], ORD);
    assert_eq!(orderable["meta"]["versionNumber"], 1);
    assert_eq!(
        c.get(&format!("/api/orderables/{ORD}")).body["productCode"],
        "C100"
    );
    assert_eq!(
        c.get(&format!("/api/orderables/{ORD}?versionNumber=2"))
            .status,
        404
    );
    let like = c.get("/api/orderables?code=c10").body;
    assert_eq!(like["content"].as_array().unwrap().len(), 9);

    let approved = c
        .get(&format!(
            "/api/facilities/{FAC}/approvedProducts?programId={PROG}"
        ))
        .body;
    let content = approved["content"].as_array().unwrap();
    assert_eq!(content.len(), 9);
    assert_eq!(content[0]["maxPeriodsOfStock"], 3.0);
    assert_schema("referencedata/schemas/approvedProductDto.json", &content[0]);

    let type_id = facility["type"]["id"].as_str().unwrap();
    let reasons = c
        .get(&format!(
            "/api/validReasons?program={PROG}&facilityType={type_id}&reasonType=DEBIT"
        ))
        .body;
    let list = reasons.as_array().unwrap();
    assert!(list.iter().all(|r| r["reason"]["reasonType"] == "DEBIT"));
    let consumed = list
        .iter()
        .find(|r| r["reason"]["id"] == CONSUMED_REASON_ID)
        .unwrap();
    assert_eq!(consumed["reason"]["tags"], json!(["consumed"]));
    assert_eq!(consumed["program"]["id"], PROG);
    assert_eq!(consumed["hidden"], false);
    let every = c.get("/api/stockCardLineItemReasons").body;
    assert_eq!(every.as_array().unwrap().len(), 13);

    let periods = c
        .get(&format!(
            "/api/processingPeriods?programId={PROG}&facilityId={FAC}"
        ))
        .body;
    let periods = periods["content"].as_array().unwrap();
    assert_eq!(periods.len(), 20);
    assert_eq!(periods[0]["name"], "Q1 2024");
    assert_eq!(periods[0]["processingSchedule"]["code"], "SCH-Q");
    assert_schema("referencedata/schemas/processingPeriod.json", &periods[0]);

    // Sources are nodes, not facilities (§4).
    let sources = c
        .get(&format!(
            "/api/validSources?programId={PROG}&facilityId={FAC}"
        ))
        .body;
    let nodes = sources["content"].as_array().unwrap();
    assert!(!nodes.is_empty());
    assert!(
        nodes
            .iter()
            .all(|n| n["node"]["id"] != n["node"]["referenceId"])
    );
    mock.stop();
}

#[test]
fn the_default_reasons_are_the_bootstrap_and_demo_data() {
    let demo = fixtures().join("examples/stockmanagement/demo-data");
    let reasons = OpenLmisMockConfig::default().reasons;
    let text =
        std::fs::read_to_string(demo.join("stockmanagement.stock_card_line_item_reasons.csv"))
            .unwrap();
    for row in text.trim_start_matches('\u{feff}').lines().skip(1) {
        let cols: Vec<&str> = row.split(',').collect();
        let r = reasons.iter().find(|r| r.id == cols[0]).unwrap();
        assert_eq!(r.name, cols[1]);
        assert_eq!(r.category, cols[3]);
        assert_eq!(r.reason_type, cols[4]);
        assert_eq!(r.free_text_allowed, cols[5] == "true");
    }
    let tags =
        std::fs::read_to_string(demo.join("stockmanagement.stock_card_line_item_reason_tags.csv"))
            .unwrap();
    for row in tags.lines().skip(1) {
        let (tag, id) = row.split_once(',').unwrap();
        let r = reasons.iter().find(|r| r.id == id).unwrap();
        // Consumed and Receipts keep only their bootstrap tag (module notes).
        if id != CONSUMED_REASON_ID && id != RECEIPTS_REASON_ID {
            assert!(r.tags.iter().any(|t| t == tag), "{id} lacks {tag}");
        }
    }
    let consumed = reasons.iter().find(|r| r.id == CONSUMED_REASON_ID).unwrap();
    assert_eq!(
        (consumed.reason_type.as_str(), consumed.tags.clone()),
        ("DEBIT", vec!["consumed".to_string()])
    );
}

#[test]
fn a_consumption_posted_twice_counts_twice() {
    let mock = start(config());
    let c = Client::login(&mock);
    let r = c.event(&receipt(100, "2026-04-01"));
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(agent_core::form::is_uuid(r.body.as_str().unwrap()));
    let first = c.event(&consumption(40, "2026-04-10"));
    let second = c.event(&consumption(40, "2026-04-10"));
    assert_eq!((first.status, second.status), (201, 201));
    assert_ne!(first.body, second.body, "two events, two ids");
    assert_eq!(mock.stock_on_hand(FAC, PROG, ORD), Some(20));
    let (start_q2, end_q2) = (date(Q2_START), date("2026-06-30"));
    assert_eq!(
        mock.tag_total(FAC, PROG, ORD, "consumed", start_q2, end_q2),
        -80
    );
    assert_eq!(
        mock.tag_total(FAC, PROG, ORD, "received", start_q2, end_q2),
        100
    );
    let range = c
        .get(&format!(
            "/api/stockCardRangeSummaries?programId={PROG}&facilityId={FAC}&startDate=2026-04-01&endDate=2026-06-30"
        ))
        .body;
    let summary = &range["content"][0];
    assert_eq!(summary["tags"]["consumed"], -80);
    assert_eq!(summary["tags"]["received"], 100);
    assert_schema(
        "stockmanagement/schemas/stockCardRangeSummary.json",
        summary,
    );
    assert_eq!(mock.events().len(), 3);
    let lines = mock.card_lines(FAC, PROG, ORD);
    assert_eq!(lines[2].effect, -40);
    assert_eq!(
        lines[2].extra_data["clientEventId"],
        "4c1b8a46-6e7c-4b8e-9a47-1f1f0f3f7c01"
    );
    mock.stop();
}

#[test]
fn a_physical_count_is_applied_once_per_resource_id() {
    let mock = start(config());
    let c = Client::login(&mock);
    assert_eq!(c.event(&receipt(100, "2026-04-01")).status, 201);
    let count = json!({
        "facilityId": FAC,
        "programId": PROG,
        "resourceId": "0c7d2a9e-3f41-4a8b-9d6e-5b1f2c3d4e5f",
        "lineItems": [{
            "orderableId": ORD,
            "quantity": 60,
            "occurredDate": "2026-04-30",
            "stockAdjustments": [{"reasonId": CONSUMED_REASON_ID, "quantity": 40}],
        }],
    });
    let first = c.event(&count);
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(mock.stock_on_hand(FAC, PROG, ORD), Some(60));
    let (s, e) = (date(Q2_START), date("2026-06-30"));
    assert_eq!(mock.tag_total(FAC, PROG, ORD, "consumed", s, e), -40);
    let events = mock.events();
    assert_eq!(
        events[1].physical_inventory_id.as_deref(),
        Some("0c7d2a9e-3f41-4a8b-9d6e-5b1f2c3d4e5f")
    );

    // §6.2: the resend is refused and changes nothing.
    let again = c.event(&count);
    assert_eq!(again.status, 400);
    assert_eq!(
        key_of(&again.body),
        "stockmanagement.error.physicalInventory.draft.submit"
    );
    assert!(
        again.body["message"]
            .as_str()
            .unwrap()
            .starts_with("This physical inventory draft has already been submitted")
    );
    assert_eq!(mock.stock_on_hand(FAC, PROG, ORD), Some(60));
    assert_eq!(mock.tag_total(FAC, PROG, ORD, "consumed", s, e), -40);
    assert_eq!(mock.events().len(), 2);

    // A physical inventory may name an orderable once.
    let mut twice = count.clone();
    twice["resourceId"] = json!("1d8e3b0f-4a52-4b9c-8e7f-6c2a3d4e5f60");
    let line = twice["lineItems"][0].clone();
    twice["lineItems"].as_array_mut().unwrap().push(line);
    let dup = c.event(&twice);
    assert_eq!(
        key_of(&dup.body),
        "stockmanagement.error.event.orderable.and.lot.duplication"
    );

    // The read path (§5.3): summary → card, in the upstream shapes.
    let summaries = c
        .get(&format!(
            "/api/v2/stockCardSummaries?programId={PROG}&facilityId={FAC}&orderableId={ORD}"
        ))
        .body;
    let summary = &summaries["content"][0];
    assert_schema(
        "stockmanagement/schemas/stockCardSummaryV2.json",
        &strip_nulls(summary),
    );
    assert_eq!(summary["stockOnHand"], 60);
    let card_id = summary["canFulfillForMe"][0]["stockCard"]["id"]
        .as_str()
        .unwrap();
    let card = c.get(&format!("/api/stockCards/{card_id}"));
    assert_eq!(card.status, 200);
    assert_schema(
        "stockmanagement/schemas/stockCard.json",
        &strip_nulls(&card.body),
    );
    for line in card.body["lineItems"].as_array().unwrap() {
        assert_schema("stockmanagement/schemas/lineItem.json", &strip_nulls(line));
    }
    let card = card.body;
    assert_eq!(card["stockOnHand"], 60);
    assert_eq!(card["lot"], Value::Null);
    let count_line = &card["lineItems"][1];
    // Read back like upstream: |60 − 100| with a synthetic reason.
    assert_eq!(count_line["quantity"], 40);
    assert_eq!(count_line["reason"]["name"], "Understock");
    assert_eq!(count_line["reason"]["reasonCategory"], "PHYSICAL_INVENTORY");
    assert_eq!(count_line["stockOnHand"], 60);
    assert_eq!(
        count_line["stockAdjustments"][0]["reason"]["id"],
        CONSUMED_REASON_ID
    );
    assert_eq!(count_line["stockAdjustments"][0]["quantity"], 40);
    assert_eq!(card["lineItems"][0]["reason"]["tags"], json!(["received"]));
    assert_eq!(
        card["lineItems"][0]["extraData"]["clientEventId"],
        "4c1b8a46-6e7c-4b8e-9a47-1f1f0f3f7c01"
    );
    // The stored line keeps the quantity as sent.
    assert_eq!(mock.card_lines(FAC, PROG, ORD)[1].quantity, 60);
    assert_eq!(mock.card_lines(FAC, PROG, ORD)[1].effect, -40);
    assert_eq!(
        c.get("/api/stockCards/7e0f5d2c-1111-4222-8333-944455556666")
            .status,
        404
    );
    mock.stop();
}

#[test]
fn invalid_events_are_rejected_whole() {
    let mock = start(config());
    let c = Client::login(&mock);
    assert_eq!(c.event(&receipt(100, "2026-04-01")).status, 201);

    let over = c.event(&consumption(150, "2026-04-02"));
    assert_eq!(over.status, 400);
    assert_eq!(
        key_of(&over.body),
        "stockmanagement.error.event.debit.quantity.exceed.stockOnHand"
    );
    // A valid receipt in the same event is not applied either.
    let mut both = receipt(10, "2026-04-02");
    both["lineItems"]
        .as_array_mut()
        .unwrap()
        .push(json!({"orderableId": ORD, "quantity": 500, "occurredDate": "2026-04-03", "reasonId": CONSUMED_REASON_ID}));
    assert_eq!(c.event(&both).status, 400);
    assert_eq!(mock.stock_on_hand(FAC, PROG, ORD), Some(100));

    // The server's date decides what is in the future.
    let tomorrow = c.event(&consumption(1, "2026-05-16"));
    assert_eq!(tomorrow.status, 400);
    assert_eq!(
        key_of(&tomorrow.body),
        "stockmanagement.error.event.occurredDate.in.future"
    );
    let date_header = tomorrow.header("date").unwrap().to_string();
    let served = chrono::DateTime::parse_from_rfc2822(&date_header).unwrap();
    assert_eq!(served.date_naive(), date("2026-05-15"));
    mock.set_today(Some(date("2026-05-16")));
    assert_eq!(c.event(&consumption(1, "2026-05-16")).status, 201);

    let negative = c.event(&consumption(-5, "2026-04-05"));
    assert_eq!(
        key_of(&negative.body),
        "stockmanagement.error.event.quantities.invalid"
    );
    let not_approved = c.event(&adjustment(
        MATERNAL_ORD,
        RECEIPTS_REASON_ID,
        5,
        "2026-04-05",
    ));
    assert_eq!(not_approved.status, 400);
    assert_eq!(
        key_of(&not_approved.body),
        "stockmanagement.error.event.orderable.not.in.approvedList"
    );
    let unknown_reason = c.event(&adjustment(
        ORD,
        "2f1e0d9c-8b7a-4a69-8584-736251403928",
        5,
        "2026-04-05",
    ));
    assert_eq!(
        key_of(&unknown_reason.body),
        "stockmanagement.error.event.reason.not.exist"
    );
    // A malformed id is a binding error in Spring's shape.
    let mut bad_id = receipt(5, "2026-04-05");
    bad_id["facilityId"] = json!("HC01");
    let bound = c.event(&bad_id);
    assert_eq!(bound.status, 400);
    assert_eq!(bound.body["error"], "Bad Request");
    assert_eq!(mock.stock_on_hand(FAC, PROG, ORD), Some(99));
    assert_eq!(mock.events().len(), 2);
    mock.stop();
}

#[test]
fn a_backdated_event_reorders_the_ledger() {
    let mock = start(config());
    let c = Client::login(&mock);
    assert_eq!(c.event(&receipt(100, "2026-04-10")).status, 201);
    assert_eq!(c.event(&consumption(30, "2026-04-20")).status, 201);
    assert_eq!(c.event(&receipt(50, "2026-04-05")).status, 201);
    let sohs = |m: &OpenLmisMock| -> Vec<(String, i64)> {
        m.card_lines(FAC, PROG, ORD)
            .iter()
            .map(|l| (l.occurred_date.to_string(), l.stock_on_hand))
            .collect()
    };
    assert_eq!(
        sohs(&mock),
        vec![
            ("2026-04-05".to_string(), 50),
            ("2026-04-10".to_string(), 150),
            ("2026-04-20".to_string(), 120),
        ]
    );
    // Inserting 60 consumed on 04-06 would take that point below zero.
    let early = c.event(&consumption(60, "2026-04-06"));
    assert_eq!(
        key_of(&early.body),
        "stockmanagement.error.event.debit.quantity.exceed.stockOnHand"
    );
    assert_eq!(c.event(&consumption(40, "2026-04-06")).status, 201);
    assert_eq!(
        sohs(&mock).iter().map(|s| s.1).collect::<Vec<_>>(),
        vec![50, 10, 110, 80]
    );
    // Same day, same event: the credit is applied before the debit.
    let mixed = json!({
        "facilityId": FAC,
        "programId": PROG,
        "lineItems": [
            {"orderableId": ORD, "quantity": 150, "occurredDate": "2026-04-25", "reasonId": CONSUMED_REASON_ID},
            {"orderableId": ORD, "quantity": 100, "occurredDate": "2026-04-25", "reasonId": RECEIPTS_REASON_ID},
            {"orderableId": ORD, "quantity": 3, "occurredDate": "2026-04-25", "reasonId": DAMAGE_REASON_ID},
        ],
    });
    assert_eq!(c.event(&mixed).status, 201);
    assert_eq!(mock.stock_on_hand(FAC, PROG, ORD), Some(27));
    let (s, e) = (date("2026-04-01"), date("2026-04-30"));
    assert_eq!(mock.tag_total(FAC, PROG, ORD, "adjustment", s, e), -3);
    mock.stop();
}

/// A PUT body: the requisition as read with every line filled in.
fn filled(req: &Value, explain: bool) -> Value {
    let mut body = req.clone();
    for l in body["requisitionLineItems"].as_array_mut().unwrap() {
        l["beginningBalance"] = json!(100);
        l["totalReceivedQuantity"] = json!(50);
        l["totalConsumedQuantity"] = json!(60);
        l["totalLossesAndAdjustments"] = json!(0);
        l["stockOnHand"] = json!(90);
        l["totalStockoutDays"] = json!(0);
        l["requestedQuantity"] = json!(100);
        if explain {
            l["requestedQuantityExplanation"] = json!("rainy season");
        }
    }
    body
}

#[test]
fn the_requisition_flow_and_the_double_accounting_trap() {
    let mock = start(config());
    let c = Client::login(&mock);
    let periods = c.get(&format!(
        "/api/requisitions/periodsForInitiate?programId={PROG}&facilityId={FAC}&emergency=false"
    ));
    assert_eq!(periods.status, 200);
    let q2 = periods
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["startDate"] == Q2_START)
        .unwrap()
        .clone();
    let q2_id = q2["id"].as_str().unwrap().to_string();
    assert_eq!(q2["name"], "Q2 2026");
    assert_eq!(q2["durationInMonths"], 3);

    let initiate = format!(
        "/api/requisitions/initiate?program={PROG}&facility={FAC}&emergency=false&suggestedPeriod={q2_id}"
    );
    let key = ("Idempotency-Key", "6f1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b");
    let created = c.call("POST", &initiate, &[key], None);
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert!(
        created
            .header("location")
            .unwrap()
            .ends_with(&format!("/api/requisitions/{id}"))
    );
    assert_eq!(created.body["status"], "INITIATED");
    assert_eq!(
        created.body["template"]["populateStockOnHandFromStockCards"],
        false
    );
    assert_eq!(
        created.body["requisitionLineItems"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    for line in created.body["requisitionLineItems"].as_array().unwrap() {
        assert_schema(
            "requisition/schemas/requisitionLineItemV2.json",
            &strip_nulls(line),
        );
    }

    // §6.4: the replay is a 409 without Location; the requisition must be looked up.
    let replay = c.call("POST", &initiate, &[key], None);
    assert_eq!(replay.status, 409);
    assert_eq!(
        key_of(&replay.body),
        "requisition.error.validation.idempotencyKey.alreadyUsed"
    );
    assert!(replay.header("location").is_none());
    let malformed = c.call("POST", &initiate, &[("Idempotency-Key", "abc")], None);
    assert_eq!(
        key_of(&malformed.body),
        "requisition.error.validation.idempotencyKey.wrongFormat"
    );
    let search = c.get(&format!(
        "/api/requisitions/search?facility={FAC}&program={PROG}&processingPeriod={q2_id}&emergency=false"
    ));
    assert_eq!(search.body["content"].as_array().unwrap().len(), 1);
    assert_eq!(search.body["content"][0]["id"], id.as_str());
    assert_eq!(search.body["content"][0]["status"], "INITIATED");
    let duplicate = c.call("POST", &initiate, &[], None);
    assert_eq!(duplicate.status, 400);
    assert_eq!(key_of(&duplicate.body), "requisition.error.duplication");

    let read = c.get(&format!("/api/requisitions/{id}"));
    assert_eq!(read.header("etag"), Some("W/\"1\""));
    let path = format!("/api/requisitions/{id}");

    let stale = c.call(
        "PUT",
        &path,
        &[("If-Match", "W/\"0\"")],
        Some(&filled(&read.body, true)),
    );
    assert_eq!(stale.status, 409);
    assert_eq!(
        key_of(&stale.body),
        "requisition.error.validation.versionMismatch"
    );
    let mut inconsistent = filled(&read.body, true);
    inconsistent["requisitionLineItems"][0]["stockOnHand"] = json!(91);
    let wrong_e = c.call("PUT", &path, &[], Some(&inconsistent));
    assert_eq!(
        wrong_e.body["requisitionLineItems"]["messageKey"],
        "requisition.error.validation.valueDoesNotMatchCalculatedValue"
    );
    let mut moved = filled(&read.body, true);
    moved["facility"]["id"] = json!(FAC2);
    let invariant = c.call("PUT", &path, &[], Some(&moved));
    assert_eq!(
        invariant.body["facility"]["messageKey"],
        "requisition.error.validation.isInvariant"
    );

    let unexplained = c.call(
        "PUT",
        &path,
        &[("If-Match", "W/\"1\"")],
        Some(&filled(&read.body, false)),
    );
    // The explanation rule (§7.2) is checked on submit, against the
    // server's own calculated order quantity: a PUT without it is saved.
    assert_eq!(unexplained.status, 200, "{}", unexplained.body);
    let saved = c.call(
        "PUT",
        &path,
        &[("If-Match", "W/\"2\"")],
        Some(&filled(&unexplained.body, true)),
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.header("etag"), Some("W/\"3\""));
    let line = &saved.body["requisitionLineItems"][0];
    // §7.3: E = 100 + 50 + 0 − 60, N = P = C, H = P × 3, I = H − E.
    assert_eq!(
        (
            &line["stockOnHand"],
            &line["adjustedConsumption"],
            &line["averageConsumption"]
        ),
        (&json!(90), &json!(60), &json!(60))
    );
    assert_eq!(
        (
            &line["maximumStockQuantity"],
            &line["calculatedOrderQuantity"],
            &line["total"]
        ),
        (&json!(180), &json!(90), &json!(150))
    );

    // Submit waits for the period end; a failed request burns its key.
    let submit = format!("/api/requisitions/{id}/submit");
    let early_key = ("Idempotency-Key", "7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
    let early = c.call("POST", &submit, &[early_key], None);
    assert_eq!(early.status, 400);
    assert_eq!(
        key_of(&early.body),
        "requisition.error.approve.errorPeriodEndDateWrong"
    );
    mock.set_today(Some(date("2026-07-01")));
    assert_eq!(c.call("POST", &submit, &[early_key], None).status, 409);
    let submitted = c.call(
        "POST",
        &submit,
        &[("Idempotency-Key", "8b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e")],
        None,
    );
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    assert_eq!(submitted.body["status"], "SUBMITTED");
    assert!(submitted.header("location").is_some());
    let resubmit = c.call("POST", &submit, &[], None);
    assert_eq!(
        key_of(&resubmit.body),
        "requisition.error.submit.mustBeInitiatedToBeSubmitted"
    );

    // The agent also posted its own consumption for the quarter...
    assert_eq!(c.event(&receipt(100, "2026-04-02")).status, 201);
    assert_eq!(c.event(&consumption(40, "2026-05-02")).status, 201);
    assert_eq!(
        c.call(
            "POST",
            &format!("/api/requisitions/{id}/authorize"),
            &[],
            None
        )
        .status,
        200
    );
    // ...and the approval of a non-stock-based requisition posts §7.5's count.
    mock.approve_requisition(&id);
    let requisitions = mock.requisitions();
    assert_eq!(requisitions[0]["status"], "APPROVED");
    let events = mock.events();
    assert_eq!(events.len(), 3);
    let pi = &events[2];
    assert!(pi.physical_inventory_id.is_some());
    assert_schema("stockmanagement/schemas/stockEventDto.json", &pi.body);
    let pi_line = pi.body["lineItems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["orderableId"] == ORD)
        .unwrap();
    assert_eq!(pi_line["quantity"], 90);
    assert_eq!(pi_line["occurredDate"], "2026-06-30");
    assert_eq!(
        pi_line["stockAdjustments"],
        json!([
            {"reasonId": CONSUMED_REASON_ID, "quantity": 60},
            {"reasonId": RECEIPTS_REASON_ID, "quantity": 50},
        ])
    );
    // The count overwrote SOH and the consumption is counted twice.
    assert_eq!(mock.stock_on_hand(FAC, PROG, ORD), Some(90));
    let (s, e) = (date(Q2_START), date("2026-06-30"));
    assert_eq!(mock.tag_total(FAC, PROG, ORD, "consumed", s, e), -100);
    assert_eq!(mock.tag_total(FAC, PROG, ORD, "received", s, e), 150);
    let last = mock.card_lines(FAC, PROG, ORD).pop().unwrap();
    assert!(last.is_physical_count());
    assert_eq!(last.event_id, pi.id);

    // An approved requisition's period is no longer offered, and it cannot be deleted.
    let after = c.get(&format!(
        "/api/requisitions/periodsForInitiate?programId={PROG}&facilityId={FAC}&emergency=false"
    ));
    assert!(
        after
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != q2_id.as_str())
    );
    assert_eq!(c.call("DELETE", &path, &[], None).status, 400);
    mock.stop();
}

#[test]
fn initiate_without_a_period_takes_the_oldest_free_one() {
    let mock = start(config());
    let c = Client::login(&mock);
    let initiate =
        format!("/api/requisitions/initiate?program={PROG}&facility={FAC2}&emergency=false");
    let first = c.call("POST", &initiate, &[], None);
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["processingPeriod"]["name"], "Q1 2024");
    let second = c.call("POST", &initiate, &[], None);
    assert_eq!(
        key_of(&second.body),
        "requisition.error.initiate.finishPreviousRequisition"
    );
    let periods = c.get(&format!(
        "/api/requisitions/periodsForInitiate?programId={PROG}&facilityId={FAC2}&emergency=false"
    ));
    let first_period = &periods.body[0];
    assert_eq!(first_period["requisitionId"], first.body["id"]);
    assert_eq!(first_period["requisitionStatus"], "INITIATED");
    let id = first.body["id"].as_str().unwrap();
    assert_eq!(
        c.call("DELETE", &format!("/api/requisitions/{id}"), &[], None)
            .status,
        204
    );
    assert_eq!(c.get(&format!("/api/requisitions/{id}")).status, 404);
    mock.stop();
}

#[test]
fn a_stock_based_requisition_is_filled_from_the_cards() {
    let mut cfg = config();
    cfg.stock_based_templates = vec![PROG.to_string()];
    let mock = start(cfg);
    let c = Client::login(&mock);
    assert_eq!(c.event(&receipt(100, "2026-03-20")).status, 201);
    assert_eq!(c.event(&consumption(30, "2026-04-10")).status, 201);
    assert_eq!(
        c.event(&adjustment(ORD, DAMAGE_REASON_ID, 5, "2026-04-15"))
            .status,
        201
    );
    assert_eq!(c.event(&receipt(20, "2026-05-01")).status, 201);
    let periods = c.get(&format!(
        "/api/requisitions/periodsForInitiate?programId={PROG}&facilityId={FAC}&emergency=false"
    ));
    let q2_id = periods
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["startDate"] == Q2_START)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let created = c.call(
        "POST",
        &format!(
            "/api/requisitions/initiate?program={PROG}&facility={FAC}&emergency=false&suggestedPeriod={q2_id}"
        ),
        &[],
        None,
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let body = created.body;
    assert_eq!(body["template"]["populateStockOnHandFromStockCards"], true);
    // Only products with a stock card get a line.
    let lines = body["requisitionLineItems"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    let l = &lines[0];
    assert_eq!(
        [
            &l["beginningBalance"],
            &l["totalReceivedQuantity"],
            &l["totalConsumedQuantity"],
            &l["totalLossesAndAdjustments"],
            &l["stockOnHand"],
            &l["totalStockoutDays"],
        ],
        [
            &json!(100),
            &json!(20),
            &json!(30),
            &json!(-5),
            &json!(85),
            &json!(0)
        ]
    );
    let id = body["id"].as_str().unwrap().to_string();
    let path = format!("/api/requisitions/{id}");
    let mut changed = body.clone();
    changed["requisitionLineItems"][0]["beginningBalance"] = json!(120);
    let refused = c.call("PUT", &path, &[], Some(&changed));
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.body["requisitionLineItems"]["messageKey"],
        "requisition.error.validation.stockBased.valueModified"
    );
    // A late event: C is recomputed on save, A and E are not (§7.4).
    assert_eq!(c.event(&consumption(10, "2026-05-02")).status, 201);
    let mut ok = body.clone();
    ok["requisitionLineItems"][0]["requestedQuantity"] = json!(50);
    ok["requisitionLineItems"][0]["requestedQuantityExplanation"] = json!("buffer");
    let saved = c.call("PUT", &path, &[], Some(&ok));
    assert_eq!(saved.status, 200, "{}", saved.body);
    let l = &saved.body["requisitionLineItems"][0];
    assert_eq!(
        (&l["totalConsumedQuantity"], &l["stockOnHand"]),
        (&json!(40), &json!(85))
    );
    // Approving a stock-based requisition writes nothing to the cards.
    mock.set_today(Some(date("2026-07-01")));
    assert_eq!(
        c.call("POST", &format!("{path}/submit"), &[], None).status,
        200
    );
    assert_eq!(
        c.call("POST", &format!("{path}/authorize"), &[], None)
            .status,
        200
    );
    let events_before = mock.events().len();
    let approved = c.call("POST", &format!("{path}/approve"), &[], None);
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.body["status"], "APPROVED");
    assert_eq!(mock.events().len(), events_before);
    mock.stop();
}

#[test]
fn a_dropped_answer_still_commits_the_event() {
    let mock = start(config());
    let c = Client::login(&mock);
    assert_eq!(c.event(&receipt(100, "2026-04-01")).status, 201);
    mock.faults().set(FaultConfig {
        rate_drop_after_commit: 1.0,
        ..FaultConfig::default()
    });
    let body = consumption(40, "2026-04-10");
    assert_schema("stockmanagement/schemas/stockEventDto.json", &body);
    let lost = send(
        "POST",
        &format!("{}/api/stockEvents", mock.url()),
        &[("Authorization", &format!("Bearer {}", c.token))],
        Some(("application/json", body.to_string().into_bytes())),
    );
    assert!(lost.is_err(), "the client saw no answer");
    mock.faults().set(FaultConfig::default());
    assert_eq!(mock.stock_on_hand(FAC, PROG, ORD), Some(60));
    assert_eq!(mock.events().len(), 2);
    assert_eq!(mock.stats().dropped_after_commit, 1);
    mock.stop();
}

#[test]
fn a_receive_names_a_node_and_without_a_reason_has_no_tag() {
    let mock = start(config());
    let c = Client::login(&mock);
    let receive = |source: &str| {
        json!({
            "facilityId": FAC,
            "programId": PROG,
            "lineItems": [{
                "orderableId": ORD,
                "quantity": 70,
                "occurredDate": "2026-04-03",
                "sourceId": source,
            }],
        })
    };
    // A facility id is not a node id (§4).
    let wrong = c.event(&receive(FAC2));
    assert_eq!(
        key_of(&wrong.body),
        "stockmanagement.error.event.source.not.in.validList"
    );
    let sources = c
        .get(&format!(
            "/api/validSources?programId={PROG}&facilityId={FAC}"
        ))
        .body;
    let node = sources["content"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["node"]["referenceId"] == FAC2)
        .unwrap()["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ok = c.event(&receive(&node));
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(mock.stock_on_hand(FAC, PROG, ORD), Some(70));
    // §7.4: a line without a reason counts toward no tag.
    let (s, e) = (date(Q2_START), date("2026-06-30"));
    assert_eq!(mock.tag_total(FAC, PROG, ORD, "received", s, e), 0);
    // A receive's reason must be a TRANSFER/CREDIT one.
    let mut with_receipts = receive(&node);
    with_receipts["lineItems"][0]["reasonId"] = json!(RECEIPTS_REASON_ID);
    assert_eq!(
        key_of(&c.event(&with_receipts).body),
        "stockmanagement.error.event.receive.reasonCategory.invalid"
    );
    mock.stop();
}

/// The raw status, content type and body of one answer (no JSON parsing).
fn send_raw(
    url: &str,
    method: &str,
    auth: Option<&str>,
    body: Option<&Value>,
) -> (u16, String, Vec<u8>) {
    let a = agent();
    let mut resp = match (method, body) {
        ("GET", _) => {
            let mut r = a.get(url);
            if let Some(v) = auth {
                r = r.header("Authorization", v);
            }
            r.call().unwrap()
        }
        (_, b) => {
            let mut r = a.post(url);
            if let Some(v) = auth {
                r = r.header("Authorization", v);
            }
            match b {
                Some(b) => r
                    .header("Content-Type", "application/json")
                    .send(b.to_string())
                    .unwrap(),
                None => r.send_empty().unwrap(),
            }
        }
    };
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, resp.body_mut().read_to_vec().unwrap())
}

#[test]
fn a_captive_portal_answers_sign_ins_and_look_ups_with_html_200() {
    let mock = start(config());
    let c = Client::login(&mock);
    mock.faults().set(FaultConfig {
        rate_portal: 1.0,
        ..FaultConfig::default()
    });
    let sign_in = format!(
        "{}/api/oauth/token?grant_type=password&username=administrator&password=password",
        mock.url()
    );
    let (status, ct, body) = send_raw(&sign_in, "POST", Some(USER_CLIENT), None);
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/html"), "{ct}");
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains(sim_servers::hostile::PORTAL_TITLE), "{text}");
    assert!(!text.contains("access_token"));
    let look_up = format!(
        "{}/api/v2/stockCardSummaries?programId={PROG}&facilityId={FAC}",
        mock.url()
    );
    let bearer = format!("Bearer {}", c.token);
    let (status, ct, _) = send_raw(&look_up, "GET", Some(&bearer), None);
    assert_eq!((status, ct.starts_with("text/html")), (200, true));
    // The event never reached the server.
    let (status, _, _) = send_raw(
        &format!("{}/api/stockEvents", mock.url()),
        "POST",
        Some(&bearer),
        Some(&receipt(100, "2026-04-01")),
    );
    assert_eq!(status, 200);
    assert!(mock.events().is_empty());
    assert_eq!(mock.stats().portal_answers, 3);
    mock.stop();
}

#[test]
fn a_hostile_answer_after_commit_hides_an_applied_event() {
    let mock = start(config());
    let c = Client::login(&mock);
    let bearer = format!("Bearer {}", c.token);
    let events = format!("{}/api/stockEvents", mock.url());
    let only_events = |after_commit: bool| FaultConfig {
        hostile: vec![HostileKind::WrongShape200],
        rate_hostile: 1.0,
        hostile_path: Some("/api/stockEvents".into()),
        hostile_method: Some("POST".into()),
        hostile_after_commit: after_commit,
        ..FaultConfig::default()
    };
    // Before commit: a proxy answered, the server never saw the event.
    mock.faults().set(only_events(false));
    let (status, _, body) = send_raw(
        &events,
        "POST",
        Some(&bearer),
        Some(&receipt(100, "2026-04-01")),
    );
    assert_eq!(
        (status, body.as_slice()),
        (200, br#"{"ok":true}"#.as_slice())
    );
    assert!(mock.events().is_empty());
    // Look-ups are not filtered: they answer normally.
    let summaries = c.get(&format!(
        "/api/v2/stockCardSummaries?programId={PROG}&facilityId={FAC}"
    ));
    assert_eq!(summaries.status, 200);
    // After commit: the server applied it, the client got the same garbage.
    mock.faults().set(only_events(true));
    let (status, _, body) = send_raw(
        &events,
        "POST",
        Some(&bearer),
        Some(&receipt(100, "2026-04-01")),
    );
    assert_eq!(
        (status, body.as_slice()),
        (200, br#"{"ok":true}"#.as_slice())
    );
    assert_eq!(mock.events().len(), 1);
    assert_eq!(mock.stock_on_hand(FAC, PROG, ORD), Some(100));
    let stats = mock.stats();
    assert_eq!(
        (stats.hostile_before_commit, stats.hostile_after_commit),
        (1, 1)
    );
    mock.stop();
}

#[test]
fn without_the_inventory_guard_a_resent_physical_count_is_applied_twice() {
    let mut cfg = config();
    cfg.inventory_guard = false;
    let mock = start(cfg);
    let c = Client::login(&mock);
    assert_eq!(c.event(&receipt(100, "2026-04-01")).status, 201);
    let count = json!({
        "facilityId": FAC,
        "programId": PROG,
        "resourceId": "0c7d2a9e-3f41-4a8b-9d6e-5b1f2c3d4e5f",
        "lineItems": [{
            "orderableId": ORD,
            "quantity": 60,
            "occurredDate": "2026-04-30",
            "stockAdjustments": [{"reasonId": CONSUMED_REASON_ID, "quantity": 40}],
        }],
    });
    assert_eq!(c.event(&count).status, 201);
    let again = c.event(&count);
    assert_eq!(again.status, 201, "{}", again.body);
    // Applied twice: two events, the consumption counted twice.
    assert_eq!(mock.events().len(), 3);
    let (s, e) = (date(Q2_START), date("2026-06-30"));
    assert_eq!(mock.tag_total(FAC, PROG, ORD, "consumed", s, e), -80);

    // The admin route turns the guard back on: the third send is refused.
    let settings = format!("{}/__admin/settings", mock.url());
    let (status, _, body) = send_raw(
        &settings,
        "POST",
        None,
        Some(&json!({"inventory_guard": true})),
    );
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"inventory_guard": true})
    );
    assert!(mock.inventory_guard());
    assert_eq!(c.event(&count).status, 400);
    assert_eq!(mock.events().len(), 3);
    let (status, _, _) = send_raw(&settings, "POST", None, Some(&json!({"guard": 1})));
    assert_eq!(status, 400);
    let (status, _, body) = send_raw(&settings, "GET", None, None);
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"inventory_guard": true})
    );
    mock.stop();
}

/// Issue 14: the physical inventory drafts the OpenLMIS UI uses
/// (openlmis-stockmanagement `api-definition.yaml` `/physicalInventories`;
/// the UI submits a draft as a stock event whose `resourceId` is the
/// draft's id): one open draft per facility and program, saved with its
/// lines, no longer a draft once submitted, and then applied once only.
#[test]
fn a_ui_draft_is_made_saved_and_submitted_as_a_stock_event() {
    let mock = start(config());
    let c = Client::login(&mock);
    let drafts = format!("/api/physicalInventories?program={PROG}&facility={FAC}&isDraft=true");
    let none = c.get(&drafts);
    assert_eq!((none.status, none.body.clone()), (200, json!([])));

    let made = c.call(
        "POST",
        "/api/physicalInventories",
        &[],
        Some(&json!({"programId": PROG, "facilityId": FAC})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["id"].as_str().unwrap().to_string();
    assert_eq!(made.body["isDraft"], json!(true));
    assert_eq!(made.body["lineItems"], json!([]));
    // One open draft per facility and program.
    let second = c.call(
        "POST",
        "/api/physicalInventories",
        &[],
        Some(&json!({"programId": PROG, "facilityId": FAC})),
    );
    assert_eq!(second.status, 400, "{}", second.body);

    let line = json!({
        "orderableId": ORD, "lotId": null, "quantity": 60,
        "extraData": {"vvmStatus": null},
        "stockAdjustments": [{"reason": {"id": CONSUMED_REASON_ID}, "quantity": 40}],
    });
    let saved = c.call(
        "PUT",
        &format!("/api/physicalInventories/{id}"),
        &[],
        Some(&json!({"id": id, "programId": PROG, "facilityId": FAC, "lineItems": [line]})),
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.body["lineItems"][0]["quantity"], json!(60));
    let listed = c.get(&drafts);
    assert_eq!(listed.body[0]["id"], json!(id));
    assert_eq!(listed.body[0]["lineItems"][0]["orderableId"], json!(ORD));
    // A line without its product is refused; another facility's draft is not this one.
    let bad = c.call(
        "PUT",
        &format!("/api/physicalInventories/{id}"),
        &[],
        Some(&json!({"programId": PROG, "facilityId": FAC, "lineItems": [{"quantity": 1}]})),
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    let elsewhere = c.get(&format!(
        "/api/physicalInventories?program={PROG}&facility={FAC2}&isDraft=true"
    ));
    assert_eq!(elsewhere.body, json!([]));

    // Submitted as the UI does: a stock event with the draft's id.
    let event = json!({
        "resourceId": id, "facilityId": FAC, "programId": PROG,
        "lineItems": [{
            "orderableId": ORD, "quantity": 60, "occurredDate": "2026-04-30",
            "stockAdjustments": [{"reasonId": CONSUMED_REASON_ID, "quantity": 40}],
        }],
    });
    let submitted = c.event(&event);
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    assert_eq!(mock.stock_on_hand(FAC, PROG, ORD), Some(60));
    assert_eq!(c.get(&drafts).body, json!([]));
    let all = c.get(&format!(
        "/api/physicalInventories?program={PROG}&facility={FAC}"
    ));
    assert_eq!(all.body[0]["isDraft"], json!(false));
    // Submitted once: the same draft again is refused (§6.2), and it can no
    // longer be saved or deleted as a draft.
    assert_eq!(c.event(&event).status, 400);
    let resave = c.call(
        "PUT",
        &format!("/api/physicalInventories/{id}"),
        &[],
        Some(&json!({"programId": PROG, "facilityId": FAC, "lineItems": [line]})),
    );
    assert_eq!(resave.status, 404);
    assert_eq!(
        c.call(
            "DELETE",
            &format!("/api/physicalInventories/{id}"),
            &[],
            None
        )
        .status,
        400
    );
    // A new draft can be made again, and deleted.
    let next = c.call(
        "POST",
        "/api/physicalInventories",
        &[],
        Some(&json!({"programId": PROG, "facilityId": FAC})),
    );
    assert_eq!(next.status, 201);
    let next_id = next.body["id"].as_str().unwrap();
    assert_eq!(
        c.call(
            "DELETE",
            &format!("/api/physicalInventories/{next_id}"),
            &[],
            None
        )
        .status,
        204
    );
    assert_eq!(c.get(&drafts).body, json!([]));
}
