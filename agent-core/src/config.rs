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

    /// Reads the secret. The error names where it looked, never the value.
    pub fn read(&self) -> Result<String, Error> {
        match self {
            SecretSource::Env(name) => std::env::var(name).map_err(|_| {
                Error::Config(format!(
                    "the environment variable {name} is not set; set it to the secret"
                ))
            }),
            SecretSource::File(path) => crate::files::read_capped_text(
                path,
                crate::files::MAX_SECRET_FILE_BYTES,
                "the secret file",
            )
            .map(|s| s.lines().next().unwrap_or("").trim().to_string())
            .map_err(|source| Error::Io {
                what: "cannot read the secret file",
                path: path.clone(),
                source,
            }),
        }
    }
}

/// The `[dhis2]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// The `[lmis]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Local storage and definitions.
    pub agent: AgentSection,
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
    Ok(())
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
        let dhis2 = match file.dhis2 {
            Some(mut d) => {
                check_url("dhis2", &d.url)?;
                d.password_file = resolve_opt(&d.password_file);
                d.token_file = resolve_opt(&d.token_file);
                SecretSource::pick(&d.password_env, &d.password_file, "dhis2 password")?;
                SecretSource::pick(&d.token_env, &d.token_file, "dhis2 token")?;
                Some(d)
            }
            None => None,
        };
        let lmis = match file.lmis {
            Some(mut l) => {
                check_url("lmis", &l.url)?;
                if l.kind != "openlmis" {
                    return Err(Error::Config(format!(
                        "lmis.kind '{}' is not supported; use \"openlmis\"",
                        l.kind
                    )));
                }
                l.password_file = resolve_opt(&l.password_file);
                l.client_secret_file = resolve_opt(&l.client_secret_file);
                SecretSource::pick(&l.password_env, &l.password_file, "lmis password")?;
                SecretSource::pick(
                    &l.client_secret_env,
                    &l.client_secret_file,
                    "lmis client secret",
                )?;
                Some(l)
            }
            None => None,
        };
        Ok(AgentConfig {
            database: resolve(&file.agent.database),
            forms: resolve(&file.agent.forms),
            facilities: resolve(&file.agent.facilities),
            dhis2,
            lmis,
        })
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
    fn a_missing_secret_names_the_variable_not_a_value() {
        let s = SecretSource::Env("SURELY_NOT_SET_FOR_THIS_TEST".into());
        let e = s.read().unwrap_err().to_string();
        assert!(e.contains("SURELY_NOT_SET_FOR_THIS_TEST is not set"));
    }
}
