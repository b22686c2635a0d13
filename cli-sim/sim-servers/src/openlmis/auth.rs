//! The simulated openlmis-auth (§3): the token endpoint and the bearer-token
//! check every other `/api/...` route runs first.

use super::{MAX_TOKENS, Principal, Service, Token, User};
use crate::http::{Request, Response, parse_urlencoded};
use serde_json::json;
use std::time::Instant;

/// The grant types Spring's token endpoint knows (§3).
const KNOWN_GRANTS: [&str; 5] = [
    "password",
    "client_credentials",
    "authorization_code",
    "refresh_token",
    "implicit",
];

/// An OAuth2 error body `{error, error_description}`.
fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

/// A 401 for a resource request, as Spring's resource server sends it.
fn invalid_token(description: &str) -> Response {
    oauth_error(401, "invalid_token", description).with_header(
        "WWW-Authenticate",
        &format!(
            "Bearer realm=\"openlmis\", error=\"invalid_token\", error_description=\"{description}\""
        ),
    )
}

/// Standard base64 with or without padding.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// The (client id, secret) of an `Authorization: Basic` header.
fn basic_credentials(req: &Request) -> Option<(String, String)> {
    let header = req.header("authorization")?;
    let (scheme, rest) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let text = String::from_utf8(base64_decode(rest.trim())?).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

impl Service {
    /// `POST /api/oauth/token` (§3): Basic client credentials, parameters in
    /// the query string or an `application/x-www-form-urlencoded` body.
    pub(super) fn token_endpoint(&self, req: &Request) -> Response {
        if req.method != "POST" {
            return oauth_error(
                405,
                "method_not_allowed",
                &format!("Request method '{}' not supported", req.method),
            );
        }
        let mut params = req.query.clone();
        let form = req.header("content-type").is_some_and(|c| {
            c.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
        if form {
            params.extend(parse_urlencoded(&String::from_utf8_lossy(&req.body)));
        }
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let Some((client_id, secret)) = basic_credentials(req) else {
            return oauth_error(
                401,
                "unauthorized",
                "Full authentication is required to access this resource",
            )
            .with_header("WWW-Authenticate", "Basic realm=\"oauth2/client\"");
        };
        let Some(client) = self
            .refs
            .clients
            .iter()
            .find(|(id, s, _)| *id == client_id && *s == secret)
        else {
            return oauth_error(401, "invalid_client", "Bad client credentials");
        };
        let Some(grant) = param("grant_type") else {
            return oauth_error(400, "invalid_request", "Missing grant type");
        };
        if !KNOWN_GRANTS.contains(&grant.as_str()) {
            return oauth_error(
                400,
                "unsupported_grant_type",
                &format!("Unsupported grant type: {grant}"),
            );
        }
        if !client.2.contains(&grant) {
            return oauth_error(
                401,
                "unauthorized_client",
                &format!("Unauthorized grant type: {grant}"),
            );
        }
        let user = match grant.as_str() {
            "password" => {
                let (Some(username), Some(password)) = (param("username"), param("password"))
                else {
                    return oauth_error(400, "invalid_grant", "Bad credentials");
                };
                match self
                    .refs
                    .users
                    .iter()
                    .find(|u| u.username == username && u.password == password)
                {
                    Some(u) => Some(u.clone()),
                    None => return oauth_error(400, "invalid_grant", "Bad credentials"),
                }
            }
            "client_credentials" => None,
            other => {
                return oauth_error(
                    400,
                    "unsupported_grant_type",
                    &format!("The simulated server does not implement the {other} grant"),
                );
            }
        };
        let token = self.issue(user.clone());
        let expires_in = self.ttl.map_or(0, |t| t.as_secs().saturating_sub(1));
        let mut body = json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": expires_in,
            "scope": "read write",
        });
        if let Some(u) = user {
            body["referenceDataUserId"] = json!(u.id);
            body["username"] = json!(u.username);
        }
        Response::json(200, &body)
            .with_header("Cache-Control", "no-store")
            .with_header("Pragma", "no-cache")
    }

    /// Stores a new token, dropping expired ones (and, when still full, the
    /// ones closest to expiry) so at most [`MAX_TOKENS`] live.
    fn issue(&self, user: Option<User>) -> String {
        let mut st = self.lock();
        let now = Instant::now();
        if st.tokens.len() >= MAX_TOKENS {
            st.tokens.retain(|_, t| t.expires.is_none_or(|e| e > now));
        }
        while st.tokens.len() >= MAX_TOKENS {
            let victim = st
                .tokens
                .iter()
                .min_by_key(|(_, t)| t.expires)
                .map(|(k, _)| k.clone());
            match victim {
                Some(k) => {
                    st.tokens.remove(&k);
                }
                None => break,
            }
        }
        let token = st.uuid();
        let expires = self.ttl.map(|t| now + t);
        st.tokens.insert(token.clone(), Token { user, expires });
        token
    }

    /// The principal of a resource request: `Authorization: Bearer <token>`
    /// or `?access_token=`; a successful check slides the expiry (§3).
    pub(super) fn authenticate(&self, req: &Request) -> Result<Principal, Response> {
        let from_header = req.header("authorization").and_then(|h| {
            let (scheme, rest) = h.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| rest.trim().to_string())
        });
        let token = from_header.or_else(|| req.query_param("access_token").map(str::to_string));
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(invalid_token(
                "Full authentication is required to access this resource",
            ));
        };
        let mut st = self.lock();
        let now = Instant::now();
        let expired = match st.tokens.get(&token) {
            None => return Err(invalid_token(&format!("Invalid access token: {token}"))),
            Some(t) => t.expires.is_some_and(|e| e <= now),
        };
        if expired {
            st.tokens.remove(&token);
            return Err(invalid_token(&format!("Access token expired: {token}")));
        }
        let ttl = self.ttl;
        match st.tokens.get_mut(&token) {
            Some(t) => {
                t.expires = ttl.map(|d| now + d);
                Ok(Principal {
                    user: t.user.clone(),
                })
            }
            None => Err(invalid_token(&format!("Invalid access token: {token}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bootstrap_basic_header_decodes() {
        // SIGLUS Android hard-codes this header (§3).
        assert_eq!(
            base64_decode("dXNlci1jbGllbnQ6Y2hhbmdlbWU=").unwrap(),
            b"user-client:changeme"
        );
        assert!(base64_decode("a b").is_none());
    }
}
