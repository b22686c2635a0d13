//! Credentials come from the shell (the Android Keystore, or the
//! environment and files named in `agent.toml`), are held in memory only for
//! a sync pass, and are never written to SQLite, logs or errors.

use crate::config::AgentConfig;
use crate::model::delivery::Destination;

/// What a destination needs to sign in.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// HTTP Basic (DHIS2).
    Basic {
        /// Username.
        username: String,
        /// Password.
        password: String,
    },
    /// A DHIS2 personal access token (`Authorization: ApiToken ...`).
    ApiToken {
        /// The token.
        token: String,
    },
    /// An OAuth2 password grant (OpenLMIS).
    OAuthPassword {
        /// OAuth client id (e.g. `user-client`).
        client_id: String,
        /// OAuth client secret.
        client_secret: String,
        /// Username.
        username: String,
        /// Password.
        password: String,
    },
}

impl Credentials {
    /// The credentials as one text, for a fingerprint that tells whether
    /// they changed (never stored as such).
    pub fn fingerprint_material(&self) -> String {
        match self {
            Credentials::Basic { username, password } => format!("basic\0{username}\0{password}"),
            Credentials::ApiToken { token } => format!("token\0{token}"),
            Credentials::OAuthPassword {
                client_id,
                client_secret,
                username,
                password,
            } => format!("oauth\0{client_id}\0{client_secret}\0{username}\0{password}"),
        }
    }

    /// Every secret these credentials put on the wire, as it travels
    /// (passwords, tokens, the value of a Basic header): the exchange log
    /// scrubs them from whatever an answer echoes back.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            Credentials::Basic { username, password } => {
                out.push(password.clone());
                out.push(crate::net::http::basic_auth(username, password));
            }
            Credentials::ApiToken { token } => out.push(token.clone()),
            Credentials::OAuthPassword {
                client_id,
                client_secret,
                username,
                password,
            } => {
                out.push(password.clone());
                out.push(crate::net::http::encode_query(password));
                out.push(client_secret.clone());
                out.push(crate::net::http::basic_auth(client_id, client_secret));
                out.push(crate::net::http::basic_auth(username, password));
            }
        }
        out
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
            Credentials::ApiToken { .. } => f.write_str("ApiToken(<redacted>)"),
            Credentials::OAuthPassword {
                client_id,
                username,
                ..
            } => {
                write!(f, "OAuthPassword({client_id}, {username}, <redacted>)")
            }
        }
    }
}

/// Where the sync engine asks for credentials.
pub trait CredentialProvider: Send + Sync {
    /// The credentials for `destination`; `Ok(None)` when none are configured.
    /// The error says, in plain words, what is missing (never a secret).
    fn credentials(&self, destination: Destination) -> Result<Option<Credentials>, String>;
}

/// Credentials read from the environment variables and files that
/// `agent.toml` names, at the moment they are needed.
#[derive(Debug, Clone)]
pub struct ConfigCredentials {
    config: AgentConfig,
}

impl ConfigCredentials {
    /// A provider over a loaded configuration.
    pub fn new(config: &AgentConfig) -> ConfigCredentials {
        ConfigCredentials {
            config: config.clone(),
        }
    }
}

impl CredentialProvider for ConfigCredentials {
    fn credentials(&self, destination: Destination) -> Result<Option<Credentials>, String> {
        match destination {
            Destination::Dhis2 => {
                let Some(d) = &self.config.dhis2 else {
                    return Ok(None);
                };
                if let Some(src) = d.token_source() {
                    return src
                        .read("dhis2.token")
                        .map(|token| Some(Credentials::ApiToken { token }))
                        .map_err(|e| e.to_string());
                }
                match (&d.username, d.password_source()) {
                    (Some(u), Some(src)) => src
                        .read("dhis2.password")
                        .map(|password| {
                            Some(Credentials::Basic {
                                username: u.clone(),
                                password,
                            })
                        })
                        .map_err(|e| e.to_string()),
                    _ => Err(
                        "dhis2: set username and password_env (or token_env) in agent.toml".into(),
                    ),
                }
            }
            Destination::Lmis => {
                let Some(l) = &self.config.lmis else {
                    return Ok(None);
                };
                let secret = match l.client_secret_source() {
                    Some(s) => s.read("lmis.client_secret").map_err(|e| e.to_string())?,
                    None => return Err("lmis: set client_secret_env in agent.toml".into()),
                };
                let password = match l.password_source() {
                    Some(s) => s.read("lmis.password").map_err(|e| e.to_string())?,
                    None => return Err("lmis: set password_env in agent.toml".into()),
                };
                Ok(Some(Credentials::OAuthPassword {
                    client_id: l.client_id.clone(),
                    client_secret: secret,
                    username: l.username.clone(),
                    password,
                }))
            }
        }
    }
}

/// Warnings about the secret files `agent.toml` names (`password_file`,
/// `token_file`, `client_secret_file`) that other users of the device may
/// read: each names the file and the command that fixes it, never the
/// secret. Empty when every file is readable by its owner only (or missing:
/// reading it will say so), and on systems without Unix permissions.
pub fn secret_file_warnings(config: &AgentConfig) -> Vec<String> {
    let mut files: Vec<(&str, &std::path::Path)> = Vec::new();
    if let Some(d) = &config.dhis2 {
        files.extend(
            d.password_file
                .as_deref()
                .map(|p| ("dhis2 password_file", p)),
        );
        files.extend(d.token_file.as_deref().map(|p| ("dhis2 token_file", p)));
    }
    if let Some(l) = &config.lmis {
        files.extend(
            l.client_secret_file
                .as_deref()
                .map(|p| ("lmis client_secret_file", p)),
        );
        files.extend(
            l.password_file
                .as_deref()
                .map(|p| ("lmis password_file", p)),
        );
    }
    files
        .into_iter()
        .filter_map(|(setting, path)| {
            let mode = group_or_other_access(path)?;
            Some(format!(
                "the secret file {} ({setting}) can be read by other users of this device (permissions {mode:o}); make it readable by its owner only: chmod 600 {}",
                path.display(),
                path.display()
            ))
        })
        .collect()
}

/// The permission bits of `path` when group or others have any access.
#[cfg(unix)]
fn group_or_other_access(path: &std::path::Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn group_or_other_access(_path: &std::path::Path) -> Option<u32> {
    None
}

/// Credentials given directly (tests, simulations).
#[derive(Debug, Clone, Default)]
pub struct StaticCredentials {
    /// For DHIS2.
    pub dhis2: Option<Credentials>,
    /// For the LMIS.
    pub lmis: Option<Credentials>,
}

impl CredentialProvider for StaticCredentials {
    fn credentials(&self, destination: Destination) -> Result<Option<Credentials>, String> {
        Ok(match destination {
            Destination::Dhis2 => self.dhis2.clone(),
            Destination::Lmis => self.lmis.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn secret_files_others_can_read_are_named_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("lmis-password");
        let closed = dir.path().join("dhis2-token");
        std::fs::write(&open, "s3cret-lmis\n").unwrap();
        std::fs::write(&closed, "d2pat_secret\n").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o600)).unwrap();
        let toml = format!(
            r#"
[agent]
database = "o.sqlite"
forms = "forms"
facilities = "f.json"
[dhis2]
url = "http://127.0.0.1:1"
token_file = "{}"
[lmis]
kind = "openlmis"
url = "http://127.0.0.1:2"
client_id = "user-client"
client_secret_env = "UNUSED_SECRET"
username = "administrator"
password_file = "{}"
"#,
            closed.display(),
            open.display()
        );
        let config = AgentConfig::from_toml(&toml, dir.path()).unwrap();
        let warnings = secret_file_warnings(&config);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let w = &warnings[0];
        assert!(w.contains(&format!("chmod 600 {}", open.display())), "{w}");
        assert!(w.contains("lmis password_file") && w.contains("644"), "{w}");
        assert!(!w.contains("s3cret"), "no secret in the warning: {w}");
        // Fixed as the warning says: no warning.
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(secret_file_warnings(&config), Vec::<String>::new());
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let c = Credentials::OAuthPassword {
            client_id: "user-client".into(),
            client_secret: "changeme".into(),
            username: "administrator".into(),
            password: "password123".into(),
        };
        let shown = format!(
            "{c:?} {:?}",
            Credentials::ApiToken {
                token: "d2pat_abc".into()
            }
        );
        for secret in ["changeme", "password123", "d2pat_abc"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
