//! Credentials from the shell: a callback interface the app implements over
//! the Android Keystore, adapted to agent-core's
//! [`agent_core::credentials::CredentialProvider`]. The agent asks for them
//! at each sync (and metadata pull), keeps them in memory for that pass only,
//! and never writes them to SQLite, logs or errors.

use agent_core::credentials::Credentials;
use agent_core::outbox::Destination;

/// How to sign in to DHIS2.
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Dhis2Credentials {
    /// HTTP Basic: username and password.
    Basic {
        /// Username.
        username: String,
        /// Password.
        password: String,
    },
    /// A DHIS2 personal access token.
    ApiToken {
        /// The token.
        token: String,
    },
}

/// How to sign in to OpenLMIS (OAuth2 password grant).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct LmisCredentials {
    /// OAuth client id, e.g. `user-client`.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// The LMIS user.
    pub username: String,
    /// The user's password.
    pub password: String,
}

impl From<Dhis2Credentials> for Credentials {
    fn from(c: Dhis2Credentials) -> Credentials {
        match c {
            Dhis2Credentials::Basic { username, password } => {
                Credentials::Basic { username, password }
            }
            Dhis2Credentials::ApiToken { token } => Credentials::ApiToken { token },
        }
    }
}

impl From<LmisCredentials> for Credentials {
    fn from(c: LmisCredentials) -> Credentials {
        Credentials::OAuthPassword {
            client_id: c.client_id,
            client_secret: c.client_secret,
            username: c.username,
            password: c.password,
        }
    }
}

/// Why the shell could not give credentials (the Keystore is locked, the
/// user has not signed in yet...). Any other exception thrown by the
/// callback arrives here too, as `Unavailable`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum CredentialError {
    /// Credentials cannot be read now; `reason` says why (never a secret).
    /// (Not `message`: that name clashes with `Throwable.message` in Kotlin.)
    #[error("{reason}")]
    Unavailable {
        /// What is missing, in plain words.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for CredentialError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> CredentialError {
        CredentialError::Unavailable {
            // The first line only: the JVM appends its stack trace.
            reason: format!(
                "the app's credential provider failed: {}",
                e.reason.lines().next().unwrap_or_default()
            ),
        }
    }
}

/// Implemented by the app (Kotlin): returns the sign-in details of each
/// destination, or null when the user has none for it.
#[uniffi::export(callback_interface)]
pub trait CredentialProvider: Send + Sync {
    /// The DHIS2 credentials, or `None` when there are none.
    fn dhis2(&self) -> Result<Option<Dhis2Credentials>, CredentialError>;
    /// The OpenLMIS credentials, or `None` when there are none.
    fn lmis(&self) -> Result<Option<LmisCredentials>, CredentialError>;
}

/// The shell's provider seen as agent-core's.
pub(crate) struct ShellCredentials(pub(crate) Box<dyn CredentialProvider>);

impl agent_core::credentials::CredentialProvider for ShellCredentials {
    fn credentials(&self, destination: Destination) -> Result<Option<Credentials>, String> {
        match destination {
            Destination::Dhis2 => self.0.dhis2().map(|c| c.map(Credentials::from)),
            Destination::Lmis => self.0.lmis().map(|c| c.map(Credentials::from)),
        }
        .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use agent_core::credentials::CredentialProvider as CoreProvider;

    struct Locked;
    impl CredentialProvider for Locked {
        fn dhis2(&self) -> Result<Option<Dhis2Credentials>, CredentialError> {
            Ok(Some(Dhis2Credentials::ApiToken {
                token: "d2pat_x".into(),
            }))
        }
        fn lmis(&self) -> Result<Option<LmisCredentials>, CredentialError> {
            Err(uniffi::UnexpectedUniFFICallbackError::new(
                "java.lang.IllegalStateException: Keystore locked\n\tat App.kt:1",
            )
            .into())
        }
    }

    #[test]
    fn the_shell_provider_is_adapted_not_interpreted() {
        let p = ShellCredentials(Box::new(Locked));
        assert_eq!(
            p.credentials(Destination::Dhis2).unwrap(),
            Some(Credentials::ApiToken {
                token: "d2pat_x".into()
            })
        );
        assert_eq!(
            p.credentials(Destination::Lmis).unwrap_err(),
            "the app's credential provider failed: java.lang.IllegalStateException: Keystore locked"
        );
    }
}
