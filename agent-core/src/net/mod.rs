//! The network: HTTP transport and retry timing.

pub mod http;
pub mod retry;
