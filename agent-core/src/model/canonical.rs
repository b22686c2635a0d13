//! The canonical encoding of a draft and its content hash.
//!
//! Two drafts with the same content have the same hash, whatever the key
//! order or whitespace of the document they came from; any change of a value
//! changes it. The hash is how a double tap on "save" is told apart from a
//! correction.

use crate::model::draft::Draft;
use sha2::{Digest, Sha256};

/// The canonical bytes of a draft: compact JSON with object keys sorted,
/// empty fields omitted, integers in decimal. The draft's period should
/// already be normalised to its DHIS2 id.
pub fn canonical_bytes(draft: &Draft) -> Vec<u8> {
    // serde_json's map is ordered by key (the `preserve_order` feature is
    // not enabled in this workspace), so going through a `Value` sorts every
    // object, including the service and stock maps.
    match serde_json::to_value(draft) {
        Ok(v) => v.to_string().into_bytes(),
        // A Draft has only strings, integers and maps with string keys, so
        // serialisation cannot fail; fall back to the derived order anyway.
        Err(_) => serde_json::to_vec(draft).unwrap_or_default(),
    }
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))
}

/// The content hash of a draft: sha256 of its canonical bytes.
pub fn content_hash(draft: &Draft) -> String {
    sha256_hex(&canonical_bytes(draft))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::draft::StockEntry;
    use proptest::prelude::*;
    use serde_json::Value;

    fn arb_entry() -> impl Strategy<Value = StockEntry> {
        proptest::collection::vec(proptest::option::of(-5i64..100_000), 8).prop_map(|v| {
            StockEntry {
                opening_balance: v[0],
                received: v[1],
                consumed: v[2],
                losses: v[3],
                adjustments: v[4],
                closing_balance: v[5],
                stockout_days: v[6],
                requested_quantity: v[7],
            }
        })
    }

    fn arb_draft() -> impl Strategy<Value = Draft> {
        (
            "[a-z-]{1,12}",
            "HP-[0-9]{3}",
            proptest::collection::btree_map("[a-z_]{1,10}", 0i64..10_000, 0..8),
            proptest::collection::btree_map("[A-Z]{2,4}-[0-9]", arb_entry(), 0..5),
            proptest::option::of("\\PC{0,30}"),
        )
            .prop_map(|(form, facility, service, stock, comment)| Draft {
                form,
                facility,
                period: "202610".into(),
                service,
                stock,
                comment,
                captured_by: None,
            })
    }

    /// Re-serialises a JSON value with object keys reversed and extra whitespace.
    fn scramble(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                out.push_str("{ \n");
                let mut first = true;
                for (k, val) in m.iter().rev() {
                    if !first {
                        out.push_str(" ,\t");
                    }
                    first = false;
                    out.push_str(&serde_json::to_string(k).unwrap());
                    out.push_str(" :  ");
                    scramble(val, out);
                }
                out.push_str("\n}");
            }
            other => out.push_str(&other.to_string()),
        }
    }

    proptest! {
        #[test]
        fn key_order_and_whitespace_do_not_change_the_hash(d in arb_draft()) {
            let mut text = String::new();
            scramble(&serde_json::to_value(&d).unwrap(), &mut text);
            let (again, findings) = Draft::from_json_bytes(text.as_bytes()).unwrap();
            prop_assert!(findings.is_empty());
            prop_assert_eq!(content_hash(&again), content_hash(&d));
        }

        #[test]
        fn any_value_change_changes_the_hash(d in arb_draft(), delta in 1i64..1000, pick in any::<prop::sample::Index>()) {
            let mut changed = d.clone();
            let n_service = changed.service.len();
            let n_stock = changed.stock.len() * 8;
            if n_service + n_stock == 0 {
                changed.comment = Some(format!("{}x", changed.comment.unwrap_or_default()));
            } else {
                let i = pick.index(n_service + n_stock);
                if i < n_service {
                    let k = changed.service.keys().nth(i).unwrap().clone();
                    *changed.service.get_mut(&k).unwrap() += delta;
                } else {
                    let j = i - n_service;
                    let k = changed.stock.keys().nth(j / 8).unwrap().clone();
                    let q = crate::model::form::StockQuantity::ALL[j % 8];
                    let e = changed.stock.get_mut(&k).unwrap();
                    let v = e.get(q);
                    e.set(q, Some(v.unwrap_or(0) + delta));
                }
            }
            prop_assert_ne!(content_hash(&changed), content_hash(&d));
        }
    }

    #[test]
    fn the_hash_is_the_sha256_of_sorted_compact_json() {
        let d = Draft {
            form: "f".into(),
            facility: "H".into(),
            period: "202610".into(),
            ..Default::default()
        };
        let bytes = canonical_bytes(&d);
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"facility":"H","form":"f","period":"202610","service":{},"stock":{}}"#
        );
        assert_eq!(
            sha256_hex(b"hello"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }
}
