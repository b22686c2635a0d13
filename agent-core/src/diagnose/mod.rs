//! The diagnostics bundle (issue 17): one small JSON document, gzipped, that
//! explains every stuck state of an outbox to whoever supports the device:
//! queue counts per state and destination, holds with their reasons and
//! kinds, the deliveries still to make (refused first) with their errors and
//! field problems, the last exchanges per destination with bodies truncated,
//! learned facts, schema and agent versions, the configuration with secrets
//! left out, and data use.
//!
//! No secret leaves in it. The configuration only ever names where secrets
//! are (an environment variable, a file); usernames are shown as "set". As a
//! second line of defence every text of the bundle is scrubbed before it is
//! written: the secret values the credential provider gives (passwords,
//! client secret, tokens, Basic header values), the values of
//! `Authorization`-style words (`Basic`, `Bearer`, `ApiToken`), token and
//! password fields of JSON and URL queries, and the credentials fingerprint
//! a hold keeps.
//!
//! Every SQL statement not already in `outbox` is in [`sql`].

use crate::config::AgentConfig;
use crate::credentials::CredentialProvider;
use crate::error::{AgentError, Result};
use crate::model::delivery::Destination;
use crate::store::diagnose as sql;
use crate::store::outbox::{self, DamagedCopy, DataUse, StateCount};
use crate::store::time::Time;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// The version of the bundle document.
pub const BUNDLE_FORMAT_VERSION: u32 = 1;

/// What a bundle holds, and how much of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Exchanges kept per destination (newest first).
    pub exchanges_per_destination: u32,
    /// Characters kept of each request and answer body.
    pub body_chars: usize,
    /// Deliveries still to make listed one by one (the rest are counted).
    pub open_deliveries: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            exchanges_per_destination: 10,
            body_chars: 600,
            open_deliveries: 40,
        }
    }
}

/// The bundle: a JSON document read by people and support tools,
/// versioned by `bundle_format`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// [`BUNDLE_FORMAT_VERSION`].
    pub bundle_format: u32,
    /// When it was made (UTC).
    pub created_at: String,
    /// The agent's name and version.
    pub agent: String,
    /// The outbox's schema version and the newest this agent knows.
    pub schema_version: i64,
    /// The newest schema version this build knows.
    pub schema_version_supported: i64,
    /// The database file: name, sizes, read-only, damaged copies.
    pub database: Value,
    /// Rows per main table.
    pub table_counts: BTreeMap<String, i64>,
    /// Forms in the outbox.
    pub forms: u64,
    /// Latest-revision deliveries per destination and state.
    pub queue: Vec<StateCount>,
    /// Every delivery (all revisions) per destination, state and "look up
    /// before sending".
    pub deliveries_all_revisions: Vec<Value>,
    /// When the oldest form with a delivery still to make was recorded.
    pub oldest_undelivered_at: Option<String>,
    /// When the last pass ended, when a form was last delivered.
    pub last_sync: Value,
    /// Per destination: hold, its reason and kind, backoff, failures, facts.
    pub destinations: Vec<Value>,
    /// Deliveries still to make (total).
    pub open_total: u64,
    /// The first of them, refused first, with errors and field problems.
    pub open: Vec<Value>,
    /// The last exchanges per destination, newest first, bodies truncated.
    pub exchanges: BTreeMap<String, Vec<Value>>,
    /// What syncing has cost.
    pub data_use: Vec<DataUse>,
    /// The configuration, secrets left out (absent when the agent was
    /// opened without one).
    pub configuration: Option<Value>,
    /// Whether credentials are available per destination (never their values).
    pub credentials: BTreeMap<String, String>,
}

/// Collects the bundle. `credentials` (if given) is asked only whether
/// credentials are available, and for the secret values to scrub.
pub fn collect(
    conn: &Connection,
    db_path: &Path,
    config: Option<&AgentConfig>,
    credentials: Option<&dyn CredentialProvider>,
    now: DateTime<Utc>,
    options: &Options,
) -> Result<Bundle> {
    let health = outbox::health(conn, now)?;
    let damaged: Vec<DamagedCopy> = outbox::damaged_copies(conn, db_path)?;
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).ok();
    let mut wal = db_path.as_os_str().to_owned();
    wal.push("-wal");
    let database = json!({
        "file": db_path.file_name().map(|n| n.to_string_lossy().into_owned()),
        "bytes": size(db_path),
        "wal_bytes": size(Path::new(&wal)),
        "read_only": conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false),
        "damaged_copies": damaged,
    });
    let (finished, delivered) = sql::last_sync(conn)?;
    let destinations = sql::destinations(conn)?
        .into_iter()
        .map(|d| {
            let mut facts: BTreeMap<String, Value> =
                serde_json::from_str(&d.facts).unwrap_or_default();
            // A salted Argon2 hash of refused credentials: kept on the device.
            for (k, v) in facts.iter_mut() {
                if k.contains("credentials") {
                    *v = Value::String("(kept on the device)".into());
                }
            }
            let kind = d.hold.as_ref().map(|_| {
                outbox::HoldKind::from_stored(facts.get("hold.kind").and_then(|v| v.as_str()))
            });
            json!({
                "destination": d.destination,
                "hold": d.hold,
                "hold_kind": kind,
                "held_at": d.held_at,
                "backoff_until": d.backoff_until,
                "failures": d.failures,
                "facts": facts,
            })
        })
        .collect();
    let (open_total, open_rows) = sql::open_deliveries(conn, options.open_deliveries)?;
    let mut open = Vec::new();
    for d in open_rows {
        let dest: Destination = d.destination.parse().map_err(crate::error::Error::from)?;
        let problems = outbox::problems_of(conn, &d.id, d.revision, dest)?;
        open.push(json!({
            "id": d.id,
            "revision": d.revision,
            "form": d.form,
            "facility": d.facility,
            "period": d.period,
            "destination": d.destination,
            "state": d.state,
            "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at,
            "last_error": d.last_error,
            "look_up_before_sending": d.unknown_outcome,
            "updated_at": d.updated_at,
            "field_problems": problems,
        }));
    }
    let mut secrets: Vec<String> = Vec::new();
    let mut creds = BTreeMap::new();
    if let Some(p) = credentials {
        for dest in Destination::ALL {
            let status = match p.credentials(dest) {
                Ok(Some(c)) => {
                    secrets.extend(c.secrets());
                    let kind = match c {
                        crate::credentials::Credentials::Basic { .. } => "username and password",
                        crate::credentials::Credentials::ApiToken { .. } => "access token",
                        crate::credentials::Credentials::OAuthPassword { .. } => {
                            "client, username and password"
                        }
                    };
                    format!("available ({kind})")
                }
                Ok(None) => "none configured".into(),
                Err(why) => format!("missing: {why}"),
            };
            creds.insert(dest.as_str().to_string(), status);
        }
    }
    let mut exchanges = BTreeMap::new();
    for dest in Destination::ALL {
        let rows = sql::last_exchanges(conn, dest.as_str(), options.exchanges_per_destination)?;
        let list = rows
            .into_iter()
            .map(|e| {
                // Scrubbed whole before truncation, so that no cut secret
                // escapes the scrub.
                let body = |b: Option<String>| {
                    b.map(|b| truncate(&scrub(&b, &secrets), options.body_chars))
                };
                json!({
                    "at": e.at,
                    "request": format!("{} {}", e.method, e.url),
                    "status": e.status,
                    "error": e.error,
                    "forms": e.items,
                    "bytes": [e.bytes_sent, e.bytes_received],
                    "duration_ms": e.duration_ms,
                    "request_body": body(e.request_body),
                    "response_body": body(e.response_body),
                })
            })
            .collect::<Vec<_>>();
        exchanges.insert(dest.as_str().to_string(), list);
    }
    let bundle = Bundle {
        bundle_format: BUNDLE_FORMAT_VERSION,
        created_at: Time(now).to_string(),
        agent: crate::net::http::AGENT_NAME.to_string(),
        schema_version: crate::store::migrations::version(conn)?,
        schema_version_supported: crate::store::migrations::latest_version(),
        database,
        table_counts: outbox::table_counts(conn)?,
        forms: health.submissions,
        queue: health.counts,
        deliveries_all_revisions: sql::delivery_counts(conn)?
            .into_iter()
            .map(|(d, s, u, n)| {
                json!({"destination": d, "state": s, "look_up_before_sending": u, "count": n})
            })
            .collect(),
        oldest_undelivered_at: health.oldest_undelivered_at.map(|t| Time(t).to_string()),
        last_sync: json!({"pass_finished_at": finished, "delivered_at": delivered}),
        destinations,
        open_total,
        open,
        exchanges,
        data_use: health.data_use,
        configuration: config.map(configuration),
        credentials: creds,
    };
    scrub_bundle(bundle, &secrets)
}

/// Every text of the bundle scrubbed (see the module doc).
fn scrub_bundle(bundle: Bundle, secrets: &[String]) -> Result<Bundle> {
    let mut value = serde_json::to_value(&bundle).map_err(AgentError::internal)?;
    scrub_value(&mut value, secrets);
    serde_json::from_value(value).map_err(AgentError::internal)
}

fn scrub_value(v: &mut Value, secrets: &[String]) {
    match v {
        Value::String(s) => {
            let clean = scrub(s, secrets);
            if clean != *s {
                *s = clean;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| scrub_value(x, secrets)),
        Value::Object(o) => o.values_mut().for_each(|x| scrub_value(x, secrets)),
        _ => {}
    }
}

/// Marker left where a secret was.
pub const SCRUBBED: &str = "(secret-removed)";

/// A text without the given secrets, without the value after `Basic`,
/// `Bearer` or `ApiToken`, and without the values of token, password and
/// secret fields (JSON `"key": "value"` and URL `key=value`).
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if s.chars().count() >= 3 && out.contains(s.as_str()) {
            out = out.replace(s.as_str(), SCRUBBED);
        }
    }
    for word in ["Basic ", "Bearer ", "ApiToken "] {
        out = redact_after(&out, word, |c| {
            c.is_ascii_alphanumeric() || "+/=._~-".contains(c)
        });
    }
    for key in [
        "access_token",
        "refresh_token",
        "id_token",
        "password",
        "client_secret",
        "token",
    ] {
        out = redact_json_field(&out, key);
        out = redact_after(&out, &format!("{key}="), |c| {
            c != '&' && !c.is_whitespace() && c != '"'
        });
    }
    out
}

/// Replaces the run of `keep` characters after each `word` by [`SCRUBBED`].
fn redact_after(text: &str, word: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(word) {
        let (head, tail) = rest.split_at(i + word.len());
        out.push_str(head);
        if let Some(after) = tail.strip_prefix(SCRUBBED) {
            out.push_str(SCRUBBED);
            rest = after;
            continue;
        }
        let end = tail.find(|c: char| !keep(c)).unwrap_or(tail.len());
        if end > 0 {
            out.push_str(SCRUBBED);
        } else {
            out.push_str(&tail[..end]);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Replaces the string value of `"key": "…"` (escaped quotes respected).
fn redact_json_field(text: &str, key: &str) -> String {
    let pat = format!("\"{key}\"");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(&pat) {
        let (head, tail) = rest.split_at(i + pat.len());
        out.push_str(head);
        let after = tail.trim_start();
        let Some(after_colon) = after.strip_prefix(':') else {
            rest = tail;
            continue;
        };
        let value = after_colon.trim_start();
        let Some(inner) = value.strip_prefix('"') else {
            rest = tail;
            continue;
        };
        // Find the closing quote, skipping escaped characters.
        let mut end = None;
        let mut escaped = false;
        for (j, c) in inner.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = Some(j);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            rest = tail;
            continue;
        };
        out.push_str(&tail[..tail.len() - inner.len()]);
        out.push_str(SCRUBBED);
        rest = &inner[end..];
    }
    out.push_str(rest);
    out
}

fn truncate(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        None => s.to_string(),
        Some((i, _)) => format!("{}… ({} characters in all)", &s[..i], s.chars().count()),
    }
}

/// A URL without query or fragment (a query may carry a token).
fn url_view(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_string()
}

fn secret_source(env: &Option<String>, file: &Option<std::path::PathBuf>) -> Value {
    match (env, file) {
        (Some(e), _) => json!(format!("from environment variable {e}")),
        (None, Some(f)) => json!(format!("from file {}", f.display())),
        (None, None) => Value::Null,
    }
}

/// The configuration as support needs it: addresses, settings, and where
/// each secret comes from, never a secret or a username.
pub fn configuration(c: &AgentConfig) -> Value {
    let set = |o: bool| if o { json!("set") } else { Value::Null };
    json!({
        "database": c.database.display().to_string(),
        "forms": c.forms.display().to_string(),
        "facilities": c.facilities.display().to_string(),
        "entry": {"max_period_age_months": c.entry.max_period_age_months},
        "dhis2": c.dhis2.as_ref().map(|d| json!({
            "url": url_view(&d.url),
            "username": set(d.username.is_some()),
            "password": secret_source(&d.password_env, &d.password_file),
            "token": secret_source(&d.token_env, &d.token_file),
            "batch_max_values": d.batch_max_values,
            "batch_max_bytes": d.batch_max_bytes,
            "connect_timeout_secs": d.connect_timeout_secs,
            "timeout_secs": d.timeout_secs,
            "gzip": d.gzip,
            "allow_insecure_http": d.allow_insecure_http,
            "ca_file": d.ca_file.as_ref().map(|p| p.display().to_string()),
        })),
        "lmis": c.lmis.as_ref().map(|l| json!({
            "kind": l.kind,
            "url": url_view(&l.url),
            "client_id": l.client_id,
            "client_secret": secret_source(&l.client_secret_env, &l.client_secret_file),
            "username": set(!l.username.is_empty()),
            "password": secret_source(&l.password_env, &l.password_file),
            "connect_timeout_secs": l.connect_timeout_secs,
            "timeout_secs": l.timeout_secs,
            "allow_insecure_http": l.allow_insecure_http,
            "ca_file": l.ca_file.as_ref().map(|p| p.display().to_string()),
        })),
    })
}

impl Bundle {
    /// The bundle as gzipped JSON (what `cli-sim diagnose --bundle` writes).
    pub fn to_gzip(&self) -> Result<Vec<u8>> {
        use std::io::Write;
        let json = serde_json::to_vec(self).map_err(AgentError::internal)?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&json).map_err(AgentError::internal)?;
        gz.finish().map_err(AgentError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_secrets_and_authorization_values() {
        let secrets = vec!["hunter 2!".to_string(), "s3cr3t".to_string()];
        let text = r#"{"password":"hunter 2!","access_token":"abc\"def","x":"Authorization: Basic dXNlcjpodW50ZXI=, Bearer eyJ.abc-def"} ?grant_type=password&password=hunter&client_secret=zzz s3cr3t"#;
        let out = scrub(text, &secrets);
        for gone in [
            "hunter",
            "abc",
            "dXNlcjpodW50ZXI=",
            "eyJ.abc-def",
            "zzz",
            "s3cr3t",
        ] {
            assert!(!out.contains(gone), "{gone} left in {out}");
        }
        assert!(
            out.contains("\"x\":\"Authorization: Basic (secret-removed)"),
            "{out}"
        );
        assert!(out.contains("grant_type=password&"), "{out}");
        // Scrubbing twice changes nothing more.
        assert_eq!(scrub(&out, &secrets), out);
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("abcdef", 3), "abc… (6 characters in all)");
        assert_eq!(truncate("ab", 3), "ab");
        assert_eq!(truncate("éééé", 2), "éé… (4 characters in all)");
    }
}
