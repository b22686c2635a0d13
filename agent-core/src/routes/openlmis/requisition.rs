//! Requisition mode (the quarterly LMIS): the monthly forms of an LMIS
//! processing period are held until the period is complete, aggregated, and
//! delivered as one requisition: initiate (with `Idempotency-Key`), update
//! (whole body, `If-Match`), submit (with `Idempotency-Key`, not before the
//! period's end). Each step survives a lost answer or a killed process: the
//! requisition is searched for before a second initiate, and read back
//! before a second submit (contract §6.4, §7).

use crate::error::Error;
use crate::model::canonical::sha256_hex;
use crate::model::delivery::FieldProblem;
use crate::model::draft::Draft;
use crate::model::form::FormDefinition;
use crate::model::period::Period;
use crate::net::http::encode_query;
use crate::routes::openlmis::lmis::{Expect, Fail, LmisClient, LmisRoute, reasons_for};
use crate::routes::openlmis::{self, dto};
use crate::store::deliveries::DueRow;
use crate::store::outbox::derived_uuid;
use crate::store::requisitions::{self, Column, RequisitionRow as Row};
use crate::sync::{DestinationReport, Pass, Step};
use serde_json::Value;

fn load(pass: &Pass<'_>, facility: &str, program: &str, period: &Period) -> Result<Row, Error> {
    let start = period.start().to_string();
    if let Some(r) = requisitions::find(&pass.conn, facility, program, &start)? {
        return Ok(r);
    }
    let row = Row {
        period_id: None,
        requisition_id: None,
        initiate_key: derived_uuid(&["requisition-initiate", facility, program, &start, "0"]),
        submit_key: derived_uuid(&["requisition-submit", facility, program, &start, "0"]),
        send_incomplete: false,
        submitted_hash: None,
        unknown_outcome: None,
    };
    requisitions::insert(
        &pass.conn,
        (facility, program, &start),
        &period.end().to_string(),
        &row,
        pass.clock.now(),
    )?;
    Ok(row)
}

/// The requisition row of one facility, program and LMIS period.
struct At<'a> {
    facility: &'a str,
    program: &'a str,
    period: &'a Period,
}

impl At<'_> {
    /// Writes columns of the row, in order.
    fn set(&self, pass: &Pass<'_>, changes: &[(Column, Option<&str>)]) -> Result<(), Error> {
        for (column, value) in changes {
            requisitions::set(
                &pass.conn,
                (
                    self.facility,
                    self.program,
                    &self.period.start().to_string(),
                ),
                *column,
                *value,
                pass.clock.now(),
            )?;
        }
        Ok(())
    }

    fn set_owned(
        &self,
        pass: &Pass<'_>,
        changes: &[(Column, Option<String>)],
    ) -> Result<(), Error> {
        let borrowed: Vec<(Column, Option<&str>)> =
            changes.iter().map(|(c, v)| (*c, v.as_deref())).collect();
        self.set(pass, &borrowed)
    }
}

/// No usable answer, nothing sent that matters: try again later.
fn transient(why: String) -> Fail {
    Fail::Transient {
        why,
        retry_after: None,
        maybe_sent: false,
    }
}

/// The requisition was deleted in the LMIS: forget its id and start again
/// (after a pause).
fn restart_deleted<C: LmisClient>(
    route: &mut LmisRoute<C>,
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
    rows: &[&DueRow],
    at: &At<'_>,
) -> Result<Step, Error> {
    at.set(pass, &[(Column::RequisitionId, None)])?;
    route.apply_fail(
        pass,
        report,
        rows,
        transient(format!(
            "the requisition for {} was deleted in the LMIS; it is started again",
            at.period.iso()
        )),
    )
}

/// Which request's answer was lost (the row's `unknown_outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pending {
    Initiate,
    Submit,
}

impl Pending {
    fn of(stored: Option<&str>) -> Option<Pending> {
        match stored {
            Some("initiate") => Some(Pending::Initiate),
            Some("submit") => Some(Pending::Submit),
            _ => None,
        }
    }
}

/// What the route knows of a requisition from its own row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Known {
    /// The LMIS's id of the requisition.
    pub has_id: bool,
    /// A request whose answer was lost.
    pub pending: Option<Pending>,
    /// What was submitted before is what the forms give now.
    pub same_content_submitted: bool,
    /// This device submitted some content for it before.
    pub submitted_here: bool,
}

/// Why the LMIS refused a submit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubmitRefusal {
    /// 409, or "must be initiated": it saw this submit already, or its key.
    AlreadySeen,
    /// Its own date is not past the period's end.
    PeriodNotEnded,
    /// Any other refusal.
    Other,
}

/// What the last request (or the start of the step) showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Observed<'a> {
    /// The step starts.
    Start,
    /// A search by facility, program and period; `after_duplicate`: the
    /// LMIS had refused an initiate as a duplicate.
    Search { found: bool, after_duplicate: bool },
    /// The initiate worked.
    Initiated,
    /// The initiate was refused; `duplicate`: 409 or the duplication key.
    InitiateRefused { duplicate: bool },
    /// The requisition as read: its status, whether its template fills it
    /// from stock cards, and whether it holds exactly the recorded counts.
    Read {
        status: &'a str,
        stock_based: bool,
        holds_recorded_counts: bool,
    },
    /// Written; whether the LMIS's date is past the period's end.
    Written { period_ended: bool },
    /// The submit worked.
    Submitted,
    /// The submit was refused.
    SubmitRefused(SubmitRefusal),
    /// Read back after a submit the LMIS had seen: its status (`None`: gone).
    ReadBack(Option<&'a str>),
}

/// What the step does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Search for the requisition.
    Search,
    /// Initiate it; `new_key`: the earlier key may be spent.
    Initiate { new_key: bool },
    /// Read it (its id is known).
    Read,
    /// The LMIS saw the initiate but holds none: retry with a new key.
    RetryWithNewInitiateKey,
    /// The initiate was refused: reject the forms (the key is spent).
    RejectInitiate,
    /// The template is stock based: reject (the form must use stock events).
    RejectStockBased,
    /// It is submitted (with this content): the forms are delivered.
    Delivered,
    /// It is submitted with exactly the recorded counts, never by this
    /// device: another device that imported this outbox's escrow export sent
    /// it (issue 17). The forms are delivered.
    DeliveredFromAnotherDevice,
    /// It is past INITIATED/REJECTED with other content: reject.
    RejectNotEditable,
    /// Write it; `new_submit_key`: an earlier submit's key may be spent.
    Write { new_submit_key: bool },
    /// Written; wait for the period's end by the LMIS's date.
    WaitForPeriodEnd,
    /// Submit it.
    Submit,
    /// The LMIS saw this submit: read the requisition back.
    ReadBack,
    /// The LMIS saw the submit but it is not submitted: new key, retry.
    RetryWithNewSubmitKey,
    /// The LMIS's date is before the period's end: new key, wait.
    WaitForPeriodEndWithNewKey,
    /// The submit was refused: reject the forms (the key is spent).
    RejectSubmit,
}

/// Whether a requisition in this status can still be written.
fn editable(status: &str) -> bool {
    matches!(status, "INITIATED" | "REJECTED")
}

/// The requisition state machine: what to do next, from what the row
/// knows and what the last request showed (contract §6.4, §7). Pure.
pub(crate) fn next_action(known: Known, observed: Observed<'_>) -> Action {
    match observed {
        Observed::Start if known.has_id => Action::Read,
        Observed::Start => Action::Search,
        Observed::Search { found: true, .. } => Action::Read,
        Observed::Search {
            found: false,
            after_duplicate: true,
        } => Action::RetryWithNewInitiateKey,
        Observed::Search { found: false, .. } => Action::Initiate {
            new_key: known.pending == Some(Pending::Initiate),
        },
        Observed::Initiated => Action::Read,
        Observed::InitiateRefused { duplicate: true } => Action::Search,
        Observed::InitiateRefused { duplicate: false } => Action::RejectInitiate,
        Observed::Read {
            stock_based: true, ..
        } => Action::RejectStockBased,
        Observed::Read {
            status,
            holds_recorded_counts,
            ..
        } if !editable(status) => {
            if known.same_content_submitted {
                Action::Delivered
            } else if !known.submitted_here && holds_recorded_counts {
                Action::DeliveredFromAnotherDevice
            } else {
                Action::RejectNotEditable
            }
        }
        Observed::Read { .. } => Action::Write {
            new_submit_key: known.pending == Some(Pending::Submit),
        },
        Observed::Written { period_ended: true } => Action::Submit,
        Observed::Written {
            period_ended: false,
        } => Action::WaitForPeriodEnd,
        Observed::Submitted => Action::Delivered,
        Observed::SubmitRefused(SubmitRefusal::AlreadySeen) => Action::ReadBack,
        Observed::SubmitRefused(SubmitRefusal::PeriodNotEnded) => {
            Action::WaitForPeriodEndWithNewKey
        }
        Observed::SubmitRefused(SubmitRefusal::Other) => Action::RejectSubmit,
        Observed::ReadBack(Some(status)) if !editable(status) => Action::Delivered,
        Observed::ReadBack(_) => Action::RetryWithNewSubmitKey,
    }
}

/// The latest revision of each month of the period for a facility and form.
fn months_content(
    pass: &Pass<'_>,
    facility: &str,
    form: &str,
    months: &[Period],
) -> Result<Vec<Option<Draft>>, Error> {
    let mut out = Vec::new();
    for m in months {
        let c = requisitions::latest_content(&pass.conn, facility, &m.dhis2_id(), form)?;
        out.push(c.map(|c| serde_json::from_str(&c)).transpose()?);
    }
    Ok(out)
}

fn problem(message: &str, advice: &str) -> Vec<FieldProblem> {
    vec![FieldProblem {
        field: "stock".into(),
        code: None,
        server_message: message.into(),
        advice: advice.into(),
        advice_msg: None,
    }]
}

fn requisition_id_of(v: &Value) -> Option<String> {
    dto::Requisition::of(v).id
}

/// One step of the requisition of a facility, program and LMIS period.
pub(crate) fn step<C: LmisClient>(
    route: &mut LmisRoute<C>,
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
    facility: &str,
    program: &str,
    period: Period,
    rows: Vec<DueRow>,
) -> Result<Step, Error> {
    let refs_rows: Vec<&DueRow> = rows.iter().collect();
    let Some(first) = rows.first() else {
        return Ok(Step::Sent);
    };
    let Some(def) = pass.forms.get(&first.form_id).cloned() else {
        return Ok(Step::Sent);
    };
    let Some(months) = period.split_into(def.period_type) else {
        route.apply_reject(
            pass,
            report,
            &refs_rows,
            problem(
                "the form's period does not divide the LMIS period",
                "Ask your supervisor to check the form's LMIS period type.",
            ),
            "periods",
        )?;
        return Ok(Step::Sent);
    };
    let contents = months_content(pass, facility, &def.id, &months)?;
    let mut state = load(pass, facility, program, &period)?;
    let today = route
        .client()
        .server_today()
        .unwrap_or_else(|| pass.clock.today());
    let missing: Vec<String> = months
        .iter()
        .zip(&contents)
        .filter(|(_, c)| c.is_none())
        .map(|(m, _)| m.iso())
        .collect();
    let may_send_incomplete = state.send_incomplete && today > period.end();
    if !missing.is_empty() && !may_send_incomplete {
        let why = format!(
            "waiting for {} of {}: the requisition is sent when every month is recorded{}",
            missing.join(", "),
            period.iso(),
            if today > period.end() {
                " (or when you choose to send it without them)"
            } else {
                ""
            }
        );
        route.apply_wait(pass, &refs_rows, &why, None)?;
        return Ok(Step::Sent);
    }
    let drafts: Vec<&Draft> = contents.iter().flatten().collect();
    let refs = match route.refs(pass, report, &def, facility)? {
        Ok(r) => r,
        Err(f) => return route.apply_fail(pass, report, &refs_rows, f),
    };
    let Some(fac) = pass.facilities.get(facility).cloned() else {
        return Ok(Step::Sent);
    };
    let problems = openlmis::check_reference(&def, &fac, &refs);
    if !problems.is_empty() {
        let fp = problems
            .iter()
            .map(|p| FieldProblem { field: "stock".into(), code: None, server_message: p.clone(), advice: "The form or facility map does not match the LMIS. Ask your supervisor; nothing was sent.".into(), advice_msg: None })
            .collect();
        route.apply_reject(pass, report, &refs_rows, fp, "reference data mismatch")?;
        return Ok(Step::Sent);
    }
    let facility_id = refs.facility_id.clone().unwrap_or_default();
    let period_id = match refs
        .periods
        .iter()
        .find(|(_, s, e)| *s == period.start() && *e == period.end())
    {
        Some((id, _, _)) => id.clone(),
        None => {
            route.apply_reject(
                pass,
                report,
                &refs_rows,
                problem(
                    &format!(
                        "the LMIS has no processing period {} to {}",
                        period.start(),
                        period.end()
                    ),
                    "Ask your supervisor to check the LMIS processing schedule for this facility.",
                ),
                "no period",
            )?;
            return Ok(Step::Sent);
        }
    };
    if state.period_id.is_none() {
        requisitions::set(
            &pass.conn,
            (facility, program, &period.start().to_string()),
            Column::PeriodId,
            Some(&period_id),
            pass.clock.now(),
        )?;
    }
    let reasons = reasons_for(&def, &refs);
    let months_in_period = months.len() as i64;
    // The content as recorded (without the LMIS's inputs): checks the
    // reasons and identifies what is submitted.
    let recorded = match openlmis::aggregate(
        &def,
        &drafts,
        months_in_period,
        &reasons,
        &refs.approved,
        &openlmis::LmisInputs::default(),
    ) {
        Ok(l) => l,
        Err(why) => {
            route.apply_reject(
                pass,
                report,
                &refs_rows,
                problem(
                    &why,
                    "Ask your supervisor to set up the LMIS reasons for the form.",
                ),
                "aggregate",
            )?;
            return Ok(Step::Sent);
        }
    };
    let lines_hash = sha256_hex(openlmis::content_fingerprint(&recorded).as_bytes());
    let key_of = |kind: &str| {
        derived_uuid(&[
            kind,
            facility,
            program,
            &period.start().to_string(),
            &uuid::Uuid::now_v7().to_string(),
        ])
    };

    let at = At {
        facility,
        program,
        period: &period,
    };
    let known = |state: &Row| Known {
        has_id: state.requisition_id.is_some(),
        pending: Pending::of(state.unknown_outcome.as_deref()),
        same_content_submitted: state.submitted_hash.as_deref() == Some(lines_hash.as_str()),
        submitted_here: state.submitted_hash.is_some(),
    };
    let unexpected = |action: Action| {
        transient(format!(
            "the requisition step met a state it does not handle ({action:?}); it is tried again"
        ))
    };

    // 1. Find or initiate the requisition.
    if next_action(known(&state), Observed::Start) == Action::Search {
        let found = search(
            route,
            pass,
            report,
            &facility_id,
            program,
            &period_id,
            &refs_rows,
        )?;
        if let Some(id) = &found {
            at.set(
                pass,
                &[
                    (Column::RequisitionId, Some(id)),
                    (Column::UnknownOutcome, None),
                ],
            )?;
            state.requisition_id = Some(id.clone());
        }
        let searched = Observed::Search {
            found: found.is_some(),
            after_duplicate: false,
        };
        if let Action::Initiate { new_key } = next_action(known(&state), searched) {
            if new_key {
                // An earlier initiate's answer was lost and the LMIS holds no
                // requisition: that request failed, and it may have spent its
                // key (contract §6.4). A new key, then.
                let fresh = key_of("requisition-initiate");
                at.set(pass, &[(Column::InitiateKey, Some(&fresh))])?;
                state.initiate_key = fresh;
            }
            at.set(pass, &[(Column::UnknownOutcome, Some("initiate"))])?;
            crate::store::deliveries::mark_in_flight(
                &mut pass.conn,
                pass.clock.now(),
                crate::store::outbox::Destination::Lmis,
                &refs_rows,
            )?;
            let path = format!(
                "/api/requisitions/initiate?program={}&facility={}&suggestedPeriod={}&emergency=false",
                encode_query(program),
                encode_query(&facility_id),
                encode_query(&period_id)
            );
            let key = state.initiate_key.clone();
            let mut refusal = None;
            let observed = match route.client().call(
                pass,
                report,
                "POST",
                &path,
                None,
                &[("Idempotency-Key", &key)],
                &refs_rows,
                Expect::Object(&["id"]),
            )? {
                Ok(r) => {
                    let id = requisition_id_of(&r.json);
                    at.set(
                        pass,
                        &[
                            (Column::RequisitionId, id.as_deref()),
                            (Column::UnknownOutcome, None),
                        ],
                    )?;
                    state.requisition_id = id;
                    Observed::Initiated
                }
                Err(Fail::Refused { status, error }) => {
                    let duplicate = status == 409
                        || error.key.as_deref() == Some("requisition.error.duplication");
                    refusal = Some((status, error));
                    Observed::InitiateRefused { duplicate }
                }
                Err(f) => {
                    if !may_have_been_applied(&f) {
                        at.set(pass, &[(Column::UnknownOutcome, None)])?;
                    }
                    return route.apply_fail(pass, report, &refs_rows, f);
                }
            };
            match next_action(known(&state), observed) {
                Action::Read => {}
                Action::Search => {
                    // Either the requisition exists (a lost answer of an
                    // initiate that worked), or the key was spent by a
                    // request that failed: look, and if it is not there, a
                    // new key next time.
                    at.set(pass, &[(Column::UnknownOutcome, None)])?;
                    let found = search(
                        route,
                        pass,
                        report,
                        &facility_id,
                        program,
                        &period_id,
                        &refs_rows,
                    )?;
                    if let Some(id) = &found {
                        at.set(pass, &[(Column::RequisitionId, Some(id))])?;
                        state.requisition_id = Some(id.clone());
                    }
                    let searched = Observed::Search {
                        found: found.is_some(),
                        after_duplicate: true,
                    };
                    match next_action(known(&state), searched) {
                        Action::Read => {}
                        Action::RetryWithNewInitiateKey => {
                            let fresh = key_of("requisition-initiate");
                            at.set(pass, &[(Column::InitiateKey, Some(&fresh))])?;
                            return route.apply_fail(pass, report, &refs_rows, transient(format!(
                                "the LMIS had already seen the request to start the requisition for {} but holds none; it is started again with a new request key",
                                period.iso()
                            )));
                        }
                        other => {
                            return route.apply_fail(pass, report, &refs_rows, unexpected(other));
                        }
                    }
                }
                Action::RejectInitiate => {
                    // A definitive refusal burns the key (contract §6.4): use a fresh one next time.
                    let fresh = key_of("requisition-initiate");
                    at.set(
                        pass,
                        &[
                            (Column::InitiateKey, Some(&fresh)),
                            (Column::UnknownOutcome, None),
                        ],
                    )?;
                    let (status, error) = refusal.unwrap_or_default();
                    let fp = problem(&error.message, openlmis::advice_for(error.key.as_deref()));
                    route.apply_reject(
                        pass,
                        report,
                        &refs_rows,
                        fp,
                        &format!("initiate: HTTP {status}"),
                    )?;
                    return Ok(Step::Sent);
                }
                other => return route.apply_fail(pass, report, &refs_rows, unexpected(other)),
            }
        }
    }
    let Some(req_id) = state.requisition_id.clone() else {
        return route.apply_fail(
            pass,
            report,
            &refs_rows,
            transient("the LMIS answered the start of the requisition without its id".into()),
        );
    };

    // 2. Read it: status, version, template, the LMIS's own inputs.
    let (body, etag) = match read(route, pass, report, &req_id, &refs_rows)? {
        Read::Found(body, etag) => (body, etag),
        Read::Gone => return restart_deleted(route, pass, report, &refs_rows, &at),
        Read::Failed(f) => return route.apply_fail(pass, report, &refs_rows, f),
    };
    let seen = dto::Requisition::of(&body);
    let status = seen.status.unwrap_or_default();
    at.set(pass, &[(Column::Status, Some(&status))])?;
    let stock_based = seen
        .template
        .and_then(|t| t.populate_stock_on_hand_from_stock_cards)
        == Some(true);
    let observed = Observed::Read {
        status: &status,
        stock_based,
        holds_recorded_counts: openlmis::holds_counts_of(&body, &recorded),
    };
    match next_action(known(&state), observed) {
        Action::RejectStockBased => {
            route.apply_reject(pass, report, &refs_rows, problem("the LMIS fills this requisition from its stock cards", "This program's requisitions are stock based in the LMIS: the form must use the stock_event mode. Ask your supervisor."), "stock-based template")?;
            return Ok(Step::Sent);
        }
        Action::Delivered => {
            at.set(pass, &[(Column::UnknownOutcome, None)])?;
            route.apply_delivered(
                pass,
                report,
                &refs_rows,
                Some(&format!("requisition {req_id} is {status}")),
            )?;
            return Ok(Step::Sent);
        }
        Action::DeliveredFromAnotherDevice => {
            route.apply_delivered(
                pass,
                report,
                &refs_rows,
                Some(&format!(
                    "requisition {req_id} is {status} in the LMIS with these counts (sent from another device)"
                )),
            )?;
            return Ok(Step::Sent);
        }
        Action::RejectNotEditable => {
            route.apply_reject(
                pass,
                report,
                &refs_rows,
                problem(&format!("the requisition for {} is already {status} in the LMIS", period.iso()), "The requisition can no longer be changed from the tablet. Make the correction in the LMIS itself (ask your supervisor); nothing was sent."),
                "requisition not editable",
            )?;
            return Ok(Step::Sent);
        }
        Action::Write { new_submit_key } => {
            if new_submit_key {
                // The answer of an earlier submit was lost and the requisition is
                // not submitted: that request failed, and may have spent its key.
                let fresh = key_of("requisition-submit");
                at.set(
                    pass,
                    &[
                        (Column::SubmitKey, Some(&fresh)),
                        (Column::UnknownOutcome, None),
                    ],
                )?;
                state.submit_key = fresh;
            }
        }
        other => return route.apply_fail(pass, report, &refs_rows, unexpected(other)),
    }

    // 3. Update it with the LMIS's own inputs to the formulas, then check
    //    the requested quantities against the order quantities the LMIS
    //    calculated, and write once more if an explanation must change.
    let inputs = openlmis::lmis_inputs(&body);
    let mut lines = match openlmis::aggregate(
        &def,
        &drafts,
        months_in_period,
        &reasons,
        &refs.approved,
        &inputs,
    ) {
        Ok(l) => l,
        Err(_) => recorded,
    };
    let mut current = (body, etag);
    let mut written = false;
    for _ in 0..MAX_WRITES {
        let mut filled = current.0.clone();
        let missing = openlmis::fill_requisition(&mut filled, &lines);
        if !missing.is_empty() {
            route.apply_reject(pass, report, &refs_rows, problem(&format!("the requisition has no line for orderable(s) {}", missing.join(", ")), "Ask your supervisor to check which products are approved for this facility in the LMIS."), "lines")?;
            return Ok(Step::Sent);
        }
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(e) = current.1.as_deref() {
            headers.push(("If-Match", e));
        }
        let answer = match route.client().call(
            pass,
            report,
            "PUT",
            &format!("/api/requisitions/{req_id}"),
            Some(&filled),
            &headers,
            &refs_rows,
            Expect::Object(&["id"]),
        )? {
            Ok(a) => a,
            Err(Fail::Refused { status: 409, error }) => {
                // Someone changed it meanwhile: read it again next time.
                return route.apply_fail(pass, report, &refs_rows, transient(format!(
                    "the requisition was changed in the LMIS while it was being written ({}); it is read again",
                    error.message
                )));
            }
            Err(Fail::Refused { status, error }) => {
                let fp = field_problems(&def, &error);
                route.apply_reject(
                    pass,
                    report,
                    &refs_rows,
                    fp,
                    &format!("update: HTTP {status}"),
                )?;
                return Ok(Step::Sent);
            }
            Err(f) => return route.apply_fail(pass, report, &refs_rows, f),
        };
        written = true;
        // The LMIS's answer to the PUT is the requisition as it computed it;
        // read it back when that answer does not carry the lines.
        let mut back = (answer.json, answer.etag);
        if openlmis::lmis_order_quantities(&back.0).is_empty() {
            back = match read(route, pass, report, &req_id, &refs_rows)? {
                Read::Found(b, e) => (b, e),
                Read::Gone => return restart_deleted(route, pass, report, &refs_rows, &at),
                Read::Failed(f) => return route.apply_fail(pass, report, &refs_rows, f),
            };
        }
        let lmis_i = openlmis::lmis_order_quantities(&back.0);
        let changed = openlmis::explain_against(&mut lines, &lmis_i);
        current = back;
        if !changed {
            break;
        }
        written = false;
    }
    if !written {
        return route.apply_fail(pass, report, &refs_rows, transient(format!(
            "the LMIS's calculated order quantities for {} changed while the requisition was written; it is written again",
            period.iso()
        )));
    }

    // 4. Submit, not before the period's end date by the LMIS's clock (the
    //    `Date` of its answers in this pass; it waits instead of failing).
    let lmis_today = route
        .client()
        .server_today()
        .unwrap_or_else(|| pass.clock.today());
    let observed = Observed::Written {
        period_ended: lmis_today > period.end(),
    };
    match next_action(known(&state), observed) {
        Action::Submit => {}
        Action::WaitForPeriodEnd => {
            let until = after_period_end(route.client().server_offset(), &period, pass.clock.now());
            let why = format!(
                "the requisition for {} is written in the LMIS; it is submitted after {} (the LMIS's date is {lmis_today})",
                period.iso(),
                period.end()
            );
            route.apply_wait(pass, &refs_rows, &why, Some(until))?;
            return Ok(Step::Sent);
        }
        other => return route.apply_fail(pass, report, &refs_rows, unexpected(other)),
    }
    at.set(
        pass,
        &[
            (Column::UnknownOutcome, Some("submit")),
            (Column::SubmittedHash, Some(&lines_hash)),
        ],
    )?;
    let key = state.submit_key.clone();
    let mut refusal = None;
    let observed = match route.client().call(
        pass,
        report,
        "POST",
        &format!("/api/requisitions/{req_id}/submit"),
        None,
        &[("Idempotency-Key", &key)],
        &refs_rows,
        Expect::Object(&["id"]),
    )? {
        Ok(_) => Observed::Submitted,
        Err(Fail::Refused { status, error }) => {
            let kind = if status == 409
                || error.key.as_deref()
                    == Some("requisition.error.submit.mustBeInitiatedToBeSubmitted")
            {
                SubmitRefusal::AlreadySeen
            } else if error.key.as_deref()
                == Some("requisition.error.approve.errorPeriodEndDateWrong")
            {
                SubmitRefusal::PeriodNotEnded
            } else {
                SubmitRefusal::Other
            };
            refusal = Some((status, error));
            Observed::SubmitRefused(kind)
        }
        Err(f) => {
            if !may_have_been_applied(&f) {
                at.set(pass, &[(Column::UnknownOutcome, None)])?;
            }
            return route.apply_fail(pass, report, &refs_rows, f);
        }
    };
    let (status, error) = refusal.unwrap_or_default();
    // A submit key the LMIS has seen is spent (contract §6.4).
    let forget_submit = |fresh: &str| {
        [
            (Column::SubmitKey, Some(fresh.to_string())),
            (Column::SubmittedHash, None),
        ]
    };
    match next_action(known(&state), observed) {
        Action::Delivered => {
            at.set(pass, &[(Column::UnknownOutcome, None)])?;
            route.apply_delivered(
                pass,
                report,
                &refs_rows,
                Some(&format!("requisition {req_id} submitted")),
            )?;
        }
        Action::ReadBack => {
            // Submitted already (a lost answer), or the key was spent by a
            // submit that failed (contract §6.4): read it back.
            at.set(pass, &[(Column::UnknownOutcome, None)])?;
            let back = match read(route, pass, report, &req_id, &refs_rows)? {
                Read::Found(b, _) => Some(dto::Requisition::of(&b).status.unwrap_or_default()),
                Read::Gone => None,
                Read::Failed(f) => return route.apply_fail(pass, report, &refs_rows, f),
            };
            match next_action(known(&state), Observed::ReadBack(back.as_deref())) {
                Action::Delivered => {
                    let st = back.unwrap_or_default();
                    at.set(pass, &[(Column::Status, Some(&st))])?;
                    route.apply_delivered(
                        pass,
                        report,
                        &refs_rows,
                        Some(&format!("requisition {req_id} is {st}")),
                    )?;
                }
                Action::RetryWithNewSubmitKey => {
                    let fresh = key_of("requisition-submit");
                    at.set_owned(pass, &forget_submit(&fresh))?;
                    return route.apply_fail(pass, report, &refs_rows, transient(format!(
                        "the LMIS had already seen this submit of {} (HTTP {status}) but the requisition is not submitted; it is submitted again with a new request key",
                        period.iso()
                    )));
                }
                other => return route.apply_fail(pass, report, &refs_rows, unexpected(other)),
            }
        }
        Action::WaitForPeriodEndWithNewKey => {
            // The LMIS's clock says the period has not ended: the key is
            // spent; wait for the end by its clock.
            let fresh = key_of("requisition-submit");
            at.set_owned(pass, &forget_submit(&fresh))?;
            at.set(pass, &[(Column::UnknownOutcome, None)])?;
            let why = format!(
                "the LMIS does not accept the requisition for {} before the period ends on {} by its own date; it waits",
                period.iso(),
                period.end()
            );
            let until = after_period_end(route.client().server_offset(), &period, pass.clock.now());
            route.apply_wait(pass, &refs_rows, &why, Some(until))?;
        }
        Action::RejectSubmit => {
            let fresh = key_of("requisition-submit");
            at.set_owned(pass, &forget_submit(&fresh))?;
            at.set(pass, &[(Column::UnknownOutcome, None)])?;
            let fp = field_problems(&def, &error);
            route.apply_reject(
                pass,
                report,
                &refs_rows,
                fp,
                &format!("submit: HTTP {status}"),
            )?;
        }
        other => return route.apply_fail(pass, report, &refs_rows, unexpected(other)),
    }
    Ok(Step::Sent)
}

/// The most times one step writes a requisition: once, and once more when
/// the LMIS's calculated order quantities ask for other explanations.
const MAX_WRITES: usize = 2;

/// The margin after the period's end, by the LMIS's clock, before a submit.
const PERIOD_END_MARGIN_MINUTES: i64 = 60;

/// When, by this device's clock, the LMIS's date is past the period's end
/// (plus a margin): the LMIS's midnight after the end, moved by the
/// difference between the two clocks when an answer told it; never earlier
/// than a minute from now.
fn after_period_end(
    offset: Option<chrono::Duration>,
    period: &Period,
    now: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    let lmis_midnight = (period.end() + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now);
    let device = lmis_midnight - offset.unwrap_or_else(chrono::Duration::zero)
        + chrono::Duration::minutes(PERIOD_END_MARGIN_MINUTES);
    device.max(now + chrono::Duration::minutes(1))
}

/// Whether a failure may mean the LMIS applied the request.
fn may_have_been_applied(f: &Fail) -> bool {
    matches!(
        f,
        Fail::Transient {
            maybe_sent: true,
            ..
        } | Fail::Intercepted {
            maybe_sent: true,
            ..
        }
    )
}

/// A refusal in plain words, per product when it names the lines: the
/// LMIS's field map (contract §2) names orderables by id; they are shown by
/// the product's name, with what to do.
fn field_problems(def: &FormDefinition, error: &openlmis::LmisError) -> Vec<FieldProblem> {
    if error.fields.is_empty() {
        return problem(&error.message, openlmis::advice_for(error.key.as_deref()));
    }
    let mut out = Vec::new();
    for (field, message) in &error.fields {
        let named: Vec<_> = def
            .products
            .iter()
            .filter(|p| message.contains(&p.lmis_orderable_id))
            .collect();
        if named.is_empty() {
            out.push(FieldProblem {
                field: format!("requisition.{field}"),
                code: None,
                server_message: message.clone(),
                advice: "The LMIS refused the requisition's numbers. Check the monthly reports of the period and correct the one that is wrong; the requisition is sent again after a correction.".into(),
                advice_msg: None,
            });
        }
        for p in named {
            out.push(FieldProblem {
                field: p.code.clone(),
                code: None,
                server_message: message.replace(&p.lmis_orderable_id, &p.name),
                advice: format!(
                    "The LMIS refused the numbers for {}. Check them in the monthly reports of the period and correct the one that is wrong; the requisition is sent again after a correction.",
                    p.name
                ),
                advice_msg: None,
            });
        }
    }
    out
}

/// What reading a requisition gave.
enum Read {
    Found(Value, Option<String>),
    Gone,
    Failed(Fail),
}

/// `GET /api/requisitions/{id}`.
fn read<C: LmisClient>(
    route: &mut LmisRoute<C>,
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
    req_id: &str,
    rows: &[&DueRow],
) -> Result<Read, Error> {
    Ok(
        match route.client().call(
            pass,
            report,
            "GET",
            &format!("/api/requisitions/{req_id}"),
            None,
            &[],
            rows,
            Expect::Object(&["id", "status"]),
        )? {
            Ok(r) if r.status == 404 => Read::Gone,
            Ok(r) => Read::Found(r.json, r.etag),
            Err(f) => Read::Failed(f),
        },
    )
}

/// Finds the regular requisition of a facility, program and period.
fn search<C: LmisClient>(
    route: &mut LmisRoute<C>,
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
    facility_id: &str,
    program: &str,
    period_id: &str,
    rows: &[&DueRow],
) -> Result<Option<String>, Error> {
    report.lookups += 1;
    let path = format!(
        "/api/requisitions/search?facility={}&program={}&processingPeriod={}&emergency=false",
        encode_query(facility_id),
        encode_query(program),
        encode_query(period_id)
    );
    match route
        .client()
        .call(pass, report, "GET", &path, None, &[], rows, Expect::Page)?
    {
        Ok(r) => Ok(openlmis::items(&r.json)
            .into_iter()
            .find_map(requisition_id_of)),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The state machine as a table, written from the contract (§6.4, §7):
    /// (what the row knows, what was observed) -> what to do.
    #[test]
    fn the_requisition_state_machine_follows_its_table() {
        let fresh = Known {
            has_id: false,
            pending: None,
            same_content_submitted: false,
            submitted_here: false,
        };
        let with_id = Known {
            has_id: true,
            ..fresh
        };
        let lost_initiate = Known {
            pending: Some(Pending::Initiate),
            ..fresh
        };
        let lost_submit = Known {
            pending: Some(Pending::Submit),
            ..with_id
        };
        let submitted_same = Known {
            same_content_submitted: true,
            submitted_here: true,
            ..with_id
        };
        let submitted_other = Known {
            submitted_here: true,
            ..with_id
        };
        use Action as A;
        use Observed as O;
        let table: Vec<(Known, O<'_>, A)> = vec![
            (fresh, O::Start, A::Search),
            (with_id, O::Start, A::Read),
            (
                fresh,
                O::Search {
                    found: true,
                    after_duplicate: false,
                },
                A::Read,
            ),
            (
                fresh,
                O::Search {
                    found: false,
                    after_duplicate: false,
                },
                A::Initiate { new_key: false },
            ),
            // A lost initiate and no requisition: that key may be spent.
            (
                lost_initiate,
                O::Search {
                    found: false,
                    after_duplicate: false,
                },
                A::Initiate { new_key: true },
            ),
            (fresh, O::Initiated, A::Read),
            (fresh, O::InitiateRefused { duplicate: true }, A::Search),
            (
                fresh,
                O::Search {
                    found: true,
                    after_duplicate: true,
                },
                A::Read,
            ),
            (
                fresh,
                O::Search {
                    found: false,
                    after_duplicate: true,
                },
                A::RetryWithNewInitiateKey,
            ),
            (
                fresh,
                O::InitiateRefused { duplicate: false },
                A::RejectInitiate,
            ),
            (
                with_id,
                O::Read {
                    status: "INITIATED",
                    stock_based: true,
                    holds_recorded_counts: false,
                },
                A::RejectStockBased,
            ),
            (
                submitted_same,
                O::Read {
                    status: "AUTHORIZED",
                    stock_based: true,
                    holds_recorded_counts: false,
                },
                A::RejectStockBased,
            ),
            (
                with_id,
                O::Read {
                    status: "INITIATED",
                    stock_based: false,
                    holds_recorded_counts: false,
                },
                A::Write {
                    new_submit_key: false,
                },
            ),
            (
                with_id,
                O::Read {
                    status: "REJECTED",
                    stock_based: false,
                    holds_recorded_counts: false,
                },
                A::Write {
                    new_submit_key: false,
                },
            ),
            (
                lost_submit,
                O::Read {
                    status: "INITIATED",
                    stock_based: false,
                    holds_recorded_counts: false,
                },
                A::Write {
                    new_submit_key: true,
                },
            ),
            (
                submitted_same,
                O::Read {
                    status: "SUBMITTED",
                    stock_based: false,
                    holds_recorded_counts: false,
                },
                A::Delivered,
            ),
            (
                with_id,
                O::Read {
                    status: "SUBMITTED",
                    stock_based: false,
                    holds_recorded_counts: false,
                },
                A::RejectNotEditable,
            ),
            (
                with_id,
                O::Read {
                    status: "",
                    stock_based: false,
                    holds_recorded_counts: false,
                },
                A::RejectNotEditable,
            ),
            // Issue 17: submitted by another device with exactly the recorded
            // counts: delivered; if this device had submitted other content,
            // or the counts differ, it is not editable.
            (
                with_id,
                O::Read {
                    status: "SUBMITTED",
                    stock_based: false,
                    holds_recorded_counts: true,
                },
                A::DeliveredFromAnotherDevice,
            ),
            (
                submitted_other,
                O::Read {
                    status: "SUBMITTED",
                    stock_based: false,
                    holds_recorded_counts: true,
                },
                A::RejectNotEditable,
            ),
            (with_id, O::Written { period_ended: true }, A::Submit),
            (
                with_id,
                O::Written {
                    period_ended: false,
                },
                A::WaitForPeriodEnd,
            ),
            (with_id, O::Submitted, A::Delivered),
            (
                with_id,
                O::SubmitRefused(SubmitRefusal::AlreadySeen),
                A::ReadBack,
            ),
            (
                with_id,
                O::SubmitRefused(SubmitRefusal::PeriodNotEnded),
                A::WaitForPeriodEndWithNewKey,
            ),
            (
                with_id,
                O::SubmitRefused(SubmitRefusal::Other),
                A::RejectSubmit,
            ),
            (with_id, O::ReadBack(Some("SUBMITTED")), A::Delivered),
            (with_id, O::ReadBack(Some("AUTHORIZED")), A::Delivered),
            (
                with_id,
                O::ReadBack(Some("INITIATED")),
                A::RetryWithNewSubmitKey,
            ),
            (with_id, O::ReadBack(None), A::RetryWithNewSubmitKey),
        ];
        for (known, observed, expected) in table {
            assert_eq!(
                next_action(known, observed),
                expected,
                "{known:?} + {observed:?}"
            );
        }
    }
}
