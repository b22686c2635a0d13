//! Credentials come from the shell (the Android Keystore, or the
//! environment and files named in `agent.toml`), are held in memory only for
//! a sync pass, and are never written to SQLite, logs or errors.

use crate::config::AgentConfig;
use crate::outbox::Destination;

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
                out.push(crate::http::basic_auth(username, password));
            }
            Credentials::ApiToken { token } => out.push(token.clone()),
            Credentials::OAuthPassword {
                client_id,
                client_secret,
                username,
                password,
            } => {
                out.push(password.clone());
                out.push(crate::http::encode_query(password));
                out.push(client_secret.clone());
                out.push(crate::http::basic_auth(client_id, client_secret));
                out.push(crate::http::basic_auth(username, password));
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
