//! The LMIS route: an interface that any LMIS can implement ([`LmisClient`]:
//! sign in, reference data, deliver, look up, requisitions), OpenLMIS v3 as
//! its first implementation ([`OpenLmisClient`]), and the route that
//! delivers the stock half of each form exactly once in effect against a
//! non-idempotent API ([`LmisRoute`]).
//!
//! Exactly once: every stock event is a physical count with a stable
//! `resourceId` (a resend is refused as "already submitted", contract §6.2)
//! and carries it as a marker at the end of its `documentNumber`, which the
//! LMIS copies onto every stock card line. Before the
//! route resends anything whose earlier attempt may have been applied, it
//! looks the event up on the stock cards and sends only when it is absent.

use crate::credentials::Credentials;
use crate::error::Error;
use crate::model::delivery::{FieldProblem, failure_message, refusal_line};
use crate::model::draft::Draft;
use crate::model::form::{FormDefinition, LmisMode, Movement};
use crate::model::i18n::Message;
use crate::model::period::{Period, PeriodType};
use crate::net::http::{HttpRequest, HttpResponse, basic_auth, encode_query};
use crate::routes::openlmis::{self, RefData, dto};
use crate::store::deliveries::{self, DueRow, mark_in_flight_tx, set_state};
use crate::store::destinations::destination_answered;
use crate::store::exchanges::HeldExchange;
use crate::store::outbox::{self, DeliveryState, Destination, derived_uuid};
use crate::sync::{
    DestinationReport, Failure, HoldKind, ItemRef, Pass, Rejection, Route, Step, apply_failure,
    store_problems,
};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::TransactionBehavior;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Settings of the LMIS route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LmisSettings {
    /// Base URL, without a trailing slash.
    pub url: String,
}

/// Why an LMIS call did not give a usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fail {
    /// No answer, or a server failure: try later. `maybe_sent`: it may have been applied.
    Transient {
        /// Plain words.
        why: String,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
        /// Whether the request may have been applied.
        maybe_sent: bool,
    },
    /// Credentials refused or missing rights: hold the destination.
    Auth(String),
    /// The address or configuration is wrong: hold the destination.
    Config(String),
    /// The LMIS refused the request (4xx with a reason in the contract's
    /// error shape).
    Refused {
        /// HTTP status.
        status: u16,
        /// The error body, read.
        error: openlmis::LmisError,
    },
    /// Something other than the LMIS answered (a redirect, a proxy's or
    /// portal's error page): hold the destination until a person looks.
    /// `maybe_sent`: the request may still have reached the LMIS.
    Intercepted {
        /// Plain words.
        why: String,
        /// Whether the request may have been applied.
        maybe_sent: bool,
    },
    /// Not sent: the pass's time ran out or it was cancelled. Nothing
    /// changes; the next pass carries on.
    NotStarted(String),
}

impl std::fmt::Display for Fail {
    /// Plain words, for reports and the configuration check.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Transient { why, .. } => write!(f, "{why}; try again later"),
            Fail::Auth(why) | Fail::Config(why) | Fail::NotStarted(why) => f.write_str(why),
            Fail::Intercepted { why, .. } => f.write_str(why),
            Fail::Refused { status, error } => write!(
                f,
                "the LMIS refused the request (HTTP {status}): {}",
                error.message
            ),
        }
    }
}

/// The result of a look-up for an event that may have been applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookUp {
    /// The LMIS holds it.
    Found,
    /// The LMIS does not hold it: send it.
    Absent,
}

/// What a success answer must look like, per the contract. A 2xx answer of
/// any other shape did not come from the LMIS (a captive portal's page, a
/// proxy's), or came cut: its outcome is unknown, never a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A JSON object with these members.
    Object(&'static [&'static str]),
    /// A Spring page (`content` array) or a bare array.
    Page,
    /// A bare JSON array (`/api/validReasons`).
    Array,
    /// 201 with the new resource's id as a bare JSON string (`POST
    /// /api/stockEvents`, contract §5.1).
    CreatedId,
}

impl Expect {
    /// Whether an answer has the expected shape.
    pub fn accepts(self, status: u16, v: &Value) -> bool {
        match self {
            Expect::Object(keys) => v
                .as_object()
                .is_some_and(|o| keys.iter().all(|k| o.contains_key(*k))),
            Expect::Page => v.is_array() || v.get("content").is_some_and(Value::is_array),
            Expect::Array => v.is_array(),
            Expect::CreatedId => {
                status == 201 && v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok())
            }
        }
    }
}

/// An answer in the contract's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body, parsed.
    pub json: Value,
    /// The `ETag` header, if any.
    pub etag: Option<String>,
}

/// The most stock cards one look-up reads. An event of the agent has no
/// lot, so it lands on the one card of its product without a lot; a look-up
/// that would read more is stopped (a server answering thousands of cards
/// cannot make one pass send thousands of requests).
pub const MAX_LOOKUP_CARDS: usize = 8;

/// What an LMIS must offer the route. OpenLMIS v3 is the first implementation.
pub trait LmisClient {
    /// Reference data for a facility and program (cached by the route).
    /// `facility_id`: the LMIS id from the facility map, when it has one
    /// (the facility is then read directly, without a search by code).
    /// Each resource (facility, program, orderable, approved products,
    /// reasons, periods) is asked for at most once per pass, whatever the
    /// number of facilities and programs sharing it.
    #[allow(clippy::too_many_arguments)]
    fn reference(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        facility_code: &str,
        facility_id: Option<&str>,
        program_id: &str,
        products: &[String],
        requisitions: bool,
    ) -> Result<Result<RefData, Fail>, Error>;
    /// Forgets the reference data read in this pass (the LMIS refused
    /// something that names it: ask again).
    fn forget_reference(&mut self) {}
    /// Sends one stock event; `Ok(Ok(()))` when it was applied now or before.
    fn deliver_event(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        body: &Value,
        rows: &[&DueRow],
    ) -> Result<Result<(), Fail>, Error>;
    /// Looks for an event by the marker its lines carry.
    fn look_up_event(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        facility_id: &str,
        program_id: &str,
        orderable_id: &str,
        marker: &str,
    ) -> Result<Result<LookUp, Fail>, Error>;
    /// The server's date, learned from its answers (devices' clocks drift).
    fn server_today(&self) -> Option<NaiveDate>;
    /// The LMIS's clock minus this device's (from the `Date` of an answer
    /// and the device's time when it arrived), when an answer told it.
    fn server_offset(&self) -> Option<chrono::Duration> {
        None
    }
    /// A call to the LMIS API: method, path, body, extra headers, and the
    /// shape a success answer must have.
    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        method: &'static str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
        rows: &[&DueRow],
        expect: Expect,
    ) -> Result<Result<Answer, Fail>, Error>;
}

/// A token cached for the life of the agent, never stored on disk.
pub type TokenCache = Arc<Mutex<Option<String>>>;

/// OpenLMIS v3 over its REST API (contract sections named in comments).
pub struct OpenLmisClient {
    settings: LmisSettings,
    credentials: Credentials,
    token: TokenCache,
    server_date: Option<NaiveDate>,
    /// The LMIS's clock minus this device's, from the same answer.
    server_offset: Option<chrono::Duration>,
    /// Reference answers read in this pass, by path: each is asked once.
    memo: BTreeMap<String, Value>,
    /// Orderables read in this pass, by product code (`None`: asked, unknown).
    orderables: BTreeMap<String, Option<(String, i64)>>,
}

impl std::fmt::Debug for OpenLmisClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenLmisClient")
            .field("url", &self.settings.url)
            .finish_non_exhaustive()
    }
}

fn transient_of(e: crate::net::http::TransportError) -> Fail {
    match e.kind {
        crate::net::http::TransportErrorKind::NotStarted => return Fail::NotStarted(e.message),
        // The certificate is not trusted: nothing was sent, and retrying
        // will not help until the configuration changes.
        crate::net::http::TransportErrorKind::Tls if !e.maybe_sent => {
            return Fail::Config(e.message);
        }
        _ => {}
    }
    Fail::Transient {
        why: e.message,
        retry_after: None,
        maybe_sent: e.maybe_sent,
    }
}

/// Plain words for an answer that did not come from the LMIS.
fn not_the_lmis(r: &HttpResponse) -> String {
    format!(
        "something between this device and the LMIS answered instead of it: {}. If this device reaches the internet through a hotspot or a proxy, open a web browser and sign in to it; if the LMIS address is wrong, correct it",
        crate::net::http::foreign_answer(r)
    )
}

impl OpenLmisClient {
    /// A client; the token cache is shared across passes.
    pub fn new(
        settings: LmisSettings,
        credentials: Credentials,
        token: TokenCache,
    ) -> OpenLmisClient {
        OpenLmisClient {
            settings,
            credentials,
            token,
            server_date: None,
            server_offset: None,
            memo: BTreeMap::new(),
            orderables: BTreeMap::new(),
        }
    }

    /// A reference GET, answered from this pass's memo when it was asked before.
    fn get_once(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        path: String,
        expect: Expect,
    ) -> Result<Result<Value, Fail>, Error> {
        self.get_once_as(pass, report, path.clone(), path, expect)
    }

    /// The same, remembered under `key`: one answer serves every path that
    /// has the same answer.
    fn get_once_as(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        key: String,
        path: String,
        expect: Expect,
    ) -> Result<Result<Value, Fail>, Error> {
        if let Some(v) = self.memo.get(&key) {
            return Ok(Ok(v.clone()));
        }
        Ok(
            match self.call(pass, report, "GET", &path, None, &[], &[], expect)? {
                Ok(a) => {
                    self.memo.insert(key, a.json.clone());
                    Ok(a.json)
                }
                Err(f) => Err(f),
            },
        )
    }

    fn learn_date(&mut self, r: &HttpResponse, device_now: DateTime<Utc>) {
        if let Some(d) = r.date() {
            self.server_date = Some(d.date_naive());
            self.server_offset = Some(d - device_now);
        }
    }

    /// Password grant with the configured client (contract §3); the token is
    /// kept in memory only.
    fn sign_in(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
    ) -> Result<Result<String, Fail>, Error> {
        let Credentials::OAuthPassword {
            client_id,
            client_secret,
            username,
            password,
        } = &self.credentials
        else {
            return Ok(Err(Fail::Config(
                "the LMIS needs a client id, client secret, username and password".into(),
            )));
        };
        let body = format!(
            "grant_type=password&username={}&password={}",
            encode_query(username),
            encode_query(password)
        );
        let req = HttpRequest {
            method: "POST",
            url: format!("{}/api/oauth/token?grant_type=password", self.settings.url),
            headers: vec![
                ("Authorization".into(), basic_auth(client_id, client_secret)),
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("Accept".into(), "application/json".into()),
            ],
            body: body.into_bytes(),
        };
        let result = pass.send(
            Destination::Lmis,
            &req,
            b"(sign-in: credentials not logged)",
            &[],
            report,
        )?;
        let r = match result {
            Ok(r) => r,
            Err(e) => return Ok(Err(transient_of(e))),
        };
        match r.status {
            200 => {
                let token = serde_json::from_slice::<Value>(&r.body)
                    .ok()
                    .and_then(|v| dto::decode::<dto::Token>(&v).ok())
                    .and_then(|t| t.access_token);
                match token {
                    Some(t) if !r.truncated => {
                        self.learn_date(&r, pass.clock.now());
                        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = Some(t.clone());
                        Ok(Ok(t))
                    }
                    // A portal's login page answers 200 to the sign-in too.
                    _ => Ok(Err(Fail::Transient {
                        why: format!("the LMIS sign-in got no token: {}", not_the_lmis(&r)),
                        retry_after: None,
                        maybe_sent: false,
                    })),
                }
            }
            400 | 401 if openlmis::refusal(&r.body).is_some() => {
                self.learn_date(&r, pass.clock.now());
                Ok(Err(Fail::Auth(format!(
                    "the LMIS refused the sign-in ({}). Check the username, password and client settings; the next sync tries again once they changed.",
                    openlmis::parse_error(&r.body)
                        .key
                        .unwrap_or_else(|| format!("HTTP {}", r.status))
                ))))
            }
            404 if openlmis::refusal(&r.body).is_some() => Ok(Err(Fail::Config(format!(
                "the LMIS address {} has no sign-in service (HTTP 404); check the address",
                self.settings.url
            )))),
            429 | 408 | 500..=599 => Ok(Err(Fail::Transient {
                why: format!("the LMIS sign-in failed (HTTP {})", r.status),
                retry_after: r.retry_after(pass.clock.now()),
                maybe_sent: false,
            })),
            _ => Ok(Err(Fail::Intercepted {
                why: not_the_lmis(&r),
                maybe_sent: false,
            })),
        }
    }
}

impl LmisClient for OpenLmisClient {
    fn server_today(&self) -> Option<NaiveDate> {
        self.server_date
    }

    fn server_offset(&self) -> Option<chrono::Duration> {
        self.server_offset
    }

    fn call(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        method: &'static str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
        rows: &[&DueRow],
        expect: Expect,
    ) -> Result<Result<Answer, Fail>, Error> {
        let bytes = body
            .map(|b| serde_json::to_vec(b).unwrap_or_default())
            .unwrap_or_default();
        let writes = method != "GET";
        for attempt in 0..2 {
            let cached = self.token.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let token = match cached {
                Some(t) => t,
                None => match self.sign_in(pass, report)? {
                    Ok(t) => t,
                    Err(f) => return Ok(Err(f)),
                },
            };
            let mut h = vec![
                ("Authorization".to_string(), format!("Bearer {token}")),
                ("Accept".to_string(), "application/json".to_string()),
            ];
            if body.is_some() {
                h.push(("Content-Type".into(), "application/json".into()));
            }
            h.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            let req = HttpRequest {
                method,
                url: format!("{}{path}", self.settings.url),
                headers: h,
                body: bytes.clone(),
            };
            let result = pass.send(Destination::Lmis, &req, &bytes, rows, report)?;
            let r = match result {
                Ok(r) => r,
                Err(e) => return Ok(Err(transient_of(e))),
            };
            let refusal = openlmis::refusal(&r.body).is_some();
            return Ok(match r.status {
                401 if attempt == 0 => {
                    // The token expired (sliding inactivity timeout): sign in once more.
                    *self.token.lock().unwrap_or_else(|p| p.into_inner()) = None;
                    continue;
                }
                401 => Err(Fail::Auth(
                    "the LMIS refused the sign-in twice; enter the credentials again".into(),
                )),
                403 if refusal => {
                    self.learn_date(&r, pass.clock.now());
                    Err(Fail::Auth(format!(
                        "the LMIS user may not do this ({}). Ask the LMIS administrator for the stock rights at this facility and its home facility.",
                        openlmis::parse_error(&r.body).message
                    )))
                }
                429 | 500..=599 | 408 => Err(Fail::Transient {
                    why: format!("the LMIS is busy or failing (HTTP {})", r.status),
                    retry_after: r.retry_after(pass.clock.now()),
                    maybe_sent: writes,
                }),
                404 if refusal && method == "GET" && path.starts_with("/api/requisitions/") => {
                    self.learn_date(&r, pass.clock.now());
                    Ok(Answer {
                        status: 404,
                        json: serde_json::from_slice(&r.body).unwrap_or(Value::Null),
                        etag: None,
                    })
                }
                404 if refusal => Err(Fail::Config(format!(
                    "the LMIS at {} does not know {path} (HTTP 404); check the address",
                    self.settings.url
                ))),
                s if (200..300).contains(&s) => {
                    let json = if r.truncated {
                        None
                    } else {
                        serde_json::from_slice::<Value>(&r.body).ok()
                    };
                    match json {
                        Some(json) if expect.accepts(s, &json) => {
                            // Only the LMIS's own answers set its date.
                            self.learn_date(&r, pass.clock.now());
                            Ok(Answer {
                                status: s,
                                json,
                                etag: r.header("etag").map(str::to_string),
                            })
                        }
                        // Not the LMIS's answer: its outcome is unknown.
                        _ => Err(Fail::Transient {
                            why: not_the_lmis(&r),
                            retry_after: None,
                            maybe_sent: writes,
                        }),
                    }
                }
                413 => Err(Fail::Intercepted {
                    why: format!(
                        "the request was too large for the LMIS or for a proxy in front of it ({}); ask the LMIS administrator to accept larger requests",
                        crate::net::http::foreign_answer(&r)
                    ),
                    maybe_sent: writes,
                }),
                s if (400..500).contains(&s) && refusal => {
                    self.learn_date(&r, pass.clock.now());
                    Err(Fail::Refused {
                        status: s,
                        error: openlmis::parse_error(&r.body),
                    })
                }
                // A redirect, or an error page that is not the LMIS's own.
                _ => Err(Fail::Intercepted {
                    why: not_the_lmis(&r),
                    maybe_sent: writes,
                }),
            });
        }
        Ok(Err(Fail::Auth(
            "the LMIS refused the sign-in; enter the credentials again".into(),
        )))
    }

    fn forget_reference(&mut self) {
        self.memo.clear();
        self.orderables.clear();
    }

    fn reference(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        facility_code: &str,
        facility_id: Option<&str>,
        program_id: &str,
        products: &[String],
        requisitions: bool,
    ) -> Result<Result<RefData, Fail>, Error> {
        let mut r = RefData::default();
        macro_rules! get {
            ($path:expr, $expect:expr) => {
                match self.get_once(pass, report, $path, $expect)? {
                    Ok(v) => v,
                    Err(f) => return Ok(Err(f)),
                }
            };
        }
        // The facility map's LMIS id is read directly (one request); the
        // answer must carry the map's code, or the id is not trusted.
        let mut full: Option<(String, dto::Facility)> = None;
        if let Some(id) = facility_id {
            match self.get_once(
                pass,
                report,
                format!("/api/facilities/{}", encode_query(id)),
                Expect::Object(&["id"]),
            )? {
                Ok(f) => match dto::decode::<dto::Facility>(&f) {
                    Ok(f) if f.code.as_deref() == Some(facility_code) => {
                        full = Some((id.to_string(), f));
                    }
                    // Another facility: search by code.
                    _ => {}
                },
                // An id the LMIS does not know: search by code.
                Err(Fail::Config(_)) => {}
                Err(f) => return Ok(Err(f)),
            }
        }
        if full.is_none() {
            // The code filter is a case-insensitive substring match: keep the exact one (§4).
            let facilities = get!(
                format!("/api/facilities?code={}", encode_query(facility_code)),
                Expect::Page
            );
            let found = dto::page_items::<dto::Facility>(&facilities)
                .into_iter()
                .find(|f| f.code.as_deref() == Some(facility_code))
                .and_then(|f| f.id);
            if let Some(id) = found {
                // The search answers the basic shape; the full facility has its
                // type and supported programs.
                let f = get!(
                    format!("/api/facilities/{}", encode_query(&id)),
                    Expect::Object(&["id"])
                );
                match dto::decode::<dto::Facility>(&f) {
                    Ok(f) => full = Some((id, f)),
                    Err(why) => return Ok(Err(unexpected(why))),
                }
            }
        }
        if let Some((id, f)) = full {
            r.facility_id = Some(id);
            r.facility_type_id = f.facility_type.and_then(|t| t.id);
            r.supported_programs = f
                .supported_programs
                .into_iter()
                .filter_map(|p| p.id)
                .collect();
        }
        let program = get!(
            format!("/api/programs/{}", encode_query(program_id)),
            Expect::Object(&["id"])
        );
        r.program_code = match dto::decode::<dto::Program>(&program) {
            Ok(p) => p.code,
            Err(why) => return Ok(Err(unexpected(why))),
        };
        // Only the codes not asked for yet in this pass, in one request.
        let missing: Vec<&String> = products
            .iter()
            .filter(|c| !self.orderables.contains_key(c.as_str()))
            .collect();
        if !missing.is_empty() {
            let codes: Vec<String> = missing
                .iter()
                .map(|c| format!("exactCode={}", encode_query(c)))
                .collect();
            let path = format!("/api/orderables?{}", codes.join("&"));
            let orderables =
                match self.call(pass, report, "GET", &path, None, &[], &[], Expect::Page)? {
                    Ok(a) => a.json,
                    Err(f) => return Ok(Err(f)),
                };
            for c in &missing {
                self.orderables.insert(c.to_string(), None);
            }
            for o in dto::page_items::<dto::Orderable>(&orderables) {
                let version = o.version();
                if let (Some(code), Some(id)) = (o.product_code, o.id) {
                    self.orderables.insert(code, Some((id, version)));
                }
            }
        }
        for c in products {
            if let Some(Some(o)) = self.orderables.get(c) {
                r.orderables.insert(c.clone(), o.clone());
            }
        }
        if let (Some(fid), Some(ftype)) = (r.facility_id.clone(), r.facility_type_id.clone()) {
            // The approved products are the facility type's (OpenLMIS's
            // facility type approved products; each answer names its
            // `facilityType`): one answer serves every facility of the type.
            let approved = match self.get_once_as(
                pass,
                report,
                format!("approved:{ftype}:{program_id}"),
                format!(
                    "/api/facilities/{fid}/approvedProducts?programId={}&fullSupply=true",
                    encode_query(program_id)
                ),
                Expect::Page,
            )? {
                Ok(v) => v,
                Err(f) => return Ok(Err(f)),
            };
            for a in dto::page_items::<dto::ApprovedProduct>(&approved) {
                if let Some(id) = a.orderable.and_then(|o| o.id) {
                    r.approved.insert(id, a.max_periods_of_stock.unwrap_or(3.0));
                }
            }
            let reasons = get!(
                format!(
                    "/api/validReasons?program={}&facilityType={}",
                    encode_query(program_id),
                    encode_query(&ftype)
                ),
                Expect::Array
            );
            r.reasons = openlmis::parse_valid_reasons(&reasons);
            if requisitions {
                let periods = get!(
                    format!(
                        "/api/processingPeriods?programId={}&facilityId={fid}&size=500",
                        encode_query(program_id)
                    ),
                    Expect::Page
                );
                for p in dto::page_items::<dto::ProcessingPeriod>(&periods) {
                    let d = |s: Option<String>| {
                        s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
                    };
                    if let (Some(id), Some(s), Some(e)) = (p.id, d(p.start_date), d(p.end_date)) {
                        r.periods.push((id, s, e));
                    }
                }
            }
        }
        Ok(Ok(r))
    }

    fn deliver_event(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        body: &Value,
        rows: &[&DueRow],
    ) -> Result<Result<(), Fail>, Error> {
        // Delivered only on the contract's success: 201 with the event's id.
        match self.call(
            pass,
            report,
            "POST",
            "/api/stockEvents",
            Some(body),
            &[],
            rows,
            Expect::CreatedId,
        )? {
            Ok(_) => Ok(Ok(())),
            // A physical count whose resourceId is already submitted: applied before (§6.2).
            Err(Fail::Refused { status: 400, error })
                if error.key.as_deref() == Some(openlmis::ALREADY_SUBMITTED) =>
            {
                report.already_applied += 1;
                Ok(Ok(()))
            }
            Err(f) => Ok(Err(f)),
        }
    }

    fn look_up_event(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        facility_id: &str,
        program_id: &str,
        orderable_id: &str,
        marker: &str,
    ) -> Result<Result<LookUp, Fail>, Error> {
        report.lookups += 1;
        let path = format!(
            "/api/v2/stockCardSummaries?programId={}&facilityId={}&orderableId={}",
            encode_query(program_id),
            encode_query(facility_id),
            encode_query(orderable_id)
        );
        let summaries = match self.call(pass, report, "GET", &path, None, &[], &[], Expect::Page)? {
            Ok(a) => a.json,
            Err(f) => return Ok(Err(f)),
        };
        // The agent's events carry no lot: only the product's card without
        // a lot can hold the marker (stock cards are per orderable and lot).
        let mut cards = Vec::new();
        for s in dto::page_items::<dto::StockCardSummary>(&summaries) {
            for c in s.can_fulfill_for_me {
                if c.lot.is_some_and(|l| l.id.is_some()) {
                    continue;
                }
                if let Some(id) = c.stock_card.and_then(|c| c.id) {
                    cards.push(id);
                }
            }
        }
        if cards.len() > MAX_LOOKUP_CARDS {
            return Ok(Err(Fail::Transient {
                why: format!(
                    "the LMIS listed {} stock cards without a lot for one product (one was expected); the look-up reads at most {MAX_LOOKUP_CARDS}, so nothing is sent until this is resolved: ask the LMIS administrator",
                    cards.len()
                ),
                retry_after: None,
                maybe_sent: false,
            }));
        }
        for card in cards {
            let v = match self.call(
                pass,
                report,
                "GET",
                &format!("/api/stockCards/{}", encode_query(&card)),
                None,
                &[],
                &[],
                Expect::Object(&["lineItems"]),
            )? {
                Ok(a) => a.json,
                Err(f) => return Ok(Err(f)),
            };
            let card = match dto::decode::<dto::StockCard>(&v) {
                Ok(c) => c,
                Err(why) => return Ok(Err(unexpected(why))),
            };
            let found = card
                .line_items
                .iter()
                .any(|l| openlmis::line_carries_marker(l, marker));
            if found {
                return Ok(Ok(LookUp::Found));
            }
        }
        Ok(Ok(LookUp::Absent))
    }
}

/// An answer the route could not read: nothing is known, try again later.
fn unexpected(why: String) -> Fail {
    Fail::Transient {
        why,
        retry_after: None,
        maybe_sent: false,
    }
}

/// A unit of work of the LMIS route.
#[derive(Debug, Clone)]
enum Work {
    /// The stock event of one form (stock-event mode).
    Event(DueRow),
    /// The requisition of one facility, program and LMIS period (requisition mode).
    Requisition {
        facility: String,
        program_id: String,
        period: Period,
        rows: Vec<DueRow>,
    },
}

/// The LMIS route: stock events in period order per facility and program
/// (one at a time; a refused one holds back the later ones of the same
/// facility and program), or requisitions per LMIS period.
pub struct LmisRoute<C: LmisClient> {
    client: C,
    plan: Option<VecDeque<Work>>,
    refs: BTreeMap<(String, String), Result<RefData, String>>,
    /// The later forms of each facility and program, in period order, planned
    /// one after the other as each head is delivered (no re-planning).
    queues: BTreeMap<(String, String), VecDeque<DueRow>>,
    /// Events durably marked "may have been applied" and not sent yet.
    armed: HashSet<(String, u32)>,
    /// Events the LMIS applied in this pass whose delivery is not written
    /// yet: written together (with their exchanges) when the next events
    /// are armed, after [`ARM_AHEAD`] of them, before any other write of
    /// the route and at the end of the pass. Each is still durably armed,
    /// so a pass killed before they are written costs a look-up each in the
    /// next pass, never a second event (ADR 0002, amendment of issue 14).
    unrecorded: Vec<Unrecorded>,
    /// How long cached reference data is used without asking again.
    max_age: chrono::Duration,
    /// (LMIS facility code, program) whose cached reference data the LMIS
    /// refused in this pass: read again, whatever its age.
    stale: HashSet<(String, String)>,
    /// Events resent once in this pass after a refusal that named reference
    /// data; a second refusal rejects them.
    resent: HashSet<(String, u32)>,
    /// The requisition step (requisition mode), given by whoever builds
    /// the route, so that this module does not import the requisition
    /// state machine that builds on it.
    requisitions: Option<RequisitionStep<C>>,
}

/// One step of requisition mode for a facility, program and LMIS period.
pub type RequisitionStep<C> = fn(
    &mut LmisRoute<C>,
    &mut Pass<'_>,
    &mut DestinationReport,
    &str,
    &str,
    Period,
    Vec<DueRow>,
) -> Result<Step, Error>;

/// Stock events marked together before the first of them is sent.
const ARM_AHEAD: usize = 16;

/// A stock event the LMIS applied, its delivery not written yet.
#[derive(Debug)]
struct Unrecorded {
    row: DueRow,
    /// When it was sent (its "sending" line in the audit trail).
    sent_at: DateTime<Utc>,
    /// When the LMIS's answer came (its "delivered" line).
    answered_at: DateTime<Utc>,
    /// Its exchanges (the event, a sign-in if one was needed).
    exchanges: Vec<HeldExchange>,
}

/// Whether a refusal's message key names reference data the agent cached
/// (an orderable, an approved product, a reason): the cache may be out of
/// date, so it is read again and the event sent once more.
pub fn names_reference_data(key: Option<&str>) -> bool {
    let k = key.unwrap_or("");
    k.starts_with("stockmanagement.error.")
        && (k.contains("orderable") || k.contains("approvedList") || k.contains("reason"))
}

impl<C: LmisClient> std::fmt::Debug for LmisRoute<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LmisRoute").finish_non_exhaustive()
    }
}

/// The `resourceId` of a revision's stock event.
pub fn event_resource_id(submission_id: &str, revision: u32) -> String {
    derived_uuid(&["lmis-event", submission_id, &revision.to_string()])
}

/// What the pass must do after a failure.
enum After {
    Continue,
    Stop,
}

impl<C: LmisClient> LmisRoute<C> {
    /// A route over an LMIS client.
    pub fn new(client: C) -> LmisRoute<C> {
        LmisRoute {
            client,
            plan: None,
            refs: BTreeMap::new(),
            queues: BTreeMap::new(),
            armed: HashSet::new(),
            unrecorded: Vec::new(),
            max_age: chrono::Duration::days(i64::from(
                crate::config::DEFAULT_LMIS_REFERENCE_MAX_AGE_DAYS,
            )),
            stale: HashSet::new(),
            resent: HashSet::new(),
            requisitions: None,
        }
    }

    /// The same route, using cached reference data for up to `days` days.
    pub fn with_reference_max_age(mut self, days: u32) -> LmisRoute<C> {
        self.max_age = chrono::Duration::days(i64::from(days));
        self
    }

    /// The same route, able to deliver programs in requisition mode.
    pub fn with_requisitions(mut self, step: RequisitionStep<C>) -> LmisRoute<C> {
        self.requisitions = Some(step);
        self
    }

    /// Applies a failure to the rows of a unit of work.
    fn fail(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        rows: &[&DueRow],
        f: Fail,
    ) -> Result<After, Error> {
        // Events the LMIS applied earlier in this pass are written first:
        // writing them marks the LMIS as answering, which must not wipe
        // the backoff (or Retry-After) this failure sets.
        self.record(pass)?;
        let dest = Destination::Lmis;
        let failure = match f {
            Fail::Transient {
                why,
                retry_after,
                maybe_sent,
            } => Failure::Retry {
                why: failure_message(&why),
                retry_after,
                maybe_sent,
            },
            // The LMIS route's reasons are still English text (issue 15:
            // not yet messages of their own); a transport failure is found
            // by its fixed words.
            Fail::Auth(why) => Failure::Hold {
                kind: HoldKind::Credentials,
                why: failure_message(&why),
                maybe_sent: false,
            },
            Fail::Config(why) => Failure::Hold {
                kind: HoldKind::Configuration,
                why: failure_message(&why),
                maybe_sent: false,
            },
            Fail::Intercepted { why, maybe_sent } => {
                report.failures.push(why.clone());
                // Sent, it may have reached the LMIS: looked up before any resend.
                Failure::Hold {
                    kind: HoldKind::Intercepted,
                    why: failure_message(&why),
                    maybe_sent,
                }
            }
            Fail::NotStarted(why) => Failure::NotSent(why),
            Fail::Refused { status, error } => {
                destination_answered(&pass.conn, dest)?;
                let problems = vec![FieldProblem {
                    field: "stock".into(),
                    code: error.key.clone(),
                    server_message: error.message.clone(),
                    advice: openlmis::advice_for(error.key.as_deref()).to_string(),
                    advice_msg: None,
                }];
                self.reject(pass, report, rows, problems, &format!("HTTP {status}"))?;
                return Ok(After::Continue);
            }
        };
        apply_failure(pass, report, dest, rows, failure)?;
        Ok(After::Stop)
    }

    fn reject(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        rows: &[&DueRow],
        problems: Vec<FieldProblem>,
        detail: &str,
    ) -> Result<(), Error> {
        let now = pass.clock.now();
        let dest = Destination::Lmis;
        // The LMIS's own refusal carries its HTTP status in `detail`; any
        // other reason is the agent's own check, made before sending.
        let by = if detail.contains("HTTP") {
            "refused by the LMIS"
        } else {
            "not sent to the LMIS"
        };
        let mut advice: Vec<&str> = Vec::new();
        for p in &problems {
            if !advice.contains(&p.advice.as_str()) {
                advice.push(p.advice.as_str());
            }
        }
        let summary = format!("{by}: {}", advice.join(" "));
        let tx = pass
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for r in rows {
            set_unknown(&tx, r, false)?;
            store_problems(&tx, (&r.submission_id, r.revision, dest), &problems)?;
            deliveries::set_state_text_msg(
                &tx,
                now,
                (&r.submission_id, r.revision, dest),
                (DeliveryState::Rejected, None),
                (&summary, &refusal_line(true, &problems)),
                "rejected",
                Some(detail),
            )?;
            report.rejected.push(Rejection {
                id: r.submission_id.clone(),
                revision: r.revision,
                whole: true,
                problems: problems.clone(),
            });
        }
        tx.commit()?;
        Ok(())
    }

    fn delivered(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        rows: &[&DueRow],
        detail: Option<&str>,
    ) -> Result<(), Error> {
        destination_answered(&pass.conn, Destination::Lmis)?;
        let now = pass.clock.now();
        // Not waiting for the disk: each row was durably marked "may have
        // been applied" before its request, so a write lost in a power cut
        // becomes a look-up in the next pass, never a second event.
        outbox::commit_relaxed(&mut pass.conn, |tx| {
            for r in rows {
                set_unknown(tx, r, false)?;
                store_problems(tx, (&r.submission_id, r.revision, Destination::Lmis), &[])?;
                set_state(
                    tx,
                    now,
                    (&r.submission_id, r.revision, Destination::Lmis),
                    DeliveryState::Delivered,
                    None,
                    None,
                    "delivered",
                    detail,
                )?;
            }
            Ok(())
        })?;
        for r in rows {
            report.delivered.push(ItemRef {
                id: r.submission_id.clone(),
                revision: r.revision,
            });
        }
        Ok(())
    }

    fn wait(
        &mut self,
        pass: &mut Pass<'_>,
        rows: &[&DueRow],
        why: &str,
        until: Option<DateTime<Utc>>,
    ) -> Result<(), Error> {
        let now = pass.clock.now();
        let tx = pass
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for r in rows {
            let (state, cur) = deliveries::state_and_error(
                &tx,
                (&r.submission_id, r.revision, Destination::Lmis),
            )?;
            if state == DeliveryState::Waiting && cur == why {
                continue;
            }
            set_state(
                &tx,
                now,
                (&r.submission_id, r.revision, Destination::Lmis),
                DeliveryState::Waiting,
                until,
                Some(why),
                "waiting",
                Some(why),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Reference data for a facility and program, fetched once per pass.
    fn refs_for(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        def: &FormDefinition,
        facility_code: &str,
    ) -> Result<Result<RefData, Fail>, Error> {
        let Some(lmis) = &def.lmis else {
            return Ok(Err(Fail::Config("the form has no LMIS part".into())));
        };
        let Some(f) = pass.facilities.get(facility_code).cloned() else {
            return Ok(Err(Fail::Config(format!(
                "facility {facility_code} is not in the facility map"
            ))));
        };
        let Some(code) = f.lmis_facility_code.clone() else {
            return Ok(Err(Fail::Config(format!(
                "facility {facility_code} has no LMIS code in the facility map"
            ))));
        };
        let key = (code.clone(), lmis.program_id.clone());
        let stale = self.stale.contains(&key);
        if !stale && let Some(Ok(r)) = self.refs.get(&key) {
            return Ok(Ok(r.clone()));
        }
        // Reference data fetched less than `max_age` ago (default 90 days) is
        // used as it is (it changes rarely and costs several requests) until
        // the LMIS refuses something it names; `lmis check` refreshes it. A
        // form definition that gained a product since it was fetched is
        // fetched again.
        let cache_key = crate::store::outbox::lmis_ref_key(&code, &lmis.program_id);
        if !stale
            && let Some(body) = crate::store::outbox::cache_get_fresh(
                &pass.conn,
                &cache_key,
                pass.clock.now(),
                self.max_age,
            )?
            && let Ok(r) = serde_json::from_str::<RefData>(&body)
            && r.facility_id.is_some()
            && def.products.iter().all(|p| {
                r.orderables.contains_key(p.lmis_code())
                    || r.asked_products.iter().any(|a| a == p.lmis_code())
            })
        {
            self.refs.insert(key, Ok(r.clone()));
            return Ok(Ok(r));
        }
        let products: Vec<String> = def
            .products
            .iter()
            .map(|p| p.lmis_code().to_string())
            .collect();
        // The products of every LMIS form, asked for in one request the
        // first time any is needed in this pass (the client remembers them).
        let mut all: Vec<String> = products.clone();
        for other in pass.forms.iter().filter(|d| d.lmis.is_some()) {
            for p in &other.products {
                let c = p.lmis_code().to_string();
                if !all.contains(&c) {
                    all.push(c);
                }
            }
        }
        let mut r = match self.client.reference(
            pass,
            report,
            &code,
            f.lmis_facility_id.as_deref(),
            &lmis.program_id,
            &all,
            lmis.mode == LmisMode::Requisition,
        )? {
            Ok(r) => r,
            Err(f) => return Ok(Err(f)),
        };
        self.stale.remove(&key);
        // This form's products only, as cached before.
        r.orderables.retain(|c, _| products.contains(c));
        // A product the LMIS does not have is not asked for again each pass
        // (the form is refused with the reason); one the definition gained
        // later is.
        r.asked_products = products;
        crate::store::outbox::cache_put(
            &pass.conn,
            &crate::store::outbox::lmis_ref_key(&code, &lmis.program_id),
            pass.clock.now(),
            &serde_json::to_string(&r)?,
        )?;
        self.refs.insert(key, Ok(r.clone()));
        Ok(Ok(r))
    }

    /// Builds the plan: stock events per facility and program in period
    /// order (head first), requisitions per LMIS period.
    fn plan(
        &mut self,
        pass: &mut Pass<'_>,
        _report: &mut DestinationReport,
    ) -> Result<VecDeque<Work>, Error> {
        let now = pass.clock.now();
        let rows = lmis_rows(&pass.conn)?;
        let mut events: BTreeMap<(String, String), Vec<Tagged>> = BTreeMap::new();
        let mut reqs: BTreeMap<(String, String, Period), Vec<DueRow>> = BTreeMap::new();
        // Forms whose definition, LMIS part or facility is gone from this
        // device (an administrator's change): set `waiting` with the reason
        // and what to do, never refused (no server saw them) nor left
        // pending without a word; released here, by themselves, once what
        // they need is back (issue 17).
        let mut cannot_build: Vec<(DueRow, Message)> = Vec::new();
        let set_aside: std::collections::BTreeSet<(String, u32)> =
            crate::store::stranded::unbuildable(&pass.conn, Destination::Lmis)?
                .into_iter()
                .map(|u| (u.submission_id, u.revision))
                .collect();
        let mut released: Vec<DueRow> = Vec::new();
        for (row, mut state, next) in rows {
            let aside = set_aside.contains(&(row.submission_id.clone(), row.revision));
            let missing = match pass.forms.get(&row.form_id) {
                None => Some(Message::new("stranded-form-gone").text("form", &row.form_id)),
                Some(d) if d.lmis.is_none() => Some(
                    Message::new("stranded-part-gone")
                        .text("form", &row.form_id)
                        .text("part", "LMIS"),
                ),
                Some(_) if pass.facilities.get(&row.facility).is_none() => {
                    Some(Message::new("stranded-facility-gone").text("facility", &row.facility))
                }
                Some(_) => None,
            };
            if let Some(why) = missing {
                // A refusal by the LMIS stands; one set aside here waits on.
                if state != DeliveryState::Rejected || aside {
                    cannot_build.push((row, why));
                }
                continue;
            }
            if aside {
                released.push(row.clone());
                state = DeliveryState::Pending;
            }
            let Some(def) = pass.forms.get(&row.form_id) else {
                continue;
            };
            let Some(lmis) = &def.lmis else { continue };
            let due = next.is_none_or(|n| n <= now) && state != DeliveryState::Rejected;
            match lmis.mode {
                LmisMode::StockEvent => {
                    events
                        .entry((row.facility.clone(), lmis.program_id.clone()))
                        .or_default()
                        .push(Work::tagged(row, state, due));
                }
                LmisMode::Requisition => {
                    let Ok(month) = Period::parse(&row.period) else {
                        continue;
                    };
                    let lp = Period::containing(lmis.period_type, month.start());
                    if state == DeliveryState::Rejected {
                        continue;
                    }
                    reqs.entry((row.facility.clone(), lmis.program_id.clone(), lp))
                        .or_default()
                        .push(row);
                }
            }
        }
        if !cannot_build.is_empty() || !released.is_empty() {
            let tx = pass
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (row, why) in &cannot_build {
                crate::store::stranded::wait_unbuildable(
                    &tx,
                    now,
                    (&row.submission_id, row.revision, Destination::Lmis),
                    &crate::model::delivery::kept_advice(why),
                    crate::store::stranded::CANNOT_BUILD,
                )?;
            }
            for row in &released {
                crate::store::stranded::release(
                    &tx,
                    now,
                    (&row.submission_id, row.revision, Destination::Lmis),
                )?;
            }
            tx.commit()?;
        }
        let mut plan = VecDeque::new();
        self.queues.clear();
        for ((facility, program), mut list) in events {
            list.sort_by(|a, b| {
                a.period_start()
                    .cmp(&b.period_start())
                    .then(a.submission_id.cmp(&b.submission_id))
            });
            // The earliest undelivered form of a facility and program goes
            // first; a refused one holds back the later ones.
            if let Some(head) = list.first() {
                if head.state == DeliveryState::Rejected {
                    let why = format!(
                        "held back: the LMIS refused the report for {} of this facility; correct it first",
                        head.period_iso()
                    );
                    let later: Vec<&DueRow> = list.iter().skip(1).map(|t| &t.row).collect();
                    self.wait(pass, &later, &why, None)?;
                    continue;
                }
                if head.due {
                    plan.push_back(Work::Event(head.row.clone()));
                }
                self.queues.insert(
                    (facility.clone(), program.clone()),
                    list.iter().skip(1).map(|t| t.row.clone()).collect(),
                );
                if list.len() > 1 {
                    // One constant reason, so that re-planning writes nothing new.
                    let why = "waiting for this facility's earlier reports to reach the LMIS first"
                        .to_string();
                    let later: Vec<&DueRow> = list.iter().skip(1).map(|t| &t.row).collect();
                    self.wait(pass, &later, &why, None)?;
                }
            }
        }
        for ((facility, program_id, period), rows) in reqs {
            plan.push_back(Work::Requisition {
                facility,
                program_id,
                period,
                rows,
            });
        }
        Ok(plan)
    }

    fn step_event(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        row: DueRow,
    ) -> Result<Step, Error> {
        let dest = Destination::Lmis;
        // A correction recorded during the pass supersedes this revision.
        let current =
            deliveries::state_if_latest(&pass.conn, (&row.submission_id, row.revision, dest))?;
        if !matches!(
            current,
            Some(DeliveryState::Pending | DeliveryState::InFlight | DeliveryState::Waiting)
        ) {
            return Ok(Step::Sent);
        }
        let Some(def) = pass.forms.get(&row.form_id).cloned() else {
            return Ok(Step::Sent);
        };
        let mismatched = self.refresh_if_mismatched(pass, &def, &row)?;
        let refs = match self.refs_for(pass, report, &def, &row.facility)? {
            Ok(r) => r,
            Err(f) => {
                return Ok(match self.fail(pass, report, &[&row], f)? {
                    After::Stop => Step::Stop,
                    After::Continue => Step::Sent,
                });
            }
        };
        let Some(facility) = pass.facilities.get(&row.facility).cloned() else {
            return Ok(Step::Sent);
        };
        let problems = openlmis::check_reference(&def, &facility, &refs);
        if !problems.is_empty() {
            return self.wait_mismatch(pass, &row, &problems);
        }
        if mismatched {
            self.release_mismatch(pass, &row)?;
        }
        let lmis = def.lmis.clone().unwrap_or_else(unreachable_lmis);
        let (reasons, _) =
            openlmis::resolve_reasons(&lmis.reasons.clone().unwrap_or_default(), &refs.reasons);
        let facility_id = refs.facility_id.clone().unwrap_or_default();
        let resource_id = event_resource_id(&row.submission_id, row.revision);
        // An earlier revision whose outcome is unknown is settled first.
        let delivered =
            match self.settle_earlier(pass, report, &row, &facility_id, &lmis.program_id, &def)? {
                Ok(d) => d,
                Err(f) => {
                    return Ok(match self.fail(pass, report, &[&row], f)? {
                        After::Stop => Step::Stop,
                        After::Continue => Step::Sent,
                    });
                }
            };
        let current: Draft = serde_json::from_str(&crate::store::outbox::revision_content(
            &pass.conn,
            &row.submission_id,
            row.revision,
        )?)?;
        // This revision may have been applied already: look before sending.
        if row.unknown_outcome || row.state == DeliveryState::InFlight {
            let first = lookup_orderable(&def, &current);
            match self.client.look_up_event(
                pass,
                report,
                &facility_id,
                &lmis.program_id,
                &first,
                &resource_id,
            )? {
                Ok(LookUp::Found) => {
                    report.found_by_lookup += 1;
                    self.delivered(
                        pass,
                        report,
                        &[&row],
                        Some("found in the LMIS by look-up; not sent again"),
                    )?;
                    return Ok(self.next_in_group(pass, &row));
                }
                Ok(LookUp::Absent) => {}
                Err(f) => {
                    return Ok(match self.fail(pass, report, &[&row], f)? {
                        After::Stop => Step::Stop,
                        After::Continue => Step::Sent,
                    });
                }
            }
        }
        let period = Period::parse(&row.period).map_err(|e| Error::Invariant(e.to_string()))?;
        let today = self
            .client
            .server_today()
            .unwrap_or_else(|| pass.clock.today());
        let occurred = period.end().min(today);
        let doc = format!("{} {} r{}", row.facility, row.period, row.revision);
        let body = match openlmis::stock_event(&openlmis::EventInput {
            facility_id: &facility_id,
            def: &def,
            current: &current,
            delivered: delivered.as_ref(),
            resource_id: &resource_id,
            occurred_date: occurred,
            reasons: &reasons,
            document_number: &doc,
        }) {
            Ok(b) => b,
            Err(why) => {
                let fp = vec![FieldProblem {
                    field: "stock".into(),
                    code: None,
                    server_message: why.clone(),
                    advice: "This correction cannot be sent to the LMIS automatically. Make the correction in the LMIS itself (ask your supervisor); nothing was sent.".into(),
                    advice_msg: None,
                }];
                self.reject(pass, report, &[&row], fp, "correction not expressible")?;
                return self.hold_back_group(pass, &row);
            }
        };
        if !row.unknown_outcome {
            self.arm(pass, &row)?;
        }
        self.armed
            .remove(&(row.submission_id.clone(), row.revision));
        let now = pass.clock.now();
        report.retries += u32::from(row.attempts > 0);
        report.events_sent += 1;
        // The "sending" mark and the exchange are written with the outcome,
        // not before it: what protects a resend is the durable arm above.
        pass.hold_exchanges();
        let sent = self.client.deliver_event(pass, report, &body, &[&row]);
        let exchanges = pass.take_held();
        let sent = match sent {
            Ok(s) => s,
            Err(e) => {
                // Written if it still can be; the pass ends with `e` anyway.
                let u = Unrecorded {
                    row,
                    sent_at: now,
                    answered_at: pass.clock.now(),
                    exchanges,
                };
                if let Err(w) =
                    outbox::commit_relaxed(&mut pass.conn, |tx| sent_without_outcome(tx, dest, &u))
                {
                    tracing::warn!("an LMIS exchange could not be logged: {w}");
                }
                return Err(e);
            }
        };
        if sent.is_ok() {
            report.delivered.push(ItemRef {
                id: row.submission_id.clone(),
                revision: row.revision,
            });
            self.unrecorded.push(Unrecorded {
                row: row.clone(),
                sent_at: now,
                answered_at: pass.clock.now(),
                exchanges,
            });
            if self.unrecorded.len() >= ARM_AHEAD {
                self.record(pass)?;
            }
            return Ok(self.next_in_group(pass, &row));
        }
        // Not applied (or not known to be): what was sent is written first.
        self.record(pass)?;
        let u = Unrecorded {
            row,
            sent_at: now,
            answered_at: pass.clock.now(),
            exchanges,
        };
        outbox::commit_relaxed(&mut pass.conn, |tx| sent_without_outcome(tx, dest, &u))?;
        let row = u.row;
        match sent {
            Ok(()) => Ok(Step::Sent),
            Err(Fail::Refused { error, .. })
                if names_reference_data(error.key.as_deref())
                    && self
                        .resent
                        .insert((row.submission_id.clone(), row.revision)) =>
            {
                // The LMIS refused something the cached reference data named
                // (a product, a reason): it may have changed since it was
                // read. Read it again and send once more; a second refusal
                // rejects the form as any other. A refusal applies nothing (§5.1).
                destination_answered(&pass.conn, dest)?;
                let why = format!(
                    "the LMIS refused a product or reason ({}); its reference data is read again and the report sent once more",
                    error.message
                );
                let tx = pass
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                set_unknown(&tx, &row, false)?;
                set_state(
                    &tx,
                    now,
                    (&row.submission_id, row.revision, dest),
                    DeliveryState::Pending,
                    None,
                    Some(&why),
                    "retry after reading reference data again",
                    Some(&why),
                )?;
                tx.commit()?;
                if let Some(code) = facility.lmis_facility_code.clone() {
                    self.stale.insert((code, lmis.program_id.clone()));
                }
                self.client.forget_reference();
                let mut again = row;
                again.unknown_outcome = false;
                again.state = DeliveryState::Pending;
                if let Some(plan) = self.plan.as_mut() {
                    plan.push_front(Work::Event(again));
                }
                Ok(Step::Sent)
            }
            Err(f) => {
                let sent = matches!(
                    &f,
                    Fail::Transient {
                        maybe_sent: true,
                        ..
                    }
                );
                if !sent && !row.unknown_outcome {
                    deliveries::set_unknown_outcome(
                        &pass.conn,
                        (&row.submission_id, row.revision, dest),
                        false,
                    )?;
                }
                match self.fail(pass, report, &[&row], f)? {
                    After::Stop => Ok(Step::Stop),
                    After::Continue => self.hold_back_group(pass, &row),
                }
            }
        }
    }

    fn group_of(pass: &Pass<'_>, row: &DueRow) -> Option<(String, String)> {
        let program = pass
            .forms
            .get(&row.form_id)?
            .lmis
            .as_ref()?
            .program_id
            .clone();
        Some((row.facility.clone(), program))
    }

    /// Durably marks `row`, and up to [`ARM_AHEAD`] − 1 events planned after
    /// it, as "may have been applied" before the first of them is sent: one
    /// wait for the disk for several events instead of one each. An event
    /// marked and then not sent in this pass is unmarked at the end of the
    /// pass ([`Route::finish`]); after a crash it costs one look-up.
    fn arm(&mut self, pass: &mut Pass<'_>, row: &DueRow) -> Result<(), Error> {
        let key = (row.submission_id.clone(), row.revision);
        if self.armed.contains(&key) {
            return Ok(());
        }
        let mut keys = vec![key];
        let fresh = |r: &DueRow| !r.unknown_outcome && r.state != DeliveryState::InFlight;
        let planned = self.plan.iter().flatten().filter_map(|w| match w {
            Work::Event(r) if fresh(r) => Some(r),
            _ => None,
        });
        let group = Self::group_of(pass, row)
            .and_then(|g| self.queues.get(&g))
            .into_iter()
            .flatten()
            .filter(|r| fresh(r));
        for r in planned.chain(group) {
            if keys.len() >= ARM_AHEAD {
                break;
            }
            let k = (r.submission_id.clone(), r.revision);
            if !self.armed.contains(&k) && !keys.contains(&k) {
                keys.push(k);
            }
        }
        // The deliveries of the events sent since the last arm are written
        // in the same transaction: one wait for the disk for both.
        let done = std::mem::take(&mut self.unrecorded);
        let tx = pass
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        record_tx(&tx, &done)?;
        for (id, rev) in &keys {
            deliveries::set_unknown_outcome(&tx, (id, *rev, Destination::Lmis), true)?;
        }
        tx.commit()?;
        if !done.is_empty() {
            destination_answered(&pass.conn, Destination::Lmis)?;
        }
        self.armed.extend(keys);
        Ok(())
    }

    /// Writes the deliveries of the events the LMIS applied that are not
    /// written yet (one transaction, not waiting for the disk: each is still
    /// armed, so a write lost in a power cut becomes a look-up).
    fn record(&mut self, pass: &mut Pass<'_>) -> Result<(), Error> {
        if self.unrecorded.is_empty() {
            return Ok(());
        }
        let done = std::mem::take(&mut self.unrecorded);
        outbox::commit_relaxed(&mut pass.conn, |tx| record_tx(tx, &done))?;
        destination_answered(&pass.conn, Destination::Lmis)
    }

    /// After a form of a facility and program is delivered, the next one of
    /// the same group (if any) is planned. Cost: constant, whatever the queue.
    fn next_in_group(&mut self, pass: &mut Pass<'_>, row: &DueRow) -> Step {
        if let Some(key) = Self::group_of(pass, row)
            && let Some(next) = self.queues.get_mut(&key).and_then(VecDeque::pop_front)
            && let Some(plan) = self.plan.as_mut()
        {
            plan.push_back(Work::Event(next));
        }
        Step::Sent
    }

    /// After a form was refused, the later forms of its facility and program
    /// wait for it to be corrected.
    fn hold_back_group(&mut self, pass: &mut Pass<'_>, row: &DueRow) -> Result<Step, Error> {
        let Some(key) = Self::group_of(pass, row) else {
            return Ok(Step::Sent);
        };
        let later: Vec<DueRow> = self.queues.remove(&key).map(Vec::from).unwrap_or_default();
        if !later.is_empty() {
            let period = Period::parse(&row.period)
                .map(|p| p.iso())
                .unwrap_or_else(|_| row.period.clone());
            let why = format!(
                "held back: the LMIS refused the report for {period} of this facility; correct it first"
            );
            let refs: Vec<&DueRow> = later.iter().collect();
            self.wait(pass, &refs, &why, None)?;
        }
        Ok(Step::Sent)
    }

    /// Whether this form waits because the LMIS's reference data did not
    /// match its definition or the facility map (issue 17). If so, and the
    /// reference data it was checked against is more than a day old, it is
    /// marked stale so that [`Self::refs_for`] fetches it again: a change
    /// in the LMIS (a product approved, a facility fixed) releases the form
    /// within a day, while a pass that runs every few minutes costs no
    /// request (issue 14). A local fix (facility map, form definition) is
    /// seen at the next pass: the check runs each pass on what is cached.
    fn refresh_if_mismatched(
        &mut self,
        pass: &mut Pass<'_>,
        def: &FormDefinition,
        row: &DueRow,
    ) -> Result<bool, Error> {
        if !crate::store::stranded::waits_for(
            &pass.conn,
            (&row.submission_id, row.revision, Destination::Lmis),
            crate::store::stranded::REFERENCE_MISMATCH,
        )? {
            return Ok(false);
        }
        let code = pass
            .facilities
            .get(&row.facility)
            .and_then(|f| f.lmis_facility_code.clone());
        if let (Some(lmis), Some(code)) = (&def.lmis, code)
            && outbox::cache_get_fresh(
                &pass.conn,
                &outbox::lmis_ref_key(&code, &lmis.program_id),
                pass.clock.now(),
                chrono::Duration::days(1),
            )?
            .is_none()
        {
            self.stale.insert((code, lmis.program_id.clone()));
        }
        Ok(true)
    }

    /// The LMIS's reference data does not match the form or the facility
    /// map: nothing is sent and no server refused it, so the form waits
    /// (never `rejected` by this device) with the problems and what to do,
    /// re-checked each pass and released by itself once they match
    /// (`release_mismatch`). Re-planning writes nothing while nothing
    /// changed. The later forms of its facility and program keep waiting
    /// for it ("earlier reports first", set by the plan).
    fn wait_mismatch(
        &mut self,
        pass: &mut Pass<'_>,
        row: &DueRow,
        problems: &[String],
    ) -> Result<Step, Error> {
        let why = Message::new("sync-wait-lmis-mismatch").text("problems", problems.join("; "));
        let tx = pass
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        crate::store::stranded::wait_unbuildable(
            &tx,
            pass.clock.now(),
            (&row.submission_id, row.revision, Destination::Lmis),
            &why,
            crate::store::stranded::REFERENCE_MISMATCH,
        )?;
        tx.commit()?;
        if let Some(key) = Self::group_of(pass, row) {
            self.queues.remove(&key);
        }
        Ok(Step::Sent)
    }

    /// A form that waited on a reference-data mismatch matches again: back
    /// in the queue (audited), then sent in this same step.
    fn release_mismatch(&mut self, pass: &mut Pass<'_>, row: &DueRow) -> Result<(), Error> {
        let tx = pass
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        crate::store::stranded::release_because(
            &tx,
            pass.clock.now(),
            (&row.submission_id, row.revision, Destination::Lmis),
            "the LMIS's reference data matches the form and the facility map again",
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Earlier revisions of this submission: the newest the LMIS holds (to
    /// send differences from), after settling any whose outcome is unknown.
    fn settle_earlier(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        row: &DueRow,
        facility_id: &str,
        program_id: &str,
        def: &FormDefinition,
    ) -> Result<Result<Option<Draft>, Fail>, Error> {
        let earlier = deliveries::earlier_revisions(
            &pass.conn,
            Destination::Lmis,
            &row.submission_id,
            row.revision,
        )?;
        let mut delivered: Option<Draft> = None;
        for deliveries::EarlierRevision {
            revision: rev,
            state,
            maybe_applied: unknown,
            content,
        } in earlier
        {
            if state == DeliveryState::Delivered {
                delivered = Some(serde_json::from_str(&content)?);
                continue;
            }
            if !unknown {
                continue;
            }
            let marker = event_resource_id(&row.submission_id, rev);
            let first = lookup_orderable(def, &serde_json::from_str(&content)?);
            let found = match self.client.look_up_event(
                pass,
                report,
                facility_id,
                program_id,
                &first,
                &marker,
            )? {
                Ok(l) => l,
                Err(f) => return Ok(Err(f)),
            };
            let now = pass.clock.now();
            let tx = pass
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            deliveries::set_unknown_outcome(
                &tx,
                (&row.submission_id, rev, Destination::Lmis),
                false,
            )?;
            if found == LookUp::Found {
                report.found_by_lookup += 1;
                set_state(
                    &tx,
                    now,
                    (&row.submission_id, rev, Destination::Lmis),
                    DeliveryState::Delivered,
                    None,
                    None,
                    "delivered",
                    Some("found in the LMIS by look-up"),
                )?;
                delivered = Some(serde_json::from_str(&content)?);
            } else {
                set_state(
                    &tx,
                    now,
                    (&row.submission_id, rev, Destination::Lmis),
                    DeliveryState::Superseded,
                    None,
                    None,
                    "superseded",
                    Some("not in the LMIS; a newer revision is sent instead"),
                )?;
            }
            tx.commit()?;
        }
        Ok(Ok(delivered))
    }
}

/// The product whose stock card a look-up reads for a revision: the first
/// product of the definition that has a line in that revision's event (a
/// closing balance), so the card can hold the event's marker even when the
/// definition gained a product since the revision was recorded.
fn lookup_orderable(def: &FormDefinition, revision: &Draft) -> String {
    def.products
        .iter()
        .find(|p| {
            revision
                .stock
                .get(&p.code)
                .is_some_and(|e| e.closing_balance.is_some())
        })
        .or_else(|| def.products.first())
        .map(|p| p.lmis_orderable_id.clone())
        .unwrap_or_default()
}

fn unreachable_lmis() -> crate::model::form::LmisTarget {
    crate::model::form::LmisTarget {
        kind: crate::model::form::LmisKind::Openlmis,
        program_id: String::new(),
        program_code: None,
        period_type: PeriodType::Quarterly,
        mode: LmisMode::StockEvent,
        reasons: None,
    }
}

/// Writes what one event that was sent left: its attempt, its "sending"
/// line and its exchanges (the outcome is written by the caller).
fn sent_without_outcome(
    tx: &rusqlite::Transaction,
    dest: Destination,
    u: &Unrecorded,
) -> Result<(), Error> {
    let r = &u.row;
    let (state, _) = deliveries::state_and_error(tx, (&r.submission_id, r.revision, dest))?;
    if state == DeliveryState::Superseded {
        // A correction recorded after this event was armed replaced it
        // (the row was still pending): it may not go back to in flight;
        // its attempt is counted and its exchanges logged, and the caller
        // settles it (a superseded revision may still become delivered).
        deliveries::count_attempt(tx, (&r.submission_id, r.revision, dest))?;
    } else {
        mark_in_flight_tx(tx, u.sent_at, dest, &[&u.row])?;
    }
    for e in &u.exchanges {
        e.log(tx)?;
    }
    Ok(())
}

/// Writes events the LMIS applied: each one's attempt, "sending" line and
/// exchanges, then its delivery (as [`LmisRoute::delivered`] does).
fn record_tx(tx: &rusqlite::Transaction, done: &[Unrecorded]) -> Result<(), Error> {
    let dest = Destination::Lmis;
    for u in done {
        sent_without_outcome(tx, dest, u)?;
        let r = &u.row;
        set_unknown(tx, r, false)?;
        store_problems(tx, (&r.submission_id, r.revision, dest), &[])?;
        set_state(
            tx,
            u.answered_at,
            (&r.submission_id, r.revision, dest),
            DeliveryState::Delivered,
            None,
            None,
            "delivered",
            None,
        )?;
    }
    Ok(())
}

fn set_unknown(tx: &rusqlite::Transaction, r: &DueRow, v: bool) -> Result<(), Error> {
    deliveries::set_unknown_outcome(tx, (&r.submission_id, r.revision, Destination::Lmis), v)
}

/// A row with its state and whether it is due.
#[derive(Debug, Clone)]
struct Tagged {
    row: DueRow,
    state: DeliveryState,
    due: bool,
}

impl std::ops::Deref for Tagged {
    type Target = DueRow;
    fn deref(&self) -> &DueRow {
        &self.row
    }
}

impl Tagged {
    fn period_start(&self) -> NaiveDate {
        Period::parse(&self.row.period)
            .map(|p| p.start())
            .unwrap_or(NaiveDate::MIN)
    }
    fn period_iso(&self) -> String {
        Period::parse(&self.row.period)
            .map(|p| p.iso())
            .unwrap_or_else(|_| self.row.period.clone())
    }
}

impl Work {
    fn tagged(row: DueRow, state: DeliveryState, due: bool) -> Tagged {
        Tagged { row, state, due }
    }
}

/// A delivery with its state and next attempt time.
type LmisRow = (DueRow, DeliveryState, Option<DateTime<Utc>>);

/// Every LMIS delivery of a latest revision still to deliver (pending, in
/// flight, waiting) or refused, with its state and next attempt time.
fn lmis_rows(conn: &rusqlite::Connection) -> Result<Vec<LmisRow>, Error> {
    use DeliveryState::*;
    // Without contents: the plan may hold every queued form; each content
    // is read when its event is built.
    Ok(crate::store::deliveries::delivery_rows(
        conn,
        Destination::Lmis,
        &[Pending, InFlight, Waiting, Rejected],
        None,
        crate::store::deliveries::RowSelect {
            content: false,
            ..crate::store::deliveries::RowSelect::ALL
        },
    )?
    .into_iter()
    .map(|(row, next)| {
        let state = row.state;
        (row, state, next)
    })
    .collect())
}

impl<C: LmisClient> Route for LmisRoute<C> {
    fn destination(&self) -> Destination {
        Destination::Lmis
    }

    fn finish(&mut self, pass: &mut Pass<'_>) -> Result<(), Error> {
        self.record(pass)?;
        // Events marked ahead but not sent in this pass: nothing to look up.
        let armed = std::mem::take(&mut self.armed);
        if armed.is_empty() {
            return Ok(());
        }
        outbox::commit_relaxed(&mut pass.conn, |tx| {
            for (id, rev) in &armed {
                deliveries::disarm(tx, (id, *rev, Destination::Lmis))?;
            }
            Ok(())
        })
    }

    fn step(&mut self, pass: &mut Pass<'_>, report: &mut DestinationReport) -> Result<Step, Error> {
        if self.plan.is_none() {
            let p = self.plan(pass, report)?;
            self.plan = Some(p);
        }
        let Some(work) = self.plan.as_mut().and_then(VecDeque::pop_front) else {
            self.record(pass)?;
            return Ok(Step::Idle);
        };
        // Only a plain new event goes on while earlier deliveries wait to be
        // written; anything else (a look-up, a requisition) comes after them.
        if !matches!(&work, Work::Event(r) if !r.unknown_outcome && r.state != DeliveryState::InFlight)
        {
            self.record(pass)?;
        }
        match work {
            Work::Event(row) => self.step_event(pass, report, row),
            Work::Requisition {
                facility,
                program_id,
                period,
                rows,
            } => match self.requisitions {
                Some(step) => step(self, pass, report, &facility, &program_id, period, rows),
                None => {
                    let refs: Vec<&DueRow> = rows.iter().collect();
                    self.apply_fail(
                        pass,
                        report,
                        &refs,
                        Fail::Config(
                            "this build of the agent cannot send requisitions; use the stock_event mode".into(),
                        ),
                    )
                }
            },
        }
    }
}

/// The route's internals the requisition module uses.
impl<C: LmisClient> LmisRoute<C> {
    pub(crate) fn client(&mut self) -> &mut C {
        &mut self.client
    }
    pub(crate) fn refs(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        def: &FormDefinition,
        facility: &str,
    ) -> Result<Result<RefData, Fail>, Error> {
        self.refs_for(pass, report, def, facility)
    }
    pub(crate) fn apply_fail(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        rows: &[&DueRow],
        f: Fail,
    ) -> Result<Step, Error> {
        Ok(match self.fail(pass, report, rows, f)? {
            After::Stop => Step::Stop,
            After::Continue => Step::Sent,
        })
    }
    pub(crate) fn apply_reject(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        rows: &[&DueRow],
        problems: Vec<FieldProblem>,
        detail: &str,
    ) -> Result<(), Error> {
        self.reject(pass, report, rows, problems, detail)
    }
    pub(crate) fn apply_delivered(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        rows: &[&DueRow],
        detail: Option<&str>,
    ) -> Result<(), Error> {
        self.delivered(pass, report, rows, detail)
    }
    pub(crate) fn apply_wait(
        &mut self,
        pass: &mut Pass<'_>,
        rows: &[&DueRow],
        why: &str,
        until: Option<DateTime<Utc>>,
    ) -> Result<(), Error> {
        self.wait(pass, rows, why, until)
    }
}

/// Reason ids by movement for a form, from reference data.
pub fn reasons_for(def: &FormDefinition, refs: &RefData) -> BTreeMap<Movement, String> {
    let names = def
        .lmis
        .as_ref()
        .and_then(|l| l.reasons.clone())
        .unwrap_or_default();
    openlmis::resolve_reasons(&names, &refs.reasons).0
}
