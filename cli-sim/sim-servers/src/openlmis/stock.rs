//! The simulated stockmanagement (§5, §6): stock events, the stock card
//! ledger and the read endpoints.

use super::MockFacility;
use super::refdata::Reference;
use super::{
    MAX_CARD_LINES, MAX_EVENTS, Principal, Service, State, User, derived_uuid, is_uuid, json_body,
    message, page, parse_error,
};
use crate::http::{Request, Response};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The longest date range stock-out days are counted over (about ten years).
const MAX_RANGE_DAYS: u64 = 3660;

/// A stock card's key: (facility id, program id, orderable id). Lots are not
/// modelled.
pub(super) type Key = (String, String, String);

/// The key of a card.
pub(super) fn key(facility: &str, program: &str, orderable: &str) -> Key {
    (
        facility.to_string(),
        program.to_string(),
        orderable.to_string(),
    )
}

/// One line of a stock card, as the server stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardLine {
    /// The line id.
    pub id: String,
    /// The id of the stock event that wrote it.
    pub event_id: String,
    /// `occurredDate`.
    pub occurred_date: NaiveDate,
    /// When the server processed the event (its clock, see `set_today`).
    pub processed_at: DateTime<Utc>,
    /// The quantity as sent (for a physical count: the counted stock).
    pub quantity: i64,
    /// The signed change of stock on hand the line made at its place in the
    /// ledger (for a physical count: count minus the previous stock).
    pub effect: i64,
    /// `reasonId`, if any.
    pub reason_id: Option<String>,
    /// `reasonFreeText`, if any.
    pub reason_free_text: Option<String>,
    /// `sourceId` (a node id), if any.
    pub source_id: Option<String>,
    /// `sourceFreeText`, if any.
    pub source_free_text: Option<String>,
    /// `destinationId` (a node id), if any.
    pub destination_id: Option<String>,
    /// `destinationFreeText`, if any.
    pub destination_free_text: Option<String>,
    /// `stockAdjustments` as (reason id, quantity).
    pub stock_adjustments: Vec<(String, i64)>,
    /// `extraData`, every value a string (§9).
    pub extra_data: BTreeMap<String, String>,
    /// The stock on hand after this line.
    pub stock_on_hand: i64,
    /// The event's `documentNumber`.
    pub document_number: Option<String>,
    /// The event's `signature`.
    pub signature: Option<String>,
}

impl CardLine {
    /// Whether the line is a physical count (no reason, source or destination).
    pub fn is_physical_count(&self) -> bool {
        self.reason_id.is_none() && self.source_id.is_none() && self.destination_id.is_none()
    }
}

/// One committed stock event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The event id the server answered with.
    pub id: String,
    /// `resourceId` as sent, if any.
    pub resource_id: Option<String>,
    /// The physical inventory the event created (`resourceId` or a new id),
    /// when it is a physical-inventory event (§6.2).
    pub physical_inventory_id: Option<String>,
    /// `facilityId`.
    pub facility: String,
    /// `programId`.
    pub program: String,
    /// The body as received.
    pub body: Value,
    /// When it was processed.
    pub processed_at: DateTime<Utc>,
}

/// How a line moves stock (§5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Credit,
    Debit,
    Physical,
}

/// A line with what the ledger order needs.
#[derive(Debug, Clone)]
struct Line {
    line: CardLine,
    kind: Kind,
    /// The event's arrival number ("processed time").
    seq: u64,
    /// 0 for a CREDIT reason, 1 for a DEBIT reason, 2 for no reason (§5.1).
    priority: u8,
    /// The line's place in its event.
    index: usize,
}

#[derive(Debug, Clone)]
struct Card {
    id: String,
    lines: Vec<Line>,
}

/// Every stock card, event and physical inventory.
#[derive(Debug, Default)]
pub(super) struct Ledger {
    cards: BTreeMap<Key, Card>,
    card_ids: HashMap<String, Key>,
    events: Vec<StoredEvent>,
    physical_inventories: HashSet<String>,
    lines: usize,
    seq: u64,
}

/// The point where a card would go below zero (or above the integer limit).
#[derive(Debug)]
struct Overdraw {
    occurred: NaiveDate,
    previous: i64,
    quantity: i64,
    too_high: bool,
}

/// Sorts lines into ledger order and recomputes stock on hand: occurred
/// date, then processed time, then CREDIT before DEBIT before no reason
/// (§5.1, upstream `StockCard.getLineItemsComparator`). Fails at the first
/// point below zero.
fn recompute(lines: &mut [Line]) -> Result<(), Overdraw> {
    recompute_from(lines, 0)
}

/// [`recompute`] starting from a stock on hand of `start`.
fn recompute_from(lines: &mut [Line], start: i64) -> Result<(), Overdraw> {
    lines.sort_by(|a, b| {
        (a.line.occurred_date, a.seq, a.priority, a.index).cmp(&(
            b.line.occurred_date,
            b.seq,
            b.priority,
            b.index,
        ))
    });
    let mut soh: i64 = start;
    for l in lines.iter_mut() {
        let q = l.line.quantity;
        let next = match l.kind {
            Kind::Credit => soh + q,
            Kind::Debit => soh - q,
            Kind::Physical => q,
        };
        if next < 0 || next > i64::from(i32::MAX) {
            return Err(Overdraw {
                occurred: l.line.occurred_date,
                previous: soh,
                quantity: q,
                too_high: next >= 0,
            });
        }
        l.line.effect = next - soh;
        l.line.stock_on_hand = next;
        soh = next;
    }
    Ok(())
}

/// A card's new ledger after an event.
enum Ledgered {
    /// The new lines all sort after the existing ones: only they are added.
    Tail(Vec<Line>),
    /// The whole card, re-ordered and recomputed.
    Whole(Vec<Line>),
}

/// The usual case, in time linear in the event and not in the card: every
/// new line sorts after the card's last line (its occurred date is not
/// earlier, and its arrival number is the newest), so the existing lines
/// keep their places and stock on hand, and the new lines are computed on
/// from the last stock on hand. `Err` gives the lines back when the event is
/// back-dated; then [`recompute`] orders the whole card.
fn appended(old: &[Line], mut new: Vec<Line>) -> Result<Result<Vec<Line>, Overdraw>, Vec<Line>> {
    let last = old.last();
    if let Some(last) = last
        && new
            .iter()
            .any(|l| l.line.occurred_date < last.line.occurred_date || l.seq <= last.seq)
    {
        return Err(new);
    }
    let start = last.map_or(0, |l| l.line.stock_on_hand);
    Ok(recompute_from(&mut new, start).map(|()| new))
}

/// A line of an incoming event, as bound from JSON.
#[derive(Debug, Default)]
struct LineIn {
    orderable_id: Option<String>,
    lot_id: Option<String>,
    quantity: Option<i64>,
    occurred: Option<NaiveDate>,
    reason_id: Option<String>,
    reason_free_text: Option<String>,
    source_id: Option<String>,
    source_free_text: Option<String>,
    destination_id: Option<String>,
    destination_free_text: Option<String>,
    adjustments: Vec<(Option<String>, Option<i64>)>,
    extra: BTreeMap<String, String>,
}

/// An incoming event, as bound from JSON.
#[derive(Debug, Default)]
struct EventIn {
    facility_id: Option<String>,
    program_id: Option<String>,
    resource_id: Option<String>,
    signature: Option<String>,
    document_number: Option<String>,
    lines: Vec<LineIn>,
}

/// A string field (Jackson coerces scalars to strings; containers fail).
fn get_str(obj: &Value, field: &str) -> Result<Option<String>, String> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
        Some(_) => Err(format!(
            "Cannot deserialize value of type `java.lang.String` from Object value (field \"{field}\")"
        )),
    }
}

/// A UUID field.
fn get_uuid(obj: &Value, field: &str) -> Result<Option<String>, String> {
    match get_str(obj, field)? {
        None => Ok(None),
        Some(s) if is_uuid(&s) => Ok(Some(s.to_ascii_lowercase())),
        Some(s) => Err(format!(
            "Cannot deserialize value of type `java.util.UUID` from String \"{s}\": UUID has to be represented by standard 36-char representation"
        )),
    }
}

/// An `Integer` field (numbers, integral floats truncated, numeric strings).
pub(super) fn get_int(obj: &Value, field: &str) -> Result<Option<i64>, String> {
    let bad = |v: &Value| {
        format!("Cannot deserialize value of type `java.lang.Integer` from {v} (field \"{field}\")")
    };
    let n = match obj.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(v @ Value::Number(n)) => match n.as_i64() {
            Some(i) => i,
            // Jackson accepts floats as ints by truncating them.
            None => match n.as_f64() {
                Some(f) if f.is_finite() && f.abs() < 2_147_483_648.0 => f.trunc() as i64,
                _ => return Err(bad(v)),
            },
        },
        Some(v @ Value::String(s)) => s.trim().parse::<i64>().map_err(|_| bad(v))?,
        Some(v) => return Err(bad(v)),
    };
    if i32::try_from(n).is_err() {
        return Err(format!(
            "Numeric value ({n}) out of range of int (field \"{field}\")"
        ));
    }
    Ok(Some(n))
}

/// A `LocalDate` field (`yyyy-MM-dd`).
fn get_date(obj: &Value, field: &str) -> Result<Option<NaiveDate>, String> {
    match get_str(obj, field)? {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                format!(
                    "Cannot deserialize value of type `java.time.LocalDate` from String \"{s}\""
                )
            }),
    }
}

/// Binds a stock event body the way the Java DTO does (unknown fields ignored, §1).
fn bind_event(body: &Value) -> Result<EventIn, String> {
    if !body.is_object() {
        return Err("Cannot deserialize value of type `StockEventDto` from non-object".into());
    }
    let mut ev = EventIn {
        facility_id: get_uuid(body, "facilityId")?,
        program_id: get_uuid(body, "programId")?,
        resource_id: get_uuid(body, "resourceId")?,
        signature: get_str(body, "signature")?,
        document_number: get_str(body, "documentNumber")?,
        lines: Vec::new(),
    };
    let items = match body.get("lineItems") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err("lineItems must be an array".into()),
    };
    for item in &items {
        if !item.is_object() {
            return Err("a line item must be an object".into());
        }
        let mut adjustments = Vec::new();
        match item.get("stockAdjustments") {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) => {
                for adj in a {
                    if !adj.is_object() {
                        return Err("a stock adjustment must be an object".into());
                    }
                    adjustments.push((get_uuid(adj, "reasonId")?, get_int(adj, "quantity")?));
                }
            }
            Some(_) => return Err("stockAdjustments must be an array".into()),
        }
        let mut extra = BTreeMap::new();
        match item.get("extraData") {
            None | Some(Value::Null) => {}
            // `Map<String, String>` (§9): scalars become strings.
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    match v {
                        Value::Null => {}
                        Value::String(s) => {
                            extra.insert(k.clone(), s.clone());
                        }
                        Value::Number(_) | Value::Bool(_) => {
                            extra.insert(k.clone(), v.to_string());
                        }
                        _ => {
                            return Err(format!(
                                "Cannot deserialize value of type `java.lang.String` from Object value (extraData \"{k}\")"
                            ));
                        }
                    }
                }
            }
            Some(_) => return Err("extraData must be an object".into()),
        }
        ev.lines.push(LineIn {
            orderable_id: get_uuid(item, "orderableId")?,
            lot_id: get_uuid(item, "lotId")?,
            quantity: get_int(item, "quantity")?,
            occurred: get_date(item, "occurredDate")?,
            reason_id: get_uuid(item, "reasonId")?,
            reason_free_text: get_str(item, "reasonFreeText")?,
            source_id: get_uuid(item, "sourceId")?,
            source_free_text: get_str(item, "sourceFreeText")?,
            destination_id: get_uuid(item, "destinationId")?,
            destination_free_text: get_str(item, "destinationFreeText")?,
            adjustments,
            extra,
        });
    }
    Ok(ev)
}

/// Why a stock event was not applied.
#[derive(Debug)]
pub(super) enum EventError {
    /// The body could not be bound to the DTO (answered in Spring's shape).
    Binding(String),
    /// A validation or processing error, as answered.
    Rejected(Response),
}

impl EventError {
    /// The response for callers that answer a bound body (e.g. §7.5).
    pub fn into_response(self) -> Response {
        match self {
            EventError::Binding(text) => Response::json(
                500,
                &json!({"message": "The event could not be built", "description": text}),
            ),
            EventError::Rejected(r) => r,
        }
    }
}

fn bad(key: &str, text: &str) -> Response {
    message(400, &format!("stockmanagement.error.{key}"), text)
}

impl Ledger {
    pub fn stock_on_hand(&self, key: &Key) -> Option<i64> {
        self.cards
            .get(key)
            .map(|c| c.lines.last().map_or(0, |l| l.line.stock_on_hand))
    }

    pub fn has_card(&self, key: &Key) -> bool {
        self.cards.contains_key(key)
    }

    pub fn card_lines(&self, key: &Key) -> Vec<CardLine> {
        self.cards
            .get(key)
            .map(|c| c.lines.iter().map(|l| l.line.clone()).collect())
            .unwrap_or_default()
    }

    pub fn events(&self) -> Vec<StoredEvent> {
        self.events.clone()
    }

    /// The stock on hand at the end of `date` (0 before the first line or
    /// without a card).
    pub fn soh_as_of(&self, key: &Key, date: NaiveDate) -> i64 {
        self.cards.get(key).map_or(0, |c| {
            c.lines
                .iter()
                .take_while(|l| l.line.occurred_date <= date)
                .last()
                .map_or(0, |l| l.line.stock_on_hand)
        })
    }

    /// The signed tag total of a card over `start..=end` (see `tag_total`).
    pub fn tag_sum(
        &self,
        refs: &Reference,
        key: &Key,
        tag: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> i64 {
        self.tag_sums(refs, key, Some(start), Some(end))
            .get(tag)
            .copied()
            .unwrap_or(0)
    }

    /// Every tag's signed total over a card's lines in the range, like
    /// upstream `StockCardAggregate.getAmounts`: each line whose reason has
    /// the tag, and each `stockAdjustment` whose reason has it, + for CREDIT
    /// and − otherwise. Physical count lines carry no tags themselves.
    pub fn tag_sums(
        &self,
        refs: &Reference,
        key: &Key,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    ) -> BTreeMap<String, i64> {
        let mut out: BTreeMap<String, i64> = BTreeMap::new();
        let Some(card) = self.cards.get(key) else {
            return out;
        };
        for l in card.lines.iter().filter(|l| {
            start.is_none_or(|s| l.line.occurred_date >= s)
                && end.is_none_or(|e| l.line.occurred_date <= e)
        }) {
            if l.kind != Kind::Physical
                && let Some(r) = l.line.reason_id.as_deref().and_then(|id| refs.reason(id))
            {
                let signed = if l.kind == Kind::Credit {
                    l.line.quantity
                } else {
                    -l.line.quantity
                };
                for t in &r.tags {
                    *out.entry(t.clone()).or_insert(0) += signed;
                }
            }
            for (reason, q) in &l.line.stock_adjustments {
                if let Some(r) = refs.reason(reason) {
                    let signed = if r.is_credit() { *q } else { -q };
                    for t in &r.tags {
                        *out.entry(t.clone()).or_insert(0) += signed;
                    }
                }
            }
        }
        out
    }

    /// The days of `start..=end` whose closing stock on hand is 0 or less.
    pub fn stockout_days(&self, key: &Key, start: NaiveDate, end: NaiveDate) -> i64 {
        let lines: &[Line] = self.cards.get(key).map_or(&[], |c| c.lines.as_slice());
        let mut soh = 0;
        let mut next = 0;
        let mut count = 0;
        let mut day = start;
        let mut steps = 0;
        while day <= end && steps < MAX_RANGE_DAYS {
            while next < lines.len() && lines[next].line.occurred_date <= day {
                soh = lines[next].line.stock_on_hand;
                next += 1;
            }
            if soh <= 0 {
                count += 1;
            }
            match day.checked_add_days(Days::new(1)) {
                Some(d) => day = d,
                None => break,
            }
            steps += 1;
        }
        count
    }
}

impl Service {
    /// `POST /api/stockEvents` (§5.1).
    pub(super) fn post_stock_event(&self, req: &Request, principal: &Principal) -> Response {
        let body = match json_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let mut st = self.lock();
        match self.process_event(&mut st, &body, principal.user.as_ref()) {
            Err(EventError::Binding(text)) => parse_error(req, &text),
            Err(EventError::Rejected(r)) => r,
            Ok(id) => Response::json(201, &json!(id)),
        }
    }

    /// Validates and applies one stock event in one transaction: every line
    /// or none (§5.1). `user` is `None` for a client-only token, which skips
    /// the home-facility check (§3). Returns the new event id.
    pub(super) fn process_event(
        &self,
        st: &mut State,
        body: &Value,
        user: Option<&User>,
    ) -> Result<String, EventError> {
        let ev = bind_event(body).map_err(EventError::Binding)?;
        self.apply_event(st, ev, body, user)
            .map_err(EventError::Rejected)
    }

    /// The event's facility and program (given, existing, supported by the
    /// user's home facility) and that it has lines.
    fn check_event(
        &self,
        ev: &EventIn,
        user: Option<&User>,
    ) -> Result<(String, String, &MockFacility), Response> {
        let refs = &self.refs;
        let Some(facility_id) = ev.facility_id.clone() else {
            return Err(bad(
                "event.facilityId.invalid",
                "The facility of the stock event is missing",
            ));
        };
        let Some(program_id) = ev.program_id.clone() else {
            return Err(bad(
                "event.programId.invalid",
                "The program of the stock event is missing",
            ));
        };
        // §3: a user token needs a home facility supporting the program.
        if let Some(u) = user
            && !refs.facility_supports(&u.home_facility, &program_id)
        {
            return Err(message(
                403,
                "stockmanagement.error.authorization.program.not.supported",
                &format!(
                    "The home facility of user {} does not support program {program_id}",
                    u.username
                ),
            ));
        }
        if ev.lines.is_empty() {
            return Err(bad(
                "event.no.lineItems",
                "The stock event has no line items",
            ));
        }
        let Some(facility) = refs.facility(&facility_id) else {
            return Err(bad(
                "event.facilityId.invalid",
                &format!("Facility {facility_id} was not found"),
            ));
        };
        if refs.program(&program_id).is_none() {
            return Err(bad(
                "event.programId.invalid",
                &format!("Program {program_id} was not found"),
            ));
        }
        Ok((facility_id, program_id, facility))
    }

    /// [`Service::process_event`] after binding: the event's header, each
    /// line through [`LINE_CHECKS`], the physical inventory guard, then the
    /// new lines tried on copies of the cards and committed (§5.1, §6).
    fn apply_event(
        &self,
        st: &mut State,
        ev: EventIn,
        body: &Value,
        user: Option<&User>,
    ) -> Result<String, Response> {
        let refs = &self.refs;
        let (facility_id, program_id, facility) = self.check_event(&ev, user)?;
        let today = st.today();
        let physical = ev
            .lines
            .iter()
            .all(|l| l.reason_id.is_none() && l.source_id.is_none() && l.destination_id.is_none());
        let context = LineContext {
            refs,
            facility_id: &facility_id,
            program_id: &program_id,
            facility,
            today,
            physical,
        };
        let mut seen_orderables = HashSet::new();
        for (i, l) in ev.lines.iter().enumerate() {
            let n = i + 1;
            for check in LINE_CHECKS {
                check(&context, n, l)?;
            }
            let orderable = l.orderable_id.clone().unwrap_or_default();
            if physical && !seen_orderables.insert(orderable.clone()) {
                return Err(bad(
                    "event.orderable.and.lot.duplication",
                    &format!(
                        "Orderable {orderable} appears more than once in a physical inventory"
                    ),
                ));
            }
        }
        let pi_id = physical_inventory_id(st, &ev, physical)?;
        storage_has_room(st, &ev)?;
        // Build the new lines and try them on copies of the cards.
        let event_id = st.uuid();
        let now = st.now();
        st.ledger.seq += 1;
        let seq = st.ledger.seq;
        let new = NewEvent {
            facility_id: &facility_id,
            program_id: &program_id,
            event_id: &event_id,
            seq,
            today,
            now,
        };
        let incoming = new_lines(st, refs, &ev, &new);
        let touched = ledgered(st, refs, incoming)?;
        commit(st, touched);
        if let Some(id) = &pi_id {
            st.ledger.physical_inventories.insert(id.clone());
            // A UI draft submitted as this event is no longer a draft.
            if let Some(d) = st.drafts.get_mut(id) {
                d["isDraft"] = Value::Bool(false);
            }
        }
        st.ledger.events.push(StoredEvent {
            id: event_id.clone(),
            resource_id: ev.resource_id.clone(),
            physical_inventory_id: pi_id,
            facility: facility_id,
            program: program_id,
            body: body.clone(),
            processed_at: now,
        });
        Ok(event_id)
    }

    /// A stockmanagement reference `{id, code, name}` to a facility/program/orderable.
    fn card_json(&self, card: &Card, k: &Key) -> Value {
        let refs = &self.refs;
        let facility = refs.facility(&k.0);
        let program = refs.program(&k.1);
        let orderable = refs.orderable(&k.2);
        let lines: Vec<Value> = card
            .lines
            .iter()
            .map(|l| self.line_json(&l.line, l.kind))
            .collect();
        json!({
            "id": card.id,
            "stockOnHand": card.lines.last().map_or(0, |l| l.line.stock_on_hand),
            "facility": {
                "id": k.0,
                "code": facility.map(|f| f.code.clone()),
                "name": facility.map(|f| f.name.clone()),
            },
            "program": {
                "id": k.1,
                "code": program.map(|p| p.code.clone()),
                "name": program.map(|p| p.name.clone()),
            },
            "orderable": {
                "id": k.2,
                "productCode": orderable.map(|o| o.product_code.clone()),
                "fullProductName": orderable.map(|o| o.name.clone()),
            },
            "lot": null,
            "isActive": true,
            "lastUpdate": card.lines.iter().map(|l| l.line.processed_at).max()
                .map(|t| t.date_naive().to_string()),
            "extraData": {},
            "lineItems": lines,
        })
    }

    /// A card line as `GET /api/stockCards/{id}` shows it. Physical counts
    /// read back like upstream: quantity = |count − previous stock| and a
    /// synthetic PHYSICAL_INVENTORY reason (Overstock, Understock or Balance
    /// adjustment) with no tags (§5.3).
    fn line_json(&self, l: &CardLine, kind: Kind) -> Value {
        let refs = &self.refs;
        let (quantity, reason) = if kind == Kind::Physical {
            let (name, description, reason_type) = match l.effect {
                e if e > 0 => (
                    "Overstock",
                    "Inventory correction in case of overstock",
                    "CREDIT",
                ),
                e if e < 0 => (
                    "Understock",
                    "Inventory correction in case of understock",
                    "DEBIT",
                ),
                _ => (
                    "Balance adjustment",
                    "Balance adjustment",
                    "BALANCE_ADJUSTMENT",
                ),
            };
            (
                l.effect.abs(),
                json!({
                    "id": null,
                    "name": name,
                    "description": description,
                    "reasonType": reason_type,
                    "reasonCategory": "PHYSICAL_INVENTORY",
                    "isFreeTextAllowed": false,
                    "tags": [],
                }),
            )
        } else {
            (
                l.quantity,
                l.reason_id
                    .as_deref()
                    .and_then(|id| refs.reason(id))
                    .map_or(Value::Null, Reference::reason_json),
            )
        };
        let node = |id: &Option<String>| {
            id.as_deref().map_or(
                Value::Null,
                |id| json!({"id": id, "name": refs.node(id).map(|n| n.name.clone())}),
            )
        };
        let adjustments: Vec<Value> = l
            .stock_adjustments
            .iter()
            .enumerate()
            .map(|(i, (reason, q))| {
                json!({
                    "id": derived_uuid(&["adjustment", &l.id, &i.to_string()]),
                    "reason": refs.reason(reason).map_or(Value::Null, Reference::reason_json),
                    "quantity": q,
                })
            })
            .collect();
        let extra: Map<String, Value> = l
            .extra_data
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        json!({
            "id": l.id,
            "quantity": quantity,
            "occurredDate": l.occurred_date.to_string(),
            "reason": reason,
            "reasonFreeText": l.reason_free_text,
            "source": node(&l.source_id),
            "sourceFreeText": l.source_free_text,
            "destination": node(&l.destination_id),
            "destinationFreeText": l.destination_free_text,
            "stockOnHand": l.stock_on_hand,
            "extraData": extra,
            "stockAdjustments": adjustments,
            "documentNumber": l.document_number,
            "signature": l.signature,
        })
    }

    /// `GET /api/stockCards/{id}` (§5.3); an unknown id answers an empty 404.
    pub(super) fn stock_card(&self, id: &str) -> Response {
        let st = self.lock();
        match st
            .ledger
            .card_ids
            .get(id)
            .and_then(|k| st.ledger.cards.get(k).map(|c| (k, c)))
        {
            Some((k, c)) => Response::json(200, &self.card_json(c, k)),
            None => Response::empty(404),
        }
    }

    /// `GET /api/v2/stockCardSummaries?programId=&facilityId=[&orderableId=…]
    /// [&asOfDate=][&nonEmptyOnly=true]` (§5.3): one summary per orderable
    /// approved for the facility type and program (`stockOnHand` null when
    /// it has no card), as a page.
    pub(super) fn stock_card_summaries(&self, req: &Request) -> Response {
        let Some(program) = req.query_param("programId") else {
            return bad("program.id.missing", "programId is required");
        };
        let Some(facility) = req.query_param("facilityId") else {
            return bad("facility.id.missing", "facilityId is required");
        };
        let as_of = match req.query_param("asOfDate") {
            Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => return bad("date.wrongFormat", &format!("{d} is not a date")),
            },
            None => None,
        };
        let orderable_ids = req.query_params("orderableId");
        let non_empty = req.query_param("nonEmptyOnly") == Some("true");
        let Some(f) = self.refs.facility(facility) else {
            return Response::json(200, &page(req, Vec::new()));
        };
        let st = self.lock();
        let mut items = Vec::new();
        for a in self.refs.approved_for(&f.type_id, program) {
            if !orderable_ids.is_empty() && !orderable_ids.contains(&a.orderable.as_str()) {
                continue;
            }
            let version = self.refs.orderable(&a.orderable).map_or(1, |o| o.version);
            let k = key(facility, program, &a.orderable);
            let card = st.ledger.cards.get(&k).and_then(|c| {
                let lines: Vec<&Line> = c
                    .lines
                    .iter()
                    .filter(|l| as_of.is_none_or(|d| l.line.occurred_date <= d))
                    .collect();
                let last = lines.last()?;
                let processed = lines.iter().map(|l| l.line.processed_at).max()?;
                Some(json!({
                    "stockCard": {"id": c.id},
                    "orderable": {"id": a.orderable, "versionNumber": version},
                    "lot": null,
                    "stockOnHand": last.line.stock_on_hand,
                    "occurredDate": last.line.occurred_date.to_string(),
                    // `canFulfillForMe.json` types it as a date (the Java DTO may send a
                    // timestamp; not settled).
                    "processedDate": processed.date_naive().to_string(),
                    "active": true,
                }))
            });
            if non_empty && card.is_none() {
                continue;
            }
            let soh = card.as_ref().map(|c| c["stockOnHand"].clone());
            items.push(json!({
                "orderable": {"id": a.orderable, "versionNumber": version},
                "stockOnHand": soh,
                "canFulfillForMe": card.into_iter().collect::<Vec<Value>>(),
            }));
        }
        Response::json(200, &page(req, items))
    }

    /// `GET /api/stockCardRangeSummaries?programId=&facilityId=[&startDate=]
    /// [&endDate=][&tag=][&orderableId=…]` (§5.3): per orderable with a
    /// card, the signed tag totals and the stock-out days of the range.
    pub(super) fn range_summaries(&self, req: &Request) -> Response {
        let Some(program) = req.query_param("programId") else {
            return bad("program.id.missing", "programId is required");
        };
        let Some(facility) = req.query_param("facilityId") else {
            return bad("facility.id.missing", "facilityId is required");
        };
        let date = |name: &str| -> Result<Option<NaiveDate>, Response> {
            match req.query_param(name) {
                Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| bad("date.wrongFormat", &format!("{d} is not a date"))),
                None => Ok(None),
            }
        };
        let (start, end) = match (date("startDate"), date("endDate")) {
            (Ok(s), Ok(e)) => (s, e),
            (Err(r), _) | (_, Err(r)) => return r,
        };
        let tag = req.query_param("tag");
        let orderable_ids = req.query_params("orderableId");
        let st = self.lock();
        let today = st.today();
        let mut items = Vec::new();
        for (k, card) in st
            .ledger
            .cards
            .iter()
            .filter(|(k, _)| k.0 == facility && k.1 == program)
        {
            if !orderable_ids.is_empty() && !orderable_ids.contains(&k.2.as_str()) {
                continue;
            }
            let mut tags = st.ledger.tag_sums(&self.refs, k, start, end);
            if let Some(t) = tag {
                let v = tags.get(t).copied().unwrap_or(0);
                tags = BTreeMap::from([(t.to_string(), v)]);
            }
            let first = card.lines.first().map_or(today, |l| l.line.occurred_date);
            let stockout = st
                .ledger
                .stockout_days(k, start.unwrap_or(first), end.unwrap_or(today));
            items.push(json!({
                "orderable": {"id": k.2},
                "stockOutDays": stockout,
                "tags": tags,
            }));
        }
        Response::json(200, &page(req, items))
    }
}

/// What every line of one event is checked against.
#[derive(Clone, Copy)]
struct LineContext<'a> {
    refs: &'a Reference,
    facility_id: &'a str,
    program_id: &'a str,
    facility: &'a MockFacility,
    /// The server's date.
    today: NaiveDate,
    /// Whether every line is without reason, source and destination: a
    /// physical inventory.
    physical: bool,
}

/// A check of one line (numbered from 1): the first that fails refuses the
/// whole event with its message key.
type LineCheck = fn(&LineContext<'_>, usize, &LineIn) -> Result<(), Response>;

/// The checks of each line of a stock event, in the server's order (§5.1).
/// After them, a physical inventory may name an orderable once
/// (`event.orderable.and.lot.duplication`). Valid-reason assignments are
/// enforced only for the stock adjustments of a physical inventory.
const LINE_CHECKS: &[LineCheck] = &[
    line_has_orderable_date_and_quantity,
    line_orderable_is_approved,
    line_nodes_are_valid,
    line_reason_fits,
    line_adjustments_are_valid,
];

/// `event.orderableId.invalid`, `event.occurredDate.invalid`,
/// `event.occurredDate.in.future`, `event.quantities.invalid`.
fn line_has_orderable_date_and_quantity(
    c: &LineContext<'_>,
    n: usize,
    l: &LineIn,
) -> Result<(), Response> {
    let LineContext { today, .. } = *c;
    if l.orderable_id.is_none() {
        return Err(bad(
            "event.orderableId.invalid",
            &format!("Line {n} has no orderableId"),
        ));
    }
    let Some(occurred) = l.occurred else {
        return Err(bad(
            "event.occurredDate.invalid",
            &format!("Line {n} has no occurredDate"),
        ));
    };
    if occurred > today {
        return Err(bad(
            "event.occurredDate.in.future",
            &format!(
                "The occurred date {occurred} of line {n} is in the future (server date {today})"
            ),
        ));
    }
    match l.quantity {
        Some(q) if q >= 0 => {}
        _ => {
            return Err(bad(
                "event.quantities.invalid",
                &format!("The quantity of line {n} must be given and not negative"),
            ));
        }
    }
    Ok(())
}

/// `event.orderableId.invalid` (unknown), `event.orderable.not.in.approvedList`,
/// `event.lot.not.exist` (lots are not modelled).
fn line_orderable_is_approved(c: &LineContext<'_>, _: usize, l: &LineIn) -> Result<(), Response> {
    let LineContext {
        refs,
        program_id,
        facility,
        ..
    } = *c;
    let type_id = facility.type_id.clone();
    let orderable = l.orderable_id.as_deref().unwrap_or_default();
    if refs.orderable(orderable).is_none() {
        return Err(bad(
            "event.orderableId.invalid",
            &format!("Orderable {orderable} was not found"),
        ));
    }
    if refs.approved(&type_id, program_id, orderable).is_none() {
        return Err(bad(
            "event.orderable.not.in.approvedList",
            &format!(
                "Orderable {orderable} is not approved for facility type {} in program {program_id}",
                facility.type_code
            ),
        ));
    }
    if let Some(lot) = &l.lot_id {
        return Err(bad(
            "event.lot.not.exist",
            &format!("Lot {lot} does not exist"),
        ));
    }
    Ok(())
}

/// Source and destination: not both, free text only with a non-facility
/// node, a valid node (every other facility and the district store, §4).
fn line_nodes_are_valid(c: &LineContext<'_>, n: usize, l: &LineIn) -> Result<(), Response> {
    let LineContext {
        refs, facility_id, ..
    } = *c;
    if l.source_id.is_some() && l.destination_id.is_some() {
        return Err(bad(
            "event.sourceAndDestination.bothPresent",
            &format!("Line {n} has both a source and a destination"),
        ));
    }
    if l.source_free_text.is_some() && l.destination_free_text.is_some() {
        return Err(bad(
            "event.sourceAndDestinationFreeText.bothPresent",
            &format!("Line {n} has both a source and a destination free text"),
        ));
    }
    for (node, free_text, which, list_key) in [
        (
            &l.source_id,
            &l.source_free_text,
            "source",
            "event.source.not.in.validList",
        ),
        (
            &l.destination_id,
            &l.destination_free_text,
            "destination",
            "event.destination.not.in.validList",
        ),
    ] {
        // Valid nodes are every other facility and the district store (§4).
        let valid = |id: &str| refs.node(id).filter(|nd| nd.reference_id != facility_id);
        match node.as_deref().map(|id| (id, valid(id))) {
            Some((id, None)) => {
                return Err(bad(
                    list_key,
                    &format!("The {which} {id} of line {n} is not a valid {which} node"),
                ));
            }
            Some((_, Some(nd))) if free_text.is_some() && nd.is_facility => {
                return Err(bad(
                    &format!("event.{which}FreeText.notAllowed"),
                    &format!("Line {n}: free text is not allowed for a facility {which}"),
                ));
            }
            None if free_text.is_some() => {
                return Err(bad(
                    &format!("event.{which}FreeText.notAllowed"),
                    &format!("Line {n} has a {which} free text but no {which}"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The reason exists, allows free text when given, and fits the line: a
/// receive needs CREDIT/TRANSFER, an issue DEBIT/TRANSFER, an adjustment an
/// ADJUSTMENT reason.
fn line_reason_fits(c: &LineContext<'_>, n: usize, l: &LineIn) -> Result<(), Response> {
    let LineContext { refs, .. } = *c;
    let reason = match &l.reason_id {
        Some(id) => match refs.reason(id) {
            Some(r) => Some(r),
            None => {
                return Err(bad(
                    "event.reason.not.exist",
                    &format!("Reason {id} of line {n} does not exist"),
                ));
            }
        },
        None => None,
    };
    if l.reason_free_text.is_some() && !reason.is_some_and(|r| r.free_text_allowed) {
        return Err(bad(
            "event.reasonFreeText.notAllowed",
            &format!("Line {n}: the reason does not allow free text"),
        ));
    }
    if let Some(r) = reason {
        if l.source_id.is_some() {
            if r.reason_type != "CREDIT" {
                return Err(bad(
                    "event.receive.reasonType.invalid",
                    &format!(
                        "Line {n}: a receive needs a CREDIT reason, {} is {}",
                        r.name, r.reason_type
                    ),
                ));
            }
            if r.category != "TRANSFER" {
                return Err(bad(
                    "event.receive.reasonCategory.invalid",
                    &format!(
                        "Line {n}: a receive needs a TRANSFER reason, {} is {}",
                        r.name, r.category
                    ),
                ));
            }
        } else if l.destination_id.is_some() {
            if r.reason_type != "DEBIT" {
                return Err(bad(
                    "event.issue.reasonType.invalid",
                    &format!(
                        "Line {n}: an issue needs a DEBIT reason, {} is {}",
                        r.name, r.reason_type
                    ),
                ));
            }
            if r.category != "TRANSFER" {
                return Err(bad(
                    "event.issue.reasonCategory.invalid",
                    &format!(
                        "Line {n}: an issue needs a TRANSFER reason, {} is {}",
                        r.name, r.category
                    ),
                ));
            }
        } else if r.category != "ADJUSTMENT" {
            // Valid-reason assignments are not enforced here (§5.1).
            return Err(bad(
                "event.adjustment.reason.category.invalid",
                &format!(
                    "Line {n}: an adjustment needs an ADJUSTMENT reason, {} is {}",
                    r.name, r.category
                ),
            ));
        }
    }
    Ok(())
}

/// The stock adjustments of a line: valid reasons (for the program and
/// facility type, in a physical inventory) and quantities not negative.
fn line_adjustments_are_valid(c: &LineContext<'_>, n: usize, l: &LineIn) -> Result<(), Response> {
    let LineContext {
        refs,
        program_id,
        facility,
        physical,
        ..
    } = *c;
    let type_id = facility.type_id.clone();
    for (reason, q) in &l.adjustments {
        let valid = reason.as_deref().is_some_and(|r| {
            refs.reason(r).is_some() && (!physical || refs.reason_is_valid(program_id, &type_id, r))
        });
        if !valid {
            return Err(message(
                400,
                "stockmanagement.error.physicalInventory.lineItems.stockAdjustments.reason.notValid",
                &format!(
                    "Line {n}: stock adjustment reason {} is not valid for this program and facility type",
                    reason.as_deref().unwrap_or("(none)")
                ),
            ));
        }
        if !q.is_some_and(|q| q >= 0) {
            return Err(bad(
                "event.adjustment.quantity.invalid",
                &format!("Line {n}: a stock adjustment quantity must be given and not negative"),
            ));
        }
    }
    Ok(())
}

/// §6.2: a physical inventory with the same id may be submitted once
/// (unless the guard is off, like on older servers). The id of a physical
/// inventory, `None` for other events.
fn physical_inventory_id(
    st: &mut State,
    ev: &EventIn,
    physical: bool,
) -> Result<Option<String>, Response> {
    Ok(if physical {
        match &ev.resource_id {
            Some(id) if st.inventory_guard && st.ledger.physical_inventories.contains(id) => {
                return Err(message(
                    400,
                    "stockmanagement.error.physicalInventory.draft.submit",
                    &format!(
                        "This physical inventory draft has already been submitted (id {id}); it cannot be submitted again."
                    ),
                ));
            }
            Some(id) => Some(id.clone()),
            None => Some(st.uuid()),
        }
    } else {
        None
    })
}

/// The simulated server keeps a bounded number of events and card lines.
fn storage_has_room(st: &State, ev: &EventIn) -> Result<(), Response> {
    if st.ledger.events.len() >= MAX_EVENTS || st.ledger.lines + ev.lines.len() > MAX_CARD_LINES {
        return Err(Response::json(
            500,
            &json!({
                "message": "The simulated server's storage is full",
                "description": "Restart the simulated OpenLMIS to clear it",
            }),
        ));
    }
    Ok(())
}

/// Where the lines of a new event go and when it is processed.
struct NewEvent<'a> {
    facility_id: &'a str,
    program_id: &'a str,
    event_id: &'a str,
    seq: u64,
    today: NaiveDate,
    now: DateTime<Utc>,
}

/// The event's lines as card lines, grouped by card.
fn new_lines(
    st: &mut State,
    refs: &Reference,
    ev: &EventIn,
    new: &NewEvent<'_>,
) -> BTreeMap<Key, Vec<Line>> {
    let NewEvent {
        facility_id,
        program_id,
        event_id,
        seq,
        today,
        now,
    } = *new;
    let mut incoming: BTreeMap<Key, Vec<Line>> = BTreeMap::new();
    for (index, l) in ev.lines.iter().enumerate() {
        let orderable = l.orderable_id.clone().unwrap_or_default();
        let reason = l.reason_id.as_deref().and_then(|id| refs.reason(id));
        let kind = if l.source_id.is_some() {
            Kind::Credit
        } else if l.destination_id.is_some() {
            Kind::Debit
        } else {
            match reason {
                Some(r) if r.is_credit() => Kind::Credit,
                Some(_) => Kind::Debit,
                None => Kind::Physical,
            }
        };
        let priority = match reason {
            Some(r) if r.is_credit() => 0,
            Some(r) if r.reason_type == "DEBIT" => 1,
            _ => 2,
        };
        let line = CardLine {
            id: st.uuid(),
            event_id: event_id.to_string(),
            occurred_date: l.occurred.unwrap_or(today),
            processed_at: now,
            quantity: l.quantity.unwrap_or(0),
            effect: 0,
            reason_id: l.reason_id.clone(),
            reason_free_text: l.reason_free_text.clone(),
            source_id: l.source_id.clone(),
            source_free_text: l.source_free_text.clone(),
            destination_id: l.destination_id.clone(),
            destination_free_text: l.destination_free_text.clone(),
            stock_adjustments: l
                .adjustments
                .iter()
                .map(|(r, q)| (r.clone().unwrap_or_default(), q.unwrap_or(0)))
                .collect(),
            extra_data: l.extra.clone(),
            stock_on_hand: 0,
            document_number: ev.document_number.clone(),
            signature: ev.signature.clone(),
        };
        let k = key(facility_id, program_id, &orderable);
        incoming.entry(k).or_default().push(Line {
            line,
            kind,
            seq,
            priority,
            index,
        });
    }
    incoming
}

/// Each card's new ledger with the new lines: appended, or (back-dated)
/// re-ordered and recomputed; a stock on hand below zero or above the
/// limit refuses the event.
fn ledgered(
    st: &State,
    refs: &Reference,
    incoming: BTreeMap<Key, Vec<Line>>,
) -> Result<BTreeMap<Key, Ledgered>, Response> {
    let mut touched: BTreeMap<Key, Ledgered> = BTreeMap::new();
    for (k, new_lines) in incoming {
        let old = st.ledger.cards.get(&k).map_or(&[][..], |c| &c.lines[..]);
        let result = match appended(old, new_lines) {
            Ok(tail) => tail.map(Ledgered::Tail),
            Err(new_lines) => {
                // Back-dated: the whole card is re-ordered and recomputed.
                let mut all = old.to_vec();
                all.extend(new_lines);
                recompute(&mut all).map(|()| Ledgered::Whole(all))
            }
        };
        let o = match result {
            Ok(l) => {
                touched.insert(k, l);
                continue;
            }
            Err(o) => o,
        };
        let code = refs
            .orderable(&k.2)
            .map_or(k.2.as_str(), |o| o.product_code.as_str());
        return Err(if o.too_high {
            bad(
                "event.stockOnHand.exceed.upperLimit",
                &format!(
                    "An operation from {} on product {code} would make the stock on hand exceed the upper limit ({} add {}).",
                    o.occurred, o.previous, o.quantity
                ),
            )
        } else {
            bad(
                "event.debit.quantity.exceed.stockOnHand",
                &format!(
                    "An operation from {} on product {code} would make the stock on hand below zero ({} subtract {}). Check the stock card and the dates of the events.",
                    o.occurred, o.previous, o.quantity
                ),
            )
        });
    }
    Ok(touched)
}

/// Writes the new ledgers (creating the cards that are new).
fn commit(st: &mut State, touched: BTreeMap<Key, Ledgered>) {
    for (k, ledgered) in touched {
        if !st.ledger.cards.contains_key(&k) {
            let id = st.uuid();
            st.ledger.card_ids.insert(id.clone(), k.clone());
            st.ledger.cards.insert(
                k.clone(),
                Card {
                    id,
                    lines: Vec::new(),
                },
            );
        }
        let Some(card) = st.ledger.cards.get_mut(&k) else {
            continue;
        };
        // Lines are only ever added, so the card grows.
        let before = card.lines.len();
        match ledgered {
            Ledgered::Tail(tail) => card.lines.extend(tail),
            Ledgered::Whole(all) => card.lines = all,
        }
        st.ledger.lines += card.lines.len() - before;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(occurred: &str, seq: u64, kind: Kind, priority: u8, q: i64) -> Line {
        Line {
            line: CardLine {
                id: format!("{seq}-{priority}"),
                event_id: String::new(),
                occurred_date: NaiveDate::parse_from_str(occurred, "%Y-%m-%d").unwrap(),
                processed_at: Utc::now(),
                quantity: q,
                effect: 0,
                reason_id: None,
                reason_free_text: None,
                source_id: None,
                source_free_text: None,
                destination_id: None,
                destination_free_text: None,
                stock_adjustments: Vec::new(),
                extra_data: BTreeMap::new(),
                stock_on_hand: 0,
                document_number: None,
                signature: None,
            },
            kind,
            seq,
            priority,
            index: 0,
        }
    }

    #[test]
    fn same_day_credits_sort_before_debits_and_counts_last() {
        let mut lines = vec![
            line("2026-01-10", 1, Kind::Physical, 2, 5),
            line("2026-01-10", 1, Kind::Debit, 1, 3),
            line("2026-01-10", 1, Kind::Credit, 0, 10),
        ];
        recompute(&mut lines).unwrap();
        let sohs: Vec<i64> = lines.iter().map(|l| l.line.stock_on_hand).collect();
        assert_eq!(sohs, vec![10, 7, 5]);
        assert_eq!(lines[2].line.effect, -2);
    }

    #[test]
    fn a_debit_below_zero_anywhere_fails() {
        let mut lines = vec![
            line("2026-01-10", 1, Kind::Credit, 0, 10),
            line("2026-01-20", 2, Kind::Debit, 1, 10),
            line("2026-01-05", 3, Kind::Debit, 1, 1),
        ];
        let o = recompute(&mut lines).err().unwrap();
        assert_eq!((o.previous, o.quantity), (0, 1));
    }

    #[test]
    fn appending_gives_the_ledger_a_full_recompute_gives() {
        let mut old = vec![
            line("2026-01-10", 1, Kind::Credit, 0, 10),
            line("2026-01-31", 1, Kind::Physical, 2, 8),
        ];
        recompute(&mut old).unwrap();
        // Same day as the last line, later arrival: appended.
        let new = vec![
            line("2026-01-31", 2, Kind::Debit, 1, 3),
            line("2026-02-28", 2, Kind::Credit, 0, 4),
        ];
        let tail = appended(&old, new.clone()).ok().unwrap().unwrap();
        let mut all = old.clone();
        all.extend(new);
        recompute(&mut all).unwrap();
        let soh = |ls: &[Line]| ls.iter().map(|l| l.line.stock_on_hand).collect::<Vec<_>>();
        assert_eq!(soh(&all[2..]), soh(&tail));
        assert_eq!(soh(&tail), vec![5, 9]);
        // A debit beyond the stock fails on the fast path too.
        let o = appended(&old, vec![line("2026-02-01", 3, Kind::Debit, 1, 9)])
            .ok()
            .unwrap()
            .err()
            .unwrap();
        assert_eq!((o.previous, o.quantity), (8, 9));
        // Back-dated: handed back for a full recompute.
        assert!(appended(&old, vec![line("2026-01-20", 3, Kind::Debit, 1, 1)]).is_err());
    }

    #[test]
    fn json_binding_follows_jackson() {
        let v = json!({"q": "12", "f": 3.7, "big": 3_000_000_000_i64, "s": 5, "o": {}});
        assert_eq!(get_int(&v, "q").unwrap(), Some(12));
        assert_eq!(get_int(&v, "f").unwrap(), Some(3));
        assert!(get_int(&v, "big").is_err());
        assert_eq!(get_str(&v, "s").unwrap(), Some("5".to_string()));
        assert!(get_str(&v, "o").is_err());
        assert!(get_uuid(&json!({"id": "nope"}), "id").is_err());
    }
}
