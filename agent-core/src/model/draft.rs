//! Drafts: what a health worker records, before and after it is saved.
//!
//! A draft arrives either typed (from the Android shell) or as JSON (from a
//! file or the simulator). JSON is read leniently: a value of the wrong type
//! becomes a finding on that field, not a failure of the whole document, so
//! the user sees every problem at once.

use crate::model::form::Finding;
use crate::model::form::{Severity, StockQuantity};
use crate::model::i18n::Message;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The most text a comment may hold, in bytes.
pub const MAX_COMMENT_BYTES: usize = 2000;
/// The most bytes a draft document may have, read from a file or not.
pub const MAX_DRAFT_BYTES: usize = 4 * 1024 * 1024;

/// The stock lines of one product. A `None` is a field left empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockEntry {
    /// Stock at the start of the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_balance: Option<i64>,
    /// Quantity received during the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<i64>,
    /// Quantity consumed (dispensed) during the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumed: Option<i64>,
    /// Losses (expired, damaged, stolen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub losses: Option<i64>,
    /// Net adjustments, positive or negative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustments: Option<i64>,
    /// Stock at the end of the period, counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_balance: Option<i64>,
    /// Days the product was out of stock during the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stockout_days: Option<i64>,
    /// Quantity requested for resupply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_quantity: Option<i64>,
}

impl StockEntry {
    /// The value of quantity `q`.
    pub fn get(&self, q: StockQuantity) -> Option<i64> {
        match q {
            StockQuantity::OpeningBalance => self.opening_balance,
            StockQuantity::Received => self.received,
            StockQuantity::Consumed => self.consumed,
            StockQuantity::Losses => self.losses,
            StockQuantity::Adjustments => self.adjustments,
            StockQuantity::ClosingBalance => self.closing_balance,
            StockQuantity::StockoutDays => self.stockout_days,
            StockQuantity::RequestedQuantity => self.requested_quantity,
        }
    }

    /// Sets quantity `q`.
    pub fn set(&mut self, q: StockQuantity, v: Option<i64>) {
        let slot = match q {
            StockQuantity::OpeningBalance => &mut self.opening_balance,
            StockQuantity::Received => &mut self.received,
            StockQuantity::Consumed => &mut self.consumed,
            StockQuantity::Losses => &mut self.losses,
            StockQuantity::Adjustments => &mut self.adjustments,
            StockQuantity::ClosingBalance => &mut self.closing_balance,
            StockQuantity::StockoutDays => &mut self.stockout_days,
            StockQuantity::RequestedQuantity => &mut self.requested_quantity,
        };
        *slot = v;
    }

    /// The closing balance the other numbers add up to: opening balance +
    /// received − consumed − losses + adjustments (missing losses and
    /// adjustments count as 0). `None` when the opening balance, received or
    /// consumed is missing, or the sum does not fit in an `i64`. May be
    /// negative (more used than was available). The `balance` finding
    /// compares the counted closing balance with this.
    pub fn expected_closing(&self) -> Option<i64> {
        self.opening_balance?
            .checked_add(self.received?)?
            .checked_sub(self.consumed?)?
            .checked_sub(self.losses.unwrap_or(0))?
            .checked_add(self.adjustments.unwrap_or(0))
    }
}

/// One recorded form: the format of `schemas/submission.schema.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// The form definition id.
    pub form: String,
    /// The local facility code.
    pub facility: String,
    /// The period, in any accepted form (`2026-10`, `202610`, `2026-Q4`...).
    pub period: String,
    /// Service counts by field key.
    #[serde(default)]
    pub service: BTreeMap<String, i64>,
    /// Stock lines by product code.
    #[serde(default)]
    pub stock: BTreeMap<String, StockEntry>,
    /// Free-text comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Who captured the form (a name or initials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_by: Option<String>,
}

/// Why a draft document could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftReadError {
    /// The bytes are not UTF-8 text.
    #[error(
        "the draft is not readable text (byte {offset} is not valid UTF-8); save it as UTF-8 and try again"
    )]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The text is not JSON.
    #[error(
        "the draft is not valid JSON (line {line}, column {column}: {detail}); fix the file and try again"
    )]
    NotJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's description.
        detail: String,
    },
    /// The document is too large to be a form.
    #[error(
        "the draft is {size} bytes, more than the {max} bytes a form can have; check that this is the right file"
    )]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The document is JSON but not an object.
    #[error("the draft must be a JSON object with form, facility, period, service and stock")]
    NotAnObject,
}

/// Reads a whole number from JSON, or explains why the value is not one.
fn whole_number(v: &Value) -> Result<Option<i64>, Message> {
    let too_large = |n: &serde_json::Number| {
        Message::new("finding-draft-number-too-large").text("number", n.to_string())
    };
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else if n.as_u64().is_some() {
                Err(too_large(n))
            } else {
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                    Some(f) if f.fract() == 0.0 => Err(too_large(n)),
                    _ => Err(Message::new("finding-draft-number-not-whole")
                        .text("number", n.to_string())),
                }
            }
        }
        Value::String(s) => {
            Err(Message::new("finding-draft-number-is-text").text("text", shorten(s)))
        }
        Value::Bool(b) => {
            Err(Message::new("finding-draft-number-is-bool").text("value", b.to_string()))
        }
        Value::Array(_) => Err(Message::new("finding-draft-number-is-list")),
        Value::Object(_) => Err(Message::new("finding-draft-number-is-object")),
    }
}

/// Shortens text for messages so a long value does not flood the screen,
/// with hidden characters made visible (see [`visible`]): a message must
/// show what was typed, not let it act on the screen.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        visible(s).into_owned()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{}…", visible(&head))
    }
}

/// Whether `c` is a Unicode bidirectional control (the `Bidi_Control`
/// property): the embeddings and overrides U+202A–U+202E, the isolates
/// U+2066–U+2069, and the marks U+200E, U+200F and U+061C.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Whether free text may not hold `c`: a control character (C0, DEL, C1)
/// other than tab, line feed and carriage return in multi-line text, or a
/// bidi embedding, override or isolate (U+202A–U+202E, U+2066–U+2069),
/// which reorder the text after them so that what is shown differs from
/// what was typed ("Trojan Source"). The marks U+200E, U+200F and U+061C are
/// allowed: Arabic, Hebrew, Persian and Urdu keyboards type them, and they
/// only set the direction of the characters next to them.
pub fn is_refused_in_text(c: char, multi_line: bool) -> bool {
    if multi_line && matches!(c, '\t' | '\n' | '\r') {
        return false;
    }
    c.is_control() || (is_bidi_control(c) && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}'))
}

/// `s` with every control character and bidi control made visible: tab,
/// line feed and carriage return as `\t`, `\n`, `\r`, any other as
/// `<U+XXXX>`. For showing text that came from a file, a form or a server
/// on a screen or terminal, which would otherwise act on them.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || is_bidi_control(c) => {
                out.push_str(&format!("<U+{:04X}>", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn text_field(
    obj: &serde_json::Map<String, Value>,
    key: &str,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    match obj.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            findings.push(Finding::invalid(
                key,
                Message::new("finding-draft-not-text")
                    .text("key", key)
                    .id("type", type_name(other)),
            ));
            None
        }
    }
}

/// The message id naming a JSON value's type.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "json-type-empty",
        Value::Bool(_) => "json-type-bool",
        Value::Number(_) => "json-type-number",
        Value::String(_) => "json-type-text",
        Value::Array(_) => "json-type-list",
        Value::Object(_) => "json-type-object",
    }
}

/// The finding for a key written `count` times in one object.
fn duplicate_key(path: String, count: usize) -> Finding {
    let text = Message::new("finding-draft-duplicate-key")
        .text("path", shorten(&path))
        .num("count", i64::try_from(count).unwrap_or(i64::MAX));
    Finding::new(path, Severity::Error, "duplicate_key", text)
}

/// Walks a JSON document and counts every key that appears more than once in
/// the same object, by its path (`stock.ACT-6x1.closing_balance`). Values are
/// not kept.
struct DuplicateScan<'a> {
    /// The path of the value being read; empty at the top.
    path: String,
    /// Path of each repeated key, with how often it appears.
    found: &'a mut BTreeMap<String, usize>,
}

impl DuplicateScan<'_> {
    fn child(&mut self, key: &str) -> DuplicateScan<'_> {
        DuplicateScan {
            path: if self.path.is_empty() {
                key.to_string()
            } else {
                format!("{}.{key}", self.path)
            },
            found: &mut *self.found,
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for DuplicateScan<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for DuplicateScan<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            let element = DuplicateScan {
                path: format!("{}[{i}]", self.path),
                found: &mut *self.found,
            };
            if seq.next_element_seed(element)?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let child = self.child(&key);
            if !seen.insert(key) {
                // The second sighting counts 2, every further one adds 1.
                *child.found.entry(child.path.clone()).or_insert(1) += 1;
            }
            map.next_value_seed(child)?;
        }
        Ok(())
    }
}

impl Draft {
    /// Reads a draft from raw bytes. Problems with single fields (wrong type,
    /// unknown key, number out of range, a key written twice) come back as findings next to the
    /// draft, with the offending field left out of it; only a document that
    /// cannot be read at all is an error.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<(Draft, Vec<Finding>), DraftReadError> {
        if bytes.len() > MAX_DRAFT_BYTES {
            return Err(DraftReadError::TooLarge {
                size: bytes.len(),
                max: MAX_DRAFT_BYTES,
            });
        }
        let text = std::str::from_utf8(bytes).map_err(|e| DraftReadError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        let value: Value = serde_json::from_str(text).map_err(|e| DraftReadError::NotJson {
            line: e.line(),
            column: e.column(),
            detail: {
                let text = e.to_string();
                // serde_json appends " at line L column C"; the message says it already.
                text.rsplit_once(" at line ")
                    .map(|(head, _)| head.to_string())
                    .unwrap_or(text)
            },
        })?;
        let (draft, mut findings) = Draft::from_json_value(&value)?;
        // serde_json keeps the last of two equal keys without a word: the
        // document says two things and the reader would pick one. The text
        // parsed above, so the scan cannot fail; if it did, nothing is lost
        // but this check.
        let mut twice = BTreeMap::new();
        let mut de = serde_json::Deserializer::from_str(text);
        if serde::de::DeserializeSeed::deserialize(
            DuplicateScan {
                path: String::new(),
                found: &mut twice,
            },
            &mut de,
        )
        .is_ok()
        {
            // Duplicates first: they explain any other finding on the same field.
            let dups = twice
                .into_iter()
                .map(|(path, count)| duplicate_key(path, count));
            findings = dups.chain(findings).collect();
        }
        Ok((draft, findings))
    }

    /// Reads a draft from a parsed JSON value; see [`Draft::from_json_bytes`].
    pub fn from_json_value(value: &Value) -> Result<(Draft, Vec<Finding>), DraftReadError> {
        let obj = value.as_object().ok_or(DraftReadError::NotAnObject)?;
        let mut findings = Vec::new();
        let mut draft = Draft::default();
        for key in obj.keys() {
            if !matches!(
                key.as_str(),
                "form"
                    | "facility"
                    | "period"
                    | "service"
                    | "stock"
                    | "comment"
                    | "captured_by"
                    | "$schema"
            ) {
                findings.push(Finding::invalid(
                    key,
                    Message::new("finding-draft-unknown-key").text("key", shorten(key)),
                ));
            }
        }
        draft.form = text_field(obj, "form", &mut findings).unwrap_or_default();
        draft.facility = text_field(obj, "facility", &mut findings).unwrap_or_default();
        draft.period = text_field(obj, "period", &mut findings).unwrap_or_default();
        draft.comment = text_field(obj, "comment", &mut findings);
        draft.captured_by = text_field(obj, "captured_by", &mut findings);
        match obj.get("service") {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    let path = format!("service.{k}");
                    match whole_number(v) {
                        Ok(Some(n)) => {
                            draft.service.insert(k.clone(), n);
                        }
                        Ok(None) => {}
                        Err(why) => findings.push(Finding::invalid(&path, why)),
                    }
                }
            }
            Some(other) => findings.push(Finding::invalid(
                "service",
                Message::new("finding-draft-service-not-object").id("type", type_name(other)),
            )),
        }
        match obj.get("stock") {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (code, lines) in m {
                    let Some(lines) = lines.as_object() else {
                        findings.push(Finding::invalid(
                            format!("stock.{code}"),
                            Message::new("finding-draft-stock-not-object")
                                .text("product", shorten(code))
                                .id("type", type_name(lines)),
                        ));
                        continue;
                    };
                    let mut entry = StockEntry::default();
                    for (k, v) in lines {
                        let path = format!("stock.{code}.{k}");
                        let Some(q) = StockQuantity::from_key(k) else {
                            findings.push(Finding::invalid(
                                &path,
                                Message::new("finding-draft-not-stock-quantity")
                                    .text("key", shorten(k)),
                            ));
                            continue;
                        };
                        match whole_number(v) {
                            Ok(n) => entry.set(q, n),
                            Err(why) => findings.push(Finding::invalid(&path, why)),
                        }
                    }
                    draft.stock.insert(code.clone(), entry);
                }
            }
            Some(other) => findings.push(Finding::invalid(
                "stock",
                Message::new("finding-draft-stock-not-products").id("type", type_name(other)),
            )),
        }
        debug_assert!(findings.iter().all(|f| f.severity == Severity::Error));
        Ok((draft, findings))
    }

    /// The draft as pretty JSON, in the submission schema's format.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_closing_balance_follows_the_stock_card() {
        let e = |o, r, c, l, a| StockEntry {
            opening_balance: o,
            received: r,
            consumed: c,
            losses: l,
            adjustments: a,
            ..StockEntry::default()
        };
        // 100 + 50 − 30 − 5 + (−2) = 113, worked by hand.
        assert_eq!(
            e(Some(100), Some(50), Some(30), Some(5), Some(-2)).expected_closing(),
            Some(113)
        );
        // 40 + 20 − 18 + 3 = 45 (no losses recorded).
        assert_eq!(
            e(Some(40), Some(20), Some(18), None, Some(3)).expected_closing(),
            Some(45)
        );
        // Missing losses and adjustments count as 0: 10 + 5 − 3 = 12.
        assert_eq!(
            e(Some(10), Some(5), Some(3), None, None).expected_closing(),
            Some(12)
        );
        // More used than available: 0 + 0 − 5 = −5.
        assert_eq!(
            e(Some(0), Some(0), Some(5), None, None).expected_closing(),
            Some(-5)
        );
        // Without the opening balance, received or consumed there is no sum.
        assert_eq!(
            e(None, Some(5), Some(3), None, None).expected_closing(),
            None
        );
        assert_eq!(
            e(Some(10), None, Some(3), None, None).expected_closing(),
            None
        );
        assert_eq!(
            e(Some(10), Some(5), None, None, None).expected_closing(),
            None
        );
        // A sum that does not fit is no sum, not a panic or a wrapped number.
        assert_eq!(
            e(Some(i64::MAX), Some(1), Some(0), None, None).expected_closing(),
            None
        );
    }

    fn read(text: &str) -> (Draft, Vec<Finding>) {
        let (d, f) = Draft::from_json_bytes(text.as_bytes()).unwrap();
        // Every finding's text comes from a message (no hard-coded English).
        for x in &f {
            crate::model::i18n::assert_pseudo_clean(&x.text);
        }
        (d, f)
    }

    #[test]
    fn the_example_from_the_issue_reads_cleanly() {
        let (d, f) = read(
            r#"{"form":"chw-monthly","facility":"HP-001","period":"2026-10",
            "service":{"malaria_rdt_positive":14},
            "stock":{"ACT-6x1":{"opening_balance":40,"received":20,"consumed":18,"losses":0,"adjustments":0,
                                "closing_balance":42,"stockout_days":0,"requested_quantity":30}},
            "comment":"optional","captured_by":"optional"}"#,
        );
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(d.service["malaria_rdt_positive"], 14);
        assert_eq!(d.stock["ACT-6x1"].closing_balance, Some(42));
    }

    #[test]
    fn wrong_types_become_findings_on_their_fields() {
        let (d, f) = read(
            r#"{"form":"chw-monthly","facility":7,"period":"2026-10",
            "service":{"a":"fourteen","b":1.5,"c":99999999999999999999,"d":true,"e":3},
            "stock":{"X":{"consumed":[1],"closing":3},"Y":5},"extra":1}"#,
        );
        let paths: Vec<&str> = f.iter().map(|x| x.path.as_str()).collect();
        for p in [
            "extra",
            "facility",
            "service.a",
            "service.b",
            "service.c",
            "service.d",
            "stock.X.consumed",
            "stock.X.closing",
            "stock.Y",
        ] {
            assert!(paths.contains(&p), "missing {p} in {paths:?}");
        }
        assert_eq!(d.service.get("e"), Some(&3));
        assert!(f.iter().any(|x| x.message.contains("far too large")));
        assert!(f.iter().any(|x| x.message.contains("\"fourteen\" is text")));
    }

    #[test]
    fn unreadable_documents_are_errors_that_say_what_to_do() {
        assert!(matches!(
            Draft::from_json_bytes(b"{\"form\": "),
            Err(DraftReadError::NotJson { .. })
        ));
        assert!(matches!(
            Draft::from_json_bytes(b"[1]"),
            Err(DraftReadError::NotAnObject)
        ));
        assert!(matches!(
            Draft::from_json_bytes(&[b'{', 0xff, b'}']),
            Err(DraftReadError::NotUtf8 { offset: 1 })
        ));
        let big = vec![b' '; MAX_DRAFT_BYTES + 1];
        let e = Draft::from_json_bytes(&big).unwrap_err();
        assert!(e.to_string().contains("right file"));
    }

    #[test]
    fn a_key_written_twice_is_an_error_naming_its_path() {
        let (d, f) = read(
            r#"{"form":"chw-monthly","facility":"HP-001","period":"2026-10",
            "stock":{"ACT-6x1":{"opening_balance":40,"closing_balance":42,"closing_balance":4200}},
            "service":{"a":1,"b":2,"a":3,"a":4},
            "comment":"x","comment":"y"}"#,
        );
        let dups: Vec<(&str, &str)> = f
            .iter()
            .filter(|x| x.code == "duplicate_key")
            .map(|x| (x.path.as_str(), x.message.as_str()))
            .collect();
        assert_eq!(dups.len(), 3, "{f:#?}");
        let message = |path: &str| {
            dups.iter()
                .find(|(p, _)| *p == path)
                .unwrap_or_else(|| panic!("no finding on {path}: {f:#?}"))
                .1
        };
        assert!(
            message("stock.ACT-6x1.closing_balance")
                .starts_with("stock.ACT-6x1.closing_balance appears twice"),
            "{f:#?}"
        );
        assert!(message("service.a").starts_with("service.a appears 3 times"));
        assert!(message("comment").starts_with("comment appears twice"));
        assert!(f.iter().all(|x| x.severity == Severity::Error));
        // Nothing else is wrong with the document.
        assert_eq!(f.len(), 3, "{f:#?}");
        // The draft itself is what serde_json made of it (the last value);
        // the error is what keeps it from being saved.
        assert_eq!(d.stock["ACT-6x1"].closing_balance, Some(4200));
    }

    #[test]
    fn equal_keys_in_different_objects_are_not_duplicates() {
        let (_, f) = read(
            r#"{"form":"f","facility":"H","period":"2026-10",
            "stock":{"A":{"consumed":1,"received":2},"B":{"consumed":1,"received":2}},
            "service":{"consumed":5}}"#,
        );
        assert!(f.is_empty(), "{f:#?}");
        // A key spelt with an escape is the same key.
        let (_, f) = read(r#"{"form":"f","facility":"H","period":"2026-10","\u0066orm":"g"}"#);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            (f[0].path.as_str(), f[0].code.as_str()),
            ("form", "duplicate_key")
        );
        // Inside a list (not valid in a draft, but scanned all the same).
        let (_, f) =
            read(r#"{"form":"f","facility":"H","period":"2026-10","extra":[{"k":1,"k":2}]}"#);
        assert!(
            f.iter()
                .any(|x| x.path == "extra[0].k" && x.code == "duplicate_key"),
            "{f:#?}"
        );
    }

    #[test]
    fn typed_drafts_round_trip_through_json() {
        let (d, _) =
            read(r#"{"form":"f","facility":"H","period":"202610","stock":{"A":{"consumed":3}}}"#);
        let again = Draft::from_json_bytes(d.to_json_pretty().as_bytes()).unwrap();
        assert_eq!(again, (d, vec![]));
    }
}
