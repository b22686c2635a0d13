//! The recovery drill of issue 17 item 4: the escrow export is the way back
//! when an encrypted outbox's key is lost. Device A (outbox encrypted)
//! records the two example drafts and exports them unsent to the district's
//! key; then A's key is destroyed, so A's outbox cannot be read by anyone;
//! a new device B (another key) imports the escrow file and syncs against
//! the simulated servers on 127.0.0.1, which must then hold exactly the
//! hand-written data value sets and stock events of `tests/fixtures/oracles/`.
//! (The world and its checks are those of escrow.rs: `support::Escrow`.)

use super::support::{Escrow, all_delivered, district_key, events_sent, record_examples};
use agent_core::{AgentError, OutboxKey};

/// A device key as the Android app makes one: 32 random bytes.
fn random_key() -> OutboxKey {
    let mut k = [0u8; 32];
    for b in &mut k {
        *b = fastrand::u8(..);
    }
    OutboxKey::from_raw(k)
}

#[test]
fn a_lost_device_key_is_recovered_from_the_escrow_export_on_a_new_device() {
    let w = Escrow::new();
    let key_a = random_key();
    let a = w.device("a", Some(key_a.clone()));
    let ids = record_examples(&a);
    let (secret, public) = district_key();
    let mut file = Vec::new();
    let s = a.export_unsent(&public, &mut file).unwrap();
    assert_eq!((s.forms, s.revisions), (2, 2));
    drop(a);
    // The key is destroyed: A's outbox opens with no other key.
    drop(key_a);
    for attempt in [Some(random_key()), None] {
        match w.open("a", attempt) {
            Err(AgentError::OutboxKey { .. }) => {}
            other => panic!("A's outbox opened without its key: {other:?}"),
        }
    }
    // A new device, with its own key, recovers every unsent form.
    let b = w.device("b", Some(random_key()));
    let r = b.import(&file, secret.as_bytes()).unwrap();
    assert_eq!(r.imported.len(), 2);
    let rb = w.sync_until_empty(&b);
    assert_eq!(events_sent(&rb), 2);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&b, ids.values());
}
