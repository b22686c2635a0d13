//! The agent's configuration file (`agent.toml`, described by
//! `schemas/agent-config.schema.json`): where the outbox, forms and facility
//! map are, and how to reach each destination.
//!
//! Secrets are never written in the file: it names the environment variable
//! (`password_env`) or the file (`password_file`) that holds them.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `[agent]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSection {
    /// The outbox database file.
    pub database: PathBuf,
    /// The folder of form definitions.
    pub forms: PathBuf,
    /// The facility map file.
    pub facilities: PathBuf,
    /// The language of the agent's messages (`en`, `fr`, `pt` or `sw`);
    /// English when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// Where a secret comes from: an environment variable or a file, never the config itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// Read from this environment variable.
    Env(String),
    /// Read from this file (its first line).
    File(PathBuf),
}

impl SecretSource {
    fn pick(
        env: &Option<String>,
        file: &Option<PathBuf>,
        what: &str,
    ) -> Result<Option<SecretSource>, Error> {
        match (env, file) {
            (Some(_), Some(_)) => Err(Error::Config(format!(
                "{what}: give either the _env or the _file setting, not both"
            ))),
            (Some(e), None) => Ok(Some(SecretSource::Env(e.clone()))),
            (None, Some(f)) => Ok(Some(SecretSource::File(f.clone()))),
            (None, None) => Ok(None),
        }
    }

    /// Reads the secret. `setting` names the setting without its suffix
    /// (`dhis2.password`). The error names the setting, never its value: a
    /// secret typed into `password_env` or `password_file` by mistake would
    /// otherwise be shown back as a variable or file name.
    pub fn read(&self, setting: &str) -> Result<String, Error> {
        match self {
            SecretSource::Env(name) => std::env::var(name).map_err(|_| {
                Error::Config(format!(
                    "the environment variable named in {setting}_env is not set (or is not text); set it to the secret. {setting}_env holds the variable's name, never the secret itself"
                ))
            }),
            SecretSource::File(path) => crate::files::read_capped_text(
                path,
                crate::files::MAX_SECRET_FILE_BYTES,
                "the secret file",
            )
            .map(|s| s.lines().next().unwrap_or("").trim().to_string())
            .map_err(|e| {
                // The io error's own words name no path.
                Error::Config(format!(
                    "the file named in {setting}_file cannot be read ({e}); put the secret on its first line. {setting}_file holds the file's path, never the secret itself"
                ))
            }),
        }
    }

    /// Refuses an `_env` setting that cannot be a variable name (a secret
    /// typed in by mistake, most likely), without repeating it.
    fn check_env_name(env: &Option<String>, setting: &str) -> Result<(), Error> {
        let Some(name) = env else { return Ok(()) };
        let mut chars = name.chars();
        let ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "{setting}_env is not the name of an environment variable (letters, digits and _ only, not starting with a digit). Put the secret in an environment variable and write that variable's name here, never the secret itself"
            )))
        }
    }
}

/// The `[dhis2]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dhis2Section {
    /// Base URL of the DHIS2 instance, e.g. `https://hmis.example.org`.
    pub url: String,
    /// Username for Basic authentication.
    #[serde(default)]
    pub username: Option<String>,
    /// Environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// File holding the password.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// Environment variable holding a personal access token (used instead of a password).
    #[serde(default)]
    pub token_env: Option<String>,
    /// File holding a personal access token.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// Most data values in one request (default 1000).
    #[serde(default)]
    pub batch_max_values: Option<usize>,
    /// Most bytes (before compression) in one request (default 512 KiB).
    #[serde(default)]
    pub batch_max_bytes: Option<usize>,
    /// Seconds to wait for a connection (default 20).
    #[serde(default)]
    pub connect_timeout_secs: Option<u64>,
    /// Seconds for a whole exchange once connected (default 120).
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Compress request bodies: absent = probe the server once and remember.
    #[serde(default)]
    pub gzip: Option<bool>,
    /// Allow a plain `http://` URL to a host other than this device (default
    /// false). Every sync then says that the traffic is not encrypted.
    #[serde(default)]
    pub allow_insecure_http: Option<bool>,
    /// A PEM file of certificate authorities trusted for this server in
    /// addition to the public ones (a private CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

/// The `[lmis]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LmisSection {
    /// The LMIS kind; `openlmis`.
    pub kind: String,
    /// Base URL.
    pub url: String,
    /// OAuth client id for the password grant (`user-client` in demo data).
    pub client_id: String,
    /// Environment variable holding the client secret.
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// File holding the client secret.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// The LMIS user.
    pub username: String,
    /// Environment variable holding the user's password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// File holding the user's password.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// Seconds to wait for a connection (default 20).
    #[serde(default)]
    pub connect_timeout_secs: Option<u64>,
    /// Seconds for a whole exchange once connected (default 120).
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Allow a plain `http://` URL to a host other than this device (default
    /// false). Every sync then says that the traffic is not encrypted.
    #[serde(default)]
    pub allow_insecure_http: Option<bool>,
    /// A PEM file of certificate authorities trusted for this server in
    /// addition to the public ones (a private CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Days cached reference data (facility, program, products, reasons)
    /// is used without asking the LMIS again (default
    /// [`DEFAULT_LMIS_REFERENCE_MAX_AGE_DAYS`]); a refusal that names it
    /// reads it again at once.
    #[serde(default)]
    pub reference_max_age_days: Option<u32>,
}

/// The default of `[lmis] reference_max_age_days`: a monthly reporter must
/// not download all reference data again each month.
pub const DEFAULT_LMIS_REFERENCE_MAX_AGE_DAYS: u32 = 90;
/// The largest `[lmis] reference_max_age_days` accepted (about ten years).
pub const MAX_LMIS_REFERENCE_MAX_AGE_DAYS: u32 = 3650;

/// The `[entry]` section: how drafts are checked at entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntrySection {
    /// A form whose period ended more than this many months before today
    /// gets a warning (a typing mistake in the month or year, most likely):
    /// saving it needs the user's confirmation. Absent: the default of
    /// [`DEFAULT_MAX_PERIOD_AGE_MONTHS`]; 0: never warn.
    #[serde(default)]
    pub max_period_age_months: Option<u32>,
}

/// The default of `[entry] max_period_age_months`: a year.
pub const DEFAULT_MAX_PERIOD_AGE_MONTHS: u32 = 12;
/// The largest `[entry] max_period_age_months` accepted (ten years); to
/// enter older records without a warning, set 0.
pub const MAX_MAX_PERIOD_AGE_MONTHS: u32 = 120;

impl EntrySection {
    /// How many months a period may have ended before today without a
    /// warning; `None` when the check is off.
    pub fn max_period_age_months(&self) -> Option<u32> {
        match self
            .max_period_age_months
            .unwrap_or(DEFAULT_MAX_PERIOD_AGE_MONTHS)
        {
            0 => None,
            n => Some(n),
        }
    }
}

/// The `[storage]` section: how long the outbox keeps what it delivered,
/// and its encryption at rest (issue 17).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSection {
    /// A revision delivered (every destination) more than this many days
    /// ago has its content dropped; its id, hash and delivery states stay
    /// (store::retention). Absent: [`DEFAULT_KEEP_DELIVERED_DAYS`]; 0: keep
    /// every content for good. Undelivered forms are never touched.
    #[serde(default)]
    pub keep_delivered_days: Option<u32>,
    /// Days the exchange log keeps each request and its answer (bodies
    /// included) before deleting them. Absent:
    /// [`DEFAULT_KEEP_EXCHANGES_DAYS`]; from [`MIN_KEEP_EXCHANGES_DAYS`] to
    /// [`MAX_KEEP_EXCHANGES_DAYS`]. The audit trail and the data use per
    /// pass are kept for good.
    #[serde(default)]
    pub keep_exchanges_days: Option<u32>,
    /// A file holding the outbox's raw 256-bit key (64 hexadecimal digits
    /// or 32 bytes), readable by its owner only (on a Pi: written by the
    /// installer, or by `systemd-creds decrypt` into `$CREDENTIALS_DIRECTORY`).
    /// Absent: the outbox is plain SQLite. A plain outbox is encrypted in
    /// place the first time a key is configured.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
}

/// The default of `[storage] keep_delivered_days`: 400 days, a year and a
/// month. A year's reports stay readable whole, so last year's same month
/// can be compared and corrected in full (DHIS2 data sets usually close
/// entry for a period within months, and annual reviews correct the year
/// just ended) and the resupply advice's history (a few months) is never
/// reached; what is dropped is older than any correction a district makes
/// in practice.
pub const DEFAULT_KEEP_DELIVERED_DAYS: u32 = 400;
/// The smallest `[storage] keep_delivered_days` accepted other than 0: a
/// month, so last month's report can always be corrected in full.
pub const MIN_KEEP_DELIVERED_DAYS: u32 = 31;
/// The largest `[storage] keep_delivered_days` accepted (ten years); 0
/// keeps contents for good.
pub const MAX_KEEP_DELIVERED_DAYS: u32 = 3650;

/// The default of `[storage] keep_exchanges_days`: 90 days, a reporting
/// quarter, enough to explain a late or refused report of the last months.
pub const DEFAULT_KEEP_EXCHANGES_DAYS: u32 = 90;
/// The smallest `[storage] keep_exchanges_days` accepted: a week, so that
/// support still sees last week's failures (the diagnostics bundle's last
/// exchanges come from this log).
pub const MIN_KEEP_EXCHANGES_DAYS: u32 = 7;
/// The largest `[storage] keep_exchanges_days` accepted: two years. The
/// log holds the forms' contents as sent, so it is never kept for good.
pub const MAX_KEEP_EXCHANGES_DAYS: u32 = 730;

impl StorageSection {
    /// Days the exchange log keeps a request and its answer.
    pub fn keep_exchanges_days(&self) -> u32 {
        self.keep_exchanges_days
            .unwrap_or(DEFAULT_KEEP_EXCHANGES_DAYS)
    }

    /// Days a delivered revision keeps its content; `None`: for good.
    pub fn keep_delivered_days(&self) -> Option<u32> {
        match self
            .keep_delivered_days
            .unwrap_or(DEFAULT_KEEP_DELIVERED_DAYS)
        {
            0 => None,
            n => Some(n),
        }
    }

    /// Reads the key named by `key_file` (`None` when there is none). On
    /// unix, a key file that its group or others may read is refused: a key
    /// anyone on the device can read protects nothing. The error names the
    /// setting and the file, never the key.
    pub fn read_key(&self) -> Result<Option<crate::model::key::OutboxKey>, Error> {
        let Some(path) = &self.key_file else {
            return Ok(None);
        };
        let unreadable = |e: std::io::Error| {
            Error::OutboxKey(format!(
                "the key file named in storage.key_file ({}) cannot be read ({e}); the outbox was not opened. Check the path and that this user owns the file",
                path.display()
            ))
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(unreadable)?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(Error::OutboxKey(format!(
                    "the key file named in storage.key_file ({}) can be read by other users (permissions {:o}); the outbox was not opened. Make it readable by its owner only: chmod 600 {}",
                    path.display(),
                    mode & 0o777,
                    path.display()
                )));
            }
        }
        let bytes =
            crate::files::read_capped(path, crate::files::MAX_SECRET_FILE_BYTES, "the key file")
                .map_err(unreadable)?;
        crate::model::key::OutboxKey::parse(&bytes)
            .map(Some)
            .map_err(|m| {
                Error::OutboxKey(format!(
                    "storage.key_file ({}): {m}; the outbox was not opened",
                    path.display()
                ))
            })
    }
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Local storage and definitions.
    pub agent: AgentSection,
    /// Checks at entry.
    #[serde(default)]
    pub entry: Option<EntrySection>,
    /// Retention of delivered forms, and encryption at rest.
    #[serde(default)]
    pub storage: Option<StorageSection>,
    /// The DHIS2 destination.
    #[serde(default)]
    pub dhis2: Option<Dhis2Section>,
    /// The LMIS destination.
    #[serde(default)]
    pub lmis: Option<LmisSection>,
}

/// A loaded configuration with every path resolved against the file's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    /// The outbox database file.
    pub database: PathBuf,
    /// The folder of form definitions.
    pub forms: PathBuf,
    /// The facility map file.
    pub facilities: PathBuf,
    /// The DHIS2 destination, if configured.
    pub dhis2: Option<Dhis2Section>,
    /// The LMIS destination, if configured.
    pub lmis: Option<LmisSection>,
    /// Checks at entry (the defaults when agent.toml has no `[entry]`).
    pub entry: EntrySection,
    /// `[storage]`: retention (the defaults when agent.toml has no
    /// `[storage]`) and the outbox's key file (none: a plain outbox).
    pub storage: StorageSection,
    /// `[agent] locale`: the language of the agent's messages (English
    /// when `None`).
    pub locale: Option<String>,
}

fn check_url(what: &str, url: &str) -> Result<(), Error> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(Error::Config(format!(
            "{what}.url '{url}' must start with https:// (or http:// for a local test server)"
        )));
    }
    if url.contains('@') {
        return Err(Error::Config(format!(
            "{what}.url must not contain credentials; use the username and password settings"
        )));
    }
    if url_host(url).is_none_or(|h| h.is_empty()) {
        return Err(Error::Config(format!(
            "{what}.url '{url}' is not a server address; write it as https://server.example.org"
        )));
    }
    Ok(())
}

/// The bounds and defaults of the timeout settings are the transport's own.
pub use crate::net::http::{
    DEFAULT_CONNECT_TIMEOUT_SECS, DEFAULT_EXCHANGE_TIMEOUT_SECS, MAX_CONNECT_TIMEOUT_SECS,
    MAX_EXCHANGE_TIMEOUT_SECS,
};

/// The host of a URL, without brackets or port; `None` if it has none.
fn url_host(url: &str) -> Option<String> {
    let uri = ureq::http::Uri::try_from(url).ok()?;
    let host = uri.host()?;
    Some(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase(),
    )
}

/// Whether `url` is plain `http://` to a host other than this device
/// (127.0.0.0/8, ::1, localhost). Such traffic crosses a network unencrypted.
pub fn is_clear_text_to_network(url: &str) -> bool {
    if !url.to_ascii_lowercase().starts_with("http://") {
        return false;
    }
    let Some(host) = url_host(url) else {
        return true;
    };
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !loopback
}

/// Refuses clear text to another machine unless the section allows it.
fn check_clear_text(what: &str, url: &str, allow: Option<bool>) -> Result<(), Error> {
    if is_clear_text_to_network(url) && allow != Some(true) {
        return Err(Error::Config(format!(
            "{what}.url uses plain http:// to another machine, so passwords and reports would cross the network unencrypted. Use https:// (for a server whose certificate comes from a private certificate authority, also set {what}.ca_file to that authority's PEM file), or, only on a network you trust, set allow_insecure_http = true in [{what}]"
        )));
    }
    Ok(())
}

/// The warning every sync shows for allowed clear text to another machine.
fn clear_text_warning(name: &str, url: &str, allow: Option<bool>) -> Option<String> {
    (allow == Some(true) && is_clear_text_to_network(url)).then(|| {
        format!(
            "{name} is reached over plain http:// (allow_insecure_http = true): passwords and reports cross the network unencrypted. Switch to https:// as soon as the server offers it"
        )
    })
}

/// Refuses a timeout of 0 or one too large for the clock, naming the limits.
fn check_timeout(setting: &str, value: Option<u64>, max: u64, default: u64) -> Result<(), Error> {
    match value {
        Some(v) if v == 0 || v > max => Err(Error::Config(format!(
            "{setting} = {v} is not allowed: give a number of seconds from 1 to {max}{}; leave it out for the default of {default}",
            if max == MAX_EXCHANGE_TIMEOUT_SECS {
                " (one day)"
            } else {
                " (ten minutes)"
            }
        ))),
        _ => Ok(()),
    }
}

impl AgentConfig {
    /// Parses TOML text; relative paths are resolved against `base`.
    pub fn from_toml(text: &str, base: &Path) -> Result<AgentConfig, Error> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            // The parser's own message quotes the offending line, which may
            // hold a secret typed in by mistake: report the line number only.
            let line = e.span().map(|s| {
                text.as_bytes()[..s.start.min(text.len())]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1
            });
            let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
            Error::Config(format!("agent.toml{at}: {}", e.message()))
        })?;
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let resolve_opt = |p: &Option<PathBuf>| p.as_deref().map(resolve);
        let dhis2 = file.dhis2.map(|mut d| {
            d.password_file = resolve_opt(&d.password_file);
            d.token_file = resolve_opt(&d.token_file);
            d.ca_file = resolve_opt(&d.ca_file);
            d
        });
        let lmis = file.lmis.map(|mut l| {
            l.password_file = resolve_opt(&l.password_file);
            l.client_secret_file = resolve_opt(&l.client_secret_file);
            l.ca_file = resolve_opt(&l.ca_file);
            l
        });
        let config = AgentConfig {
            database: resolve(&file.agent.database),
            forms: resolve(&file.agent.forms),
            facilities: resolve(&file.agent.facilities),
            dhis2,
            lmis,
            entry: file.entry.unwrap_or_default(),
            locale: file.agent.locale,
            storage: {
                let st = file.storage.unwrap_or_default();
                StorageSection {
                    key_file: st.key_file.as_deref().map(resolve),
                    ..st
                }
            },
        };
        config.check()?;
        Ok(config)
    }

    /// Checks the settings that the file's syntax cannot: URLs, clear text,
    /// timeouts, secret sources. [`crate::Agent::open`] calls it too, for
    /// configurations built in code (the Android shell).
    pub fn check(&self) -> Result<(), Error> {
        if let Some(l) = &self.locale
            && !crate::model::i18n::is_supported(l)
        {
            return Err(Error::Config(format!(
                "agent.locale = '{}' is not a language the agent speaks: use en, fr, pt or sw, or leave it out for English",
                crate::model::draft::shorten(l)
            )));
        }
        if let Some(n) = self.entry.max_period_age_months
            && n > MAX_MAX_PERIOD_AGE_MONTHS
        {
            return Err(Error::Config(format!(
                "entry.max_period_age_months = {n} is not allowed: give a number of months from 1 to {MAX_MAX_PERIOD_AGE_MONTHS} (ten years), 0 to never warn about old periods, or leave it out for the default of {DEFAULT_MAX_PERIOD_AGE_MONTHS}"
            )));
        }
        if let Some(n) = self.storage.keep_delivered_days
            && n != 0
            && !(MIN_KEEP_DELIVERED_DAYS..=MAX_KEEP_DELIVERED_DAYS).contains(&n)
        {
            return Err(Error::Config(format!(
                "storage.keep_delivered_days = {n} is not allowed: give a number of days from {MIN_KEEP_DELIVERED_DAYS} (a month) to {MAX_KEEP_DELIVERED_DAYS} (ten years), 0 to keep delivered forms whole for good, or leave it out for the default of {DEFAULT_KEEP_DELIVERED_DAYS}"
            )));
        }
        if let Some(n) = self.storage.keep_exchanges_days
            && !(MIN_KEEP_EXCHANGES_DAYS..=MAX_KEEP_EXCHANGES_DAYS).contains(&n)
        {
            return Err(Error::Config(format!(
                "storage.keep_exchanges_days = {n} is not allowed: give a number of days from {MIN_KEEP_EXCHANGES_DAYS} (a week) to {MAX_KEEP_EXCHANGES_DAYS} (two years), or leave it out for the default of {DEFAULT_KEEP_EXCHANGES_DAYS}"
            )));
        }
        if let Some(d) = &self.dhis2 {
            check_url("dhis2", &d.url)?;
            check_clear_text("dhis2", &d.url, d.allow_insecure_http)?;
            SecretSource::pick(&d.password_env, &d.password_file, "dhis2 password")?;
            SecretSource::pick(&d.token_env, &d.token_file, "dhis2 token")?;
            SecretSource::check_env_name(&d.password_env, "dhis2.password")?;
            SecretSource::check_env_name(&d.token_env, "dhis2.token")?;
            check_timeout(
                "dhis2.connect_timeout_secs",
                d.connect_timeout_secs,
                MAX_CONNECT_TIMEOUT_SECS,
                DEFAULT_CONNECT_TIMEOUT_SECS,
            )?;
            check_timeout(
                "dhis2.timeout_secs",
                d.timeout_secs,
                MAX_EXCHANGE_TIMEOUT_SECS,
                DEFAULT_EXCHANGE_TIMEOUT_SECS,
            )?;
        }
        if let Some(l) = &self.lmis {
            check_url("lmis", &l.url)?;
            if l.kind != "openlmis" {
                return Err(Error::Config(format!(
                    "lmis.kind '{}' is not supported; use \"openlmis\"",
                    l.kind
                )));
            }
            check_clear_text("lmis", &l.url, l.allow_insecure_http)?;
            SecretSource::pick(&l.password_env, &l.password_file, "lmis password")?;
            SecretSource::pick(
                &l.client_secret_env,
                &l.client_secret_file,
                "lmis client secret",
            )?;
            SecretSource::check_env_name(&l.password_env, "lmis.password")?;
            SecretSource::check_env_name(&l.client_secret_env, "lmis.client_secret")?;
            check_timeout(
                "lmis.connect_timeout_secs",
                l.connect_timeout_secs,
                MAX_CONNECT_TIMEOUT_SECS,
                DEFAULT_CONNECT_TIMEOUT_SECS,
            )?;
            check_timeout(
                "lmis.timeout_secs",
                l.timeout_secs,
                MAX_EXCHANGE_TIMEOUT_SECS,
                DEFAULT_EXCHANGE_TIMEOUT_SECS,
            )?;
            if let Some(d) = l.reference_max_age_days
                && (d == 0 || d > MAX_LMIS_REFERENCE_MAX_AGE_DAYS)
            {
                return Err(Error::Config(format!(
                    "lmis.reference_max_age_days = {d} is not allowed: give a number of days from 1 to {MAX_LMIS_REFERENCE_MAX_AGE_DAYS}; leave it out for the default of {DEFAULT_LMIS_REFERENCE_MAX_AGE_DAYS}"
                )));
            }
        }
        Ok(())
    }

    /// One warning per destination reached over allowed clear text
    /// (`allow_insecure_http = true` and a host that is not this device).
    /// Every sync report should show these.
    pub fn clear_text_warnings(&self) -> Vec<String> {
        let d = self
            .dhis2
            .as_ref()
            .and_then(Dhis2Section::clear_text_warning);
        let l = self.lmis.as_ref().and_then(LmisSection::clear_text_warning);
        d.into_iter().chain(l).collect()
    }

    /// Loads a config file.
    pub fn load(path: &Path) -> Result<AgentConfig, Error> {
        let text = crate::files::read_capped_text(
            path,
            crate::files::MAX_CONFIG_BYTES,
            "the configuration file",
        )
        .map_err(|source| Error::Io {
            what: "cannot read the configuration",
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        AgentConfig::from_toml(&text, &base)
    }
}

impl Dhis2Section {
    /// The warning every sync must show when this destination is reached
    /// over allowed plain http:// on a network; `None` otherwise.
    pub fn clear_text_warning(&self) -> Option<String> {
        clear_text_warning("DHIS2", &self.url, self.allow_insecure_http)
    }

    /// The client timeouts (defaults filled in; bounds checked at load).
    pub fn timeouts(&self) -> crate::net::http::Timeouts {
        crate::net::http::Timeouts::from_secs(self.connect_timeout_secs, self.timeout_secs)
    }

    /// Where the password comes from.
    pub fn password_source(&self) -> Option<SecretSource> {
        SecretSource::pick(&self.password_env, &self.password_file, "")
            .ok()
            .flatten()
    }
    /// Where the token comes from.
    pub fn token_source(&self) -> Option<SecretSource> {
        SecretSource::pick(&self.token_env, &self.token_file, "")
            .ok()
            .flatten()
    }
}

impl LmisSection {
    /// Days cached reference data is used (default filled in; bounds
    /// checked at load).
    pub fn reference_max_age_days(&self) -> u32 {
        self.reference_max_age_days
            .unwrap_or(DEFAULT_LMIS_REFERENCE_MAX_AGE_DAYS)
    }

    /// The warning every sync must show when this destination is reached
    /// over allowed plain http:// on a network; `None` otherwise.
    pub fn clear_text_warning(&self) -> Option<String> {
        clear_text_warning("The LMIS", &self.url, self.allow_insecure_http)
    }

    /// The client timeouts (defaults filled in; bounds checked at load).
    pub fn timeouts(&self) -> crate::net::http::Timeouts {
        crate::net::http::Timeouts::from_secs(self.connect_timeout_secs, self.timeout_secs)
    }

    /// Where the password comes from.
    pub fn password_source(&self) -> Option<SecretSource> {
        SecretSource::pick(&self.password_env, &self.password_file, "")
            .ok()
            .flatten()
    }
    /// Where the client secret comes from.
    pub fn client_secret_source(&self) -> Option<SecretSource> {
        SecretSource::pick(&self.client_secret_env, &self.client_secret_file, "")
            .ok()
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUE_SHAPE: &str = r#"
[agent]
database = "outbox.sqlite"
forms = "schemas/forms"
facilities = "schemas/facilities/example.json"
[dhis2]
url = "http://127.0.0.1:8080"
username = "admin"
password_env = "DHIS2_PASSWORD"   # or token_env = "DHIS2_TOKEN"
[lmis]
kind = "openlmis"
url = "http://127.0.0.1:8081"
client_id = "user-client"
client_secret_env = "LMIS_CLIENT_SECRET"
username = "administrator"
password_env = "LMIS_PASSWORD"
"#;

    #[test]
    fn the_retention_of_delivered_forms_is_configurable() {
        let load = |storage: &str| {
            AgentConfig::from_toml(&format!("{ISSUE_SHAPE}{storage}"), Path::new("/etc/agent"))
        };
        // Absent: 400 days (a year and a month).
        assert_eq!(load("").unwrap().storage.keep_delivered_days(), Some(400));
        let c = load("[storage]\n").unwrap();
        assert_eq!(c.storage.keep_delivered_days(), Some(400));
        let c = load("[storage]\nkeep_delivered_days = 31\n").unwrap();
        assert_eq!(c.storage.keep_delivered_days(), Some(31));
        // 0: contents kept for good.
        let c = load("[storage]\nkeep_delivered_days = 0\n").unwrap();
        assert_eq!(c.storage.keep_delivered_days(), None);
        // Too short (last month's correction needs the content) or too long.
        for n in [1, 30, 3651] {
            let e = load(&format!("[storage]\nkeep_delivered_days = {n}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!("storage.keep_delivered_days = {n}")),
                "{e}"
            );
            assert!(e.contains("from 31 (a month) to 3650"), "{e}");
            assert!(e.contains("0 to keep"), "{e}");
        }
        let e = load("[storage]\nkeep_delivered = 10\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("keep_delivered"), "{e}");
    }

    #[test]
    fn the_retention_of_the_exchange_log_is_configurable_within_bounds() {
        let load = |storage: &str| {
            AgentConfig::from_toml(&format!("{ISSUE_SHAPE}{storage}"), Path::new("/etc/agent"))
        };
        // Absent: 90 days (a quarter).
        assert_eq!(load("").unwrap().storage.keep_exchanges_days(), 90);
        let c = load("[storage]\n").unwrap();
        assert_eq!(c.storage.keep_exchanges_days(), 90);
        for n in [7, 30, 730] {
            let c = load(&format!("[storage]\nkeep_exchanges_days = {n}\n")).unwrap();
            assert_eq!(c.storage.keep_exchanges_days(), n);
        }
        // Never for good (the log holds the forms as sent), never under a week.
        for n in [0, 1, 6, 731] {
            let e = load(&format!("[storage]\nkeep_exchanges_days = {n}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!("storage.keep_exchanges_days = {n} is not allowed")),
                "{e}"
            );
            assert!(e.contains("from 7 (a week) to 730 (two years)"), "{e}");
            assert!(e.contains("default of 90"), "{e}");
        }
        let e = load("[storage]\nkeep_exchanges_days = -3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("agent.toml") && e.contains("-3"), "{e}");
    }

    #[test]
    fn the_age_of_a_period_that_needs_confirmation_is_configurable() {
        let load = |entry: &str| {
            AgentConfig::from_toml(&format!("{ISSUE_SHAPE}{entry}"), Path::new("/etc/agent"))
        };
        // Absent: a year.
        let c = load("").unwrap();
        assert_eq!(c.entry.max_period_age_months(), Some(12));
        let c = load("[entry]\n").unwrap();
        assert_eq!(c.entry.max_period_age_months(), Some(12));
        let c = load("[entry]\nmax_period_age_months = 3\n").unwrap();
        assert_eq!(c.entry.max_period_age_months(), Some(3));
        // 0 turns the warning off.
        let c = load("[entry]\nmax_period_age_months = 0\n").unwrap();
        assert_eq!(c.entry.max_period_age_months(), None);
        let c = load("[entry]\nmax_period_age_months = 120\n").unwrap();
        assert_eq!(c.entry.max_period_age_months(), Some(120));
        let e = load("[entry]\nmax_period_age_months = 121\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("entry.max_period_age_months = 121 is not allowed"),
            "{e}"
        );
        for bad in [
            "[entry]\nmax_period_age_months = -1\n",
            "[entry]\nmax_period_age_months = \"12\"\n",
            "[entry]\nmax_age = 12\n",
        ] {
            let e = load(bad).unwrap_err();
            assert!(e.to_string().contains("agent.toml (line"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_language_of_messages_is_one_the_agent_speaks() {
        let load = |locale: &str| {
            let text = ISSUE_SHAPE.replacen("[agent]\n", &format!("[agent]\n{locale}"), 1);
            AgentConfig::from_toml(&text, Path::new("/etc/agent"))
        };
        assert_eq!(load("").unwrap().locale, None);
        assert_eq!(
            load("locale = \"sw\"\n").unwrap().locale.as_deref(),
            Some("sw")
        );
        assert_eq!(
            load("locale = \"pt-MZ\"\n").unwrap().locale.as_deref(),
            Some("pt-MZ")
        );
        let e = load("locale = \"de\"\n").unwrap_err();
        assert!(
            e.to_string().contains(
                "agent.locale = 'de' is not a language the agent speaks: use en, fr, pt or sw"
            ),
            "{e}"
        );
    }

    #[test]
    fn the_shape_from_the_issue_keeps_working() {
        let c = AgentConfig::from_toml(ISSUE_SHAPE, Path::new("/etc/agent")).unwrap();
        assert_eq!(c.database, PathBuf::from("/etc/agent/outbox.sqlite"));
        assert_eq!(c.forms, PathBuf::from("/etc/agent/schemas/forms"));
        let d = c.dhis2.unwrap();
        assert_eq!(
            d.password_source(),
            Some(SecretSource::Env("DHIS2_PASSWORD".into()))
        );
        assert_eq!(c.lmis.unwrap().client_id, "user-client");
    }

    #[test]
    fn mistakes_are_named() {
        let e = AgentConfig::from_toml(
            &ISSUE_SHAPE.replace("username = \"admin\"", "usernme = \"admin\""),
            Path::new("."),
        );
        assert!(e.unwrap_err().to_string().contains("usernme"));
        let e = AgentConfig::from_toml(
            &ISSUE_SHAPE.replace("http://127.0.0.1:8080", "ftp://x"),
            Path::new("."),
        );
        assert!(
            e.unwrap_err()
                .to_string()
                .contains("must start with https://")
        );
        let e = AgentConfig::from_toml(
            &ISSUE_SHAPE.replace("kind = \"openlmis\"", "kind = \"elmis\""),
            Path::new("."),
        );
        assert!(e.unwrap_err().to_string().contains("not supported"));
    }

    #[test]
    fn a_secret_typed_into_the_file_is_not_repeated_in_the_error() {
        let text =
            ISSUE_SHAPE.replace("password_env = \"DHIS2_PASSWORD\"", "password = \"s3cr3t\"");
        let e = AgentConfig::from_toml(&text, Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cr3t"), "{e}");
        assert!(
            e.contains("line 9") && e.contains("unknown field `password`"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_secret_names_the_setting_not_a_value() {
        let s = SecretSource::Env("SURELY_NOT_SET_FOR_THIS_TEST".into());
        let e = s.read("dhis2.password").unwrap_err().to_string();
        assert!(
            e.contains("the environment variable named in dhis2.password_env is not set"),
            "{e}"
        );
    }
}

#[cfg(test)]
mod input_tests {
    //! Clear text, timeouts and secrets typed in the wrong place.
    use super::*;

    const BASE: &str = r#"
[agent]
database = "outbox.sqlite"
forms = "forms"
facilities = "facilities.json"
[dhis2]
url = "https://hmis.example.org"
username = "admin"
password_env = "DHIS2_PASSWORD"
[lmis]
kind = "openlmis"
url = "https://lmis.example.org"
client_id = "user-client"
client_secret_env = "LMIS_CLIENT_SECRET"
username = "administrator"
password_env = "LMIS_PASSWORD"
"#;

    fn load(text: &str) -> Result<AgentConfig, String> {
        AgentConfig::from_toml(text, Path::new("/etc/agent")).map_err(|e| e.to_string())
    }

    #[test]
    fn plain_http_is_refused_for_any_host_but_this_device() {
        for host in [
            "10.0.0.5:8080",
            "hmis.example.org",
            "192.168.1.10",
            "[fe80::1]:80",
        ] {
            let text = BASE.replace("https://hmis.example.org", &format!("http://{host}"));
            let e = load(&text).unwrap_err();
            assert!(
                e.contains("dhis2.url uses plain http:// to another machine")
                    && e.contains("set dhis2.ca_file")
                    && e.contains("allow_insecure_http = true in [dhis2]"),
                "{host}: {e}"
            );
            let text = BASE.replace("https://lmis.example.org", &format!("HTTP://{host}"));
            let e = load(&text).unwrap_err();
            assert!(e.contains("lmis.url uses plain http://"), "{host}: {e}");
        }
        for host in ["127.0.0.1:8080", "127.1.2.3", "localhost:9", "[::1]:8080"] {
            let text = BASE.replace("https://hmis.example.org", &format!("http://{host}"));
            let c = load(&text).unwrap_or_else(|e| panic!("{host}: {e}"));
            assert!(c.clear_text_warnings().is_empty(), "{host}");
        }
    }

    #[test]
    fn allowed_clear_text_is_named_at_every_sync() {
        let text = BASE
            .replace("https://lmis.example.org", "http://10.0.0.7:8081")
            .replace(
                "kind = \"openlmis\"",
                "kind = \"openlmis\"\nallow_insecure_http = true",
            );
        let c = load(&text).unwrap();
        assert_eq!(c.dhis2.as_ref().unwrap().clear_text_warning(), None);
        let w = c.lmis.as_ref().unwrap().clear_text_warning().unwrap();
        assert!(
            w.starts_with("The LMIS is reached over plain http://") && w.contains("unencrypted"),
            "{w}"
        );
        assert_eq!(c.clear_text_warnings(), vec![w]);
        // Allowed on one destination only: the other is still refused.
        let text = text.replace("https://hmis.example.org", "http://10.0.0.7:8080");
        assert!(
            load(&text)
                .unwrap_err()
                .contains("dhis2.url uses plain http://")
        );
    }

    #[test]
    fn timeouts_out_of_bounds_are_refused_with_the_limits() {
        for (section, key, value, words) in [
            ("dhis2", "timeout_secs", "0", "from 1 to 86400 (one day)"),
            (
                "dhis2",
                "timeout_secs",
                "9223372036854775807",
                "from 1 to 86400",
            ),
            (
                "dhis2",
                "connect_timeout_secs",
                "0",
                "from 1 to 600 (ten minutes)",
            ),
            ("dhis2", "connect_timeout_secs", "601", "from 1 to 600"),
            ("lmis", "timeout_secs", "86401", "from 1 to 86400"),
            ("lmis", "reference_max_age_days", "0", "days from 1 to 3650"),
            (
                "lmis",
                "reference_max_age_days",
                "3651",
                "days from 1 to 3650",
            ),
            (
                "lmis",
                "connect_timeout_secs",
                "9223372036854775807",
                "from 1 to 600",
            ),
        ] {
            let anchor = if section == "dhis2" {
                "username = \"admin\""
            } else {
                "username = \"administrator\""
            };
            let text = BASE.replace(anchor, &format!("{anchor}\n{key} = {value}"));
            let e = load(&text).unwrap_err();
            assert!(
                e.contains(&format!("{section}.{key} = {value} is not allowed"))
                    && e.contains(words),
                "{section}.{key} = {value}: {e}"
            );
        }
        let text = BASE.replace(
            "username = \"administrator\"",
            "username = \"administrator\"\nconnect_timeout_secs = 7\ntimeout_secs = 86400",
        );
        let l = load(&text).unwrap().lmis.unwrap();
        assert_eq!(
            l.timeouts(),
            crate::net::http::Timeouts {
                connect: std::time::Duration::from_secs(7),
                exchange: std::time::Duration::from_secs(86400),
            }
        );
    }

    #[test]
    fn a_secret_typed_into_an_env_or_file_setting_is_never_shown() {
        // Not a variable name: refused at load, without repeating it.
        for secret in ["hunter 2!", "p@ss=word", "9lives"] {
            let text = BASE.replace(
                "password_env = \"DHIS2_PASSWORD\"",
                &format!("password_env = \"{secret}\""),
            );
            let e = load(&text).unwrap_err();
            assert!(!e.contains(secret), "{e}");
            assert!(
                e.contains("dhis2.password_env is not the name of an environment variable"),
                "{e}"
            );
        }
        // Looks like a variable name but none is set: the error names the setting only.
        let secret = "hunter2SurelyNotAVariable";
        let text = BASE.replace(
            "password_env = \"LMIS_PASSWORD\"",
            &format!("password_env = \"{secret}\""),
        );
        let c = load(&text).unwrap();
        let e = c
            .lmis
            .as_ref()
            .unwrap()
            .password_source()
            .unwrap()
            .read("lmis.password")
            .unwrap_err()
            .to_string();
        assert!(!e.contains(secret), "{e}");
        assert!(e.contains("named in lmis.password_env is not set"), "{e}");
        // The same through the credential provider the sync engine uses.
        let e = crate::credentials::CredentialProvider::credentials(
            &crate::credentials::ConfigCredentials::new(&c),
            crate::model::delivery::Destination::Lmis,
        )
        .unwrap_err();
        assert!(!e.contains(secret), "{e}");
        // A secret typed as a file name.
        let text = BASE.replace(
            "password_env = \"DHIS2_PASSWORD\"",
            &format!("password_file = \"{secret}\""),
        );
        let c = load(&text).unwrap();
        let e = c
            .dhis2
            .as_ref()
            .unwrap()
            .password_source()
            .unwrap()
            .read("dhis2.password")
            .unwrap_err()
            .to_string();
        assert!(!e.contains(secret), "{e}");
        assert!(
            e.contains("the file named in dhis2.password_file cannot be read"),
            "{e}"
        );
    }
}
