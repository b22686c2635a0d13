//! Simulated destination servers for tests, chaos runs and field testers: a
//! small fault-injecting HTTP/1.1 server and, on top of it, a simulated DHIS2
//! that behaves like the contract in `shared/contracts/dhis2/README.md`.

pub mod dhis2;
pub mod faults;
pub mod from_forms;
pub mod hostile;
pub mod http;
pub mod message;
pub mod openlmis;
pub mod period;
pub mod tls;
