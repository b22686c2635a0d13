//! The messages the simulated servers exchange with a handler: a request as
//! the handler sees it and the response it gives. Plain data, below both the
//! HTTP server ([`super::http`]) and the hostile answers
//! ([`super::hostile`]), so that neither needs the other's types.

use std::net::SocketAddr;
use std::sync::Arc;

/// One HTTP request as the handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method, as sent (e.g. `GET`).
    pub method: String,
    /// The path, percent-decoded, without the query string.
    pub path: String,
    /// The query parameters in order, percent-decoded (`+` is a space).
    pub query: Vec<(String, String)>,
    /// The headers in order; names are lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// The client's address.
    pub peer: SocketAddr,
}

impl Request {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first query parameter with this name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable query parameter, in order.
    pub fn query_params(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// One HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Extra headers; `Content-Length` and `Connection` are added when written.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// A handler's response carrying this header is never written: the server
/// processed the request and the socket is closed without an answer (a
/// lost answer scripted by the handler itself, e.g. the simulated OpenLMIS's
/// requisition key faults).
pub const LOSE_ANSWER_HEADER: &str = "X-Mock-Lose-Answer";

impl Response {
    /// Whether the handler asked for this answer to be lost
    /// ([`LOSE_ANSWER_HEADER`]).
    pub fn loses_answer(&self) -> bool {
        self.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(LOSE_ANSWER_HEADER))
    }

    /// A response with no body.
    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON response.
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json;charset=UTF-8".into(),
            )],
            body: value.to_string().into_bytes(),
        }
    }

    /// A response with this content type and body.
    pub fn text(status: u16, content_type: &str, body: impl Into<String>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into().into_bytes(),
        }
    }

    /// The same response with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The function that answers requests outside `/__admin/*`.
pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync + 'static>;
