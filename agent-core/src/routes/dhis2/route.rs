//! The DHIS2 route: plans due forms into batches, sends them through the
//! engine's [`Pass`], and applies DHIS2's verdicts (a foreign 3xx/4xx holds,
//! DHIS2's own refusal splits or rejects; the gzip probe is decided only by
//! DHIS2's answer).

use super::{self as dhis2, Dhis2Item, Rows, Verdict};
use crate::credentials::Credentials;
use crate::error::Error;
use crate::model::delivery::{FieldProblem, failure_message, plain_text, refusal_line};
use crate::model::draft::Draft;
use crate::model::i18n::Message;
use crate::net::http::{HttpRequest, HttpResponse, basic_auth};
use crate::store::deliveries::{
    self, DueRow, RowSelect, due_rows, earlier_sent, mark_in_flight, mark_send_alone, set_state,
    supersede_stale_in_flight,
};
use crate::store::destinations::{destination_answered, destination_state, set_fact};
use crate::store::outbox::HoldKind;
use crate::store::outbox::{DeliveryState, Destination};
use crate::store::stranded::{CANNOT_BUILD, UNREADABLE, release, unbuildable, wait_unbuildable};
use crate::sync::{
    DestinationReport, Failure, ItemRef, Pass, Rejection, Route, Step, apply_failure, cap_text,
    store_problems,
};
use rusqlite::TransactionBehavior;
use std::collections::VecDeque;
use std::io::Write;
use std::time::Duration;

/// Settings of the DHIS2 route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dhis2Settings {
    /// Base URL, without a trailing slash.
    pub url: String,
    /// Most values per request.
    pub batch_max_values: usize,
    /// Most bytes per request (before compression).
    pub batch_max_bytes: usize,
    /// Compress bodies: `None` = probe once and remember.
    pub gzip: Option<bool>,
}

/// The DHIS2 route: batches of forms per data set, upserts (safe to resend),
/// deletions for values removed by corrections, completion registrations.
pub struct Dhis2Route {
    settings: Dhis2Settings,
    credentials: Credentials,
    plan: Option<VecDeque<Vec<DueRow>>>,
    /// The last form planned: the next chunk starts after it.
    cursor: Option<String>,
    /// The last chunk was full: more may be due after the cursor.
    more: bool,
    /// Forms of bulk batches whose values DHIS2 stored, waiting (in
    /// flight) for the pass's completion POST: one for every data set of
    /// the pass (contract §7 takes a list), not one per value batch.
    completing: Vec<(DueRow, Dhis2Item)>,
}

/// Forms planned at a time: the plan holds their contents and values in
/// memory, so a long queue is planned in chunks (each costs at most one
/// partly filled batch per data set).
const PLAN_CHUNK: usize = 2_000;

impl std::fmt::Debug for Dhis2Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dhis2Route")
            .field("url", &self.settings.url)
            .finish_non_exhaustive()
    }
}

/// What to do with a batch after its exchange.
enum BatchOutcome {
    /// Per item verdicts.
    Judged(Vec<Verdict>),
    /// Every item must be sent alone (or rejected when already alone).
    Split(String),
    /// No per-item answer: the engine backs off, holds or leaves the
    /// items as they were (`sync::apply_failure`).
    Failed(Failure),
}

impl BatchOutcome {
    /// No usable answer: retry later (DHIS2's upserts make a resend safe,
    /// so nothing is looked up first).
    fn retry(why: Message, retry_after: Option<Duration>) -> BatchOutcome {
        BatchOutcome::Failed(Failure::Retry {
            why,
            retry_after,
            maybe_sent: false,
        })
    }

    /// The destination must be held.
    fn hold(kind: HoldKind, why: Message) -> BatchOutcome {
        BatchOutcome::Failed(Failure::Hold {
            kind,
            why,
            maybe_sent: false,
        })
    }

    /// Not sent (the pass's budget ran out, or it was cancelled).
    fn not_sent(why: String) -> BatchOutcome {
        BatchOutcome::Failed(Failure::NotSent(why))
    }
}

impl Dhis2Route {
    /// A route with settings and credentials.
    pub fn new(settings: Dhis2Settings, credentials: Credentials) -> Dhis2Route {
        Dhis2Route {
            settings,
            credentials,
            plan: None,
            cursor: None,
            more: false,
            completing: Vec::new(),
        }
    }

    fn auth_header(&self) -> (String, String) {
        let v = match &self.credentials {
            Credentials::Basic { username, password } => basic_auth(username, password),
            Credentials::ApiToken { token } => format!("ApiToken {token}"),
            Credentials::OAuthPassword {
                username, password, ..
            } => basic_auth(username, password),
        };
        ("Authorization".into(), v)
    }

    /// A GET request to DHIS2 with the route's credentials.
    pub fn get_request(&self, path_and_query: &str) -> HttpRequest {
        HttpRequest {
            method: "GET",
            url: format!("{}{path_and_query}", self.settings.url),
            headers: vec![
                self.auth_header(),
                ("Accept".into(), "application/json".into()),
            ],
            body: vec![],
        }
    }

    fn request(&self, path_and_query: &str, body: Vec<u8>) -> HttpRequest {
        HttpRequest {
            method: "POST",
            url: format!("{}{path_and_query}", self.settings.url),
            headers: vec![
                self.auth_header(),
                ("Content-Type".into(), "application/json".into()),
                ("Accept".into(), "application/json".into()),
            ],
            body,
        }
    }

    /// Builds the item for a due row, or says why this device cannot (the
    /// reason, and the audit detail of the wait: see `store::stranded`).
    fn item(
        &self,
        pass: &Pass<'_>,
        row: &DueRow,
    ) -> Result<Result<Dhis2Item, (Message, &'static str)>, Error> {
        if let Some(why) = missing_in(pass.forms, pass.facilities, &row.form_id, &row.facility) {
            return Ok(Err((
                crate::model::delivery::kept_advice(&why),
                CANNOT_BUILD,
            )));
        }
        let (Some(def), Some(facility)) = (
            pass.forms.get(&row.form_id),
            pass.facilities.get(&row.facility),
        ) else {
            return Ok(Err((
                crate::model::delivery::kept_advice(
                    &Message::new("stranded-form-gone").text("form", &row.form_id),
                ),
                CANNOT_BUILD,
            )));
        };
        let current: Draft = match serde_json::from_str(&row.content) {
            Ok(d) => d,
            Err(e) => {
                return Ok(Err((
                    plain_text(&format!(
                        "the stored form cannot be read ({e}); it is kept, not deleted: save it for the district with `{}`",
                        crate::model::delivery::EXPORT_UNSENT_COMMAND
                    )),
                    UNREADABLE,
                )));
            }
        };
        let earlier = earlier_sent(
            &pass.conn,
            Destination::Dhis2,
            &row.submission_id,
            row.revision,
        )?;
        Ok(dhis2::build_item(
            def,
            facility,
            &row.submission_id,
            row.revision,
            &row.period,
            &row.recorded_at.format("%Y-%m-%d").to_string(),
            &current,
            &earlier,
        )
        .map_err(|_| {
            (
                crate::model::delivery::kept_advice(
                    &Message::new("stranded-org-unit-gone").text("facility", &row.facility),
                ),
                CANNOT_BUILD,
            )
        }))
    }

    /// Re-plans the forms set aside because this device could not build
    /// them: each whose definition and facility are back is queued again
    /// (sent in this pass); the others wait on, their reason brought up to
    /// date (issue 17: no `resend` needed, nothing refused locally).
    fn release_buildable(pass: &mut Pass<'_>) -> Result<(), Error> {
        let now = pass.clock.now();
        let rows = unbuildable(&pass.conn, Destination::Dhis2)?;
        if rows.is_empty() {
            return Ok(());
        }
        let (forms, facilities) = (pass.forms, pass.facilities);
        let tx = pass
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for r in &rows {
            let key = (r.submission_id.as_str(), r.revision, Destination::Dhis2);
            match missing_in(forms, facilities, &r.form_id, &r.facility) {
                None => release(&tx, now, key)?,
                Some(why) => {
                    wait_unbuildable(
                        &tx,
                        now,
                        key,
                        &crate::model::delivery::kept_advice(&why),
                        CANNOT_BUILD,
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn plan(&mut self, pass: &mut Pass<'_>, _report: &mut DestinationReport) -> Result<(), Error> {
        let now = pass.clock.now();
        supersede_stale_in_flight(&mut pass.conn, now, Destination::Dhis2)?;
        if self.cursor.is_none() {
            Self::release_buildable(pass)?;
        }
        let rows = due_rows(
            &pass.conn,
            Destination::Dhis2,
            now,
            RowSelect {
                content: true,
                after: self.cursor.as_deref(),
                limit: Some(PLAN_CHUNK),
            },
        )?;
        self.more = rows.len() == PLAN_CHUNK;
        self.cursor = rows.last().map(|r| r.submission_id.clone());
        let mut items = Vec::new();
        let mut kept = Vec::new();
        for row in rows {
            match self.item(pass, &row)? {
                Ok(it) => {
                    items.push((it, row.solo));
                    kept.push(row);
                }
                Err((why, detail)) => {
                    // Not refused: no server saw it. It waits, with the
                    // reason and the export command, and is released by
                    // `release_buildable` once what it needs is back.
                    let tx = pass.conn.transaction()?;
                    wait_unbuildable(
                        &tx,
                        now,
                        (&row.submission_id, row.revision, Destination::Dhis2),
                        &why,
                        detail,
                    )?;
                    tx.commit()?;
                }
            }
        }
        let batches = dhis2::plan_batches(
            &items,
            self.settings.batch_max_values,
            self.settings.batch_max_bytes,
        );
        self.plan = Some(
            batches
                .into_iter()
                .map(|b| b.into_iter().map(|i| kept[i].clone()).collect())
                .collect(),
        );
        Ok(())
    }

    /// Learns once per server whether it takes gzip bodies (a dry run).
    fn gzip(&self, pass: &mut Pass<'_>, report: &mut DestinationReport) -> Result<bool, Error> {
        if let Some(g) = self.settings.gzip {
            return Ok(g);
        }
        let key = format!("gzip:{}", self.settings.url);
        if let Some(v) = destination_state(&pass.conn, Destination::Dhis2)?
            .facts
            .get(&key)
            .and_then(|v| v.as_bool())
        {
            return Ok(v);
        }
        let probe = gzip_bytes(br#"{"dataValues":[]}"#);
        let req = self.request("/api/dataValueSets?dryRun=true", probe);
        let result = pass.send(
            Destination::Dhis2,
            &req,
            b"(gzip probe, dry run)",
            &[],
            report,
        )?;
        let answer = match result {
            // An empty dry run that was understood is a success; a server
            // that did not inflate the body fails to parse it (an ERROR
            // summary on old versions, a 400 on new ones).
            // Only DHIS2's own answer decides; a portal's page, a proxy's
            // error or a lost answer leaves it open, probed again next time.
            Ok(r) if (r.status == 200 || r.status == 409) && !r.truncated => {
                dhis2::parse_import_summary(&r.body)
                    .ok()
                    .map(|s| s.status != dhis2::ImportStatus::Error)
            }
            Ok(r)
                if (400..500).contains(&r.status)
                    && !matches!(r.status, 401 | 403 | 404 | 408 | 413 | 429)
                    && dhis2::is_web_message(&r.body) =>
            {
                Some(false)
            }
            Ok(_) | Err(_) => None,
        };
        if let Some(a) = answer {
            set_fact(
                &pass.conn,
                Destination::Dhis2,
                &key,
                serde_json::Value::Bool(a),
            )?;
        }
        Ok(answer.unwrap_or(false))
    }

    /// Posts a body, gzip'd when the server takes it, and classifies the answer.
    fn post(
        &self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        path: &str,
        body: Vec<u8>,
        gzip: bool,
        rows: &[&DueRow],
    ) -> Result<Result<HttpResponse, BatchOutcome>, Error> {
        let wire = if gzip {
            gzip_bytes(&body)
        } else {
            body.clone()
        };
        let req = self.request(path, wire);
        let result = pass.send(Destination::Dhis2, &req, &body, rows, report)?;
        let now = pass.clock.now();
        let dhis2_said = |r: &HttpResponse| dhis2::is_web_message(&r.body);
        Ok(match result {
            Err(e) if e.kind == crate::net::http::TransportErrorKind::NotStarted => {
                Err(BatchOutcome::not_sent(e.message))
            }
            // The server's certificate is not trusted: nothing was sent, and
            // retrying will not help until the configuration changes.
            Err(e) if e.kind == crate::net::http::TransportErrorKind::Tls && !e.maybe_sent => Err(
                BatchOutcome::hold(HoldKind::Configuration, failure_message(&e.message)),
            ),
            // The transport's words: "<fixed words> (<technical detail>)".
            Err(e) => Err(BatchOutcome::retry(failure_message(&e.message), None)),
            Ok(r) => match r.status {
                200 | 201 | 204 | 409 => Ok(r),
                401 => Err(BatchOutcome::hold(
                    HoldKind::Credentials,
                    Message::new("hold-dhis2-credentials"),
                )),
                403 if dhis2_said(&r) => Err(BatchOutcome::hold(
                    HoldKind::Credentials,
                    Message::new("hold-dhis2-authority"),
                )),
                404 if dhis2_said(&r) => Err(BatchOutcome::hold(
                    HoldKind::Configuration,
                    Message::new("hold-dhis2-not-found").text("url", self.settings.url.as_str()),
                )),
                413 if rows.len() > 1 => Err(BatchOutcome::Split(format!(
                    "the request was too large for DHIS2 or a proxy in front of it ({})",
                    crate::net::http::foreign_answer(&r)
                ))),
                413 => Err(BatchOutcome::hold(
                    HoldKind::Intercepted,
                    Message::new("hold-dhis2-too-large")
                        .text("answer", crate::net::http::foreign_answer(&r)),
                )),
                429 | 500..=599 | 408 => Err(BatchOutcome::retry(
                    Message::new("sync-dhis2-busy").num("status", i64::from(r.status)),
                    r.retry_after(now),
                )),
                // DHIS2's own refusal (a WebMessage): find the form at fault.
                400..=499 if dhis2_said(&r) => Err(BatchOutcome::Split(format!(
                    "DHIS2 refused the request (HTTP {}): {}",
                    r.status,
                    cap_text(&r.body, 300)
                ))),
                // A redirect, or an error page that is not DHIS2's own.
                _ => Err(BatchOutcome::hold(
                    HoldKind::Intercepted,
                    Message::new("hold-dhis2-intercepted")
                        .text("answer", crate::net::http::foreign_answer(&r)),
                )),
            },
        })
    }

    /// Sends a batch's values (and deletions). For a bulk batch the stored
    /// forms' items come back too: their completion is registered later,
    /// with those of the whole pass.
    #[allow(clippy::type_complexity)]
    fn send_batch(
        &self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        batch: &[DueRow],
    ) -> Result<(BatchOutcome, Option<Vec<Dhis2Item>>), Error> {
        let mut deferred = None;
        let outcome = self.send_values(pass, report, batch, &mut deferred)?;
        Ok((outcome, deferred))
    }

    fn send_values(
        &self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        batch: &[DueRow],
        deferred: &mut Option<Vec<Dhis2Item>>,
    ) -> Result<BatchOutcome, Error> {
        let mut items: Vec<Dhis2Item> = Vec::new();
        for r in batch {
            if let Ok(it) = self.item(pass, r)? {
                items.push(it);
            }
        }
        if items.len() != batch.len() {
            return Ok(BatchOutcome::retry(
                plain_text("the forms changed while sending"),
                None,
            ));
        }
        let refs: Vec<&Dhis2Item> = items.iter().collect();
        let rows: Vec<&DueRow> = batch.iter().collect();
        let gzip = self.gzip(pass, report)?;
        let (body, row_refs) = dhis2::data_value_set(&refs, Rows::Values);
        let resp = match self.post(pass, report, "/api/dataValueSets", body, gzip, &rows)? {
            Ok(r) => r,
            Err(outcome) => return Ok(outcome),
        };
        // Not DHIS2's import summary (a portal's page, a cut answer):
        // nothing is known, the batch is sent again later (upserts).
        let summary = match dhis2::parse_import_summary(&resp.body) {
            _ if resp.truncated => {
                return Ok(BatchOutcome::retry(
                    plain_text("the answer from DHIS2 was too large"),
                    None,
                ));
            }
            Ok(s) => s,
            Err(bad) => {
                return Ok(BatchOutcome::retry(plain_text(&bad.0), None));
            }
        };
        let mut verdicts = dhis2::judge(&summary, &row_refs, refs.len());
        // Deletions, for the forms whose values were stored.
        let deleting: Vec<usize> = (0..refs.len())
            .filter(|&i| verdicts[i] != Verdict::SendAlone && !refs[i].deletions.is_empty())
            .collect();
        if !deleting.is_empty() {
            let del_items: Vec<&Dhis2Item> = deleting.iter().map(|&i| refs[i]).collect();
            let (body, _) = dhis2::data_value_set(&del_items, Rows::Deletions);
            let del_rows: Vec<&DueRow> = deleting.iter().map(|&i| &batch[i]).collect();
            match self.post(
                pass,
                report,
                "/api/dataValueSets?importStrategy=DELETE",
                body,
                gzip,
                &del_rows,
            )? {
                Ok(r) if dhis2::parse_import_summary(&r.body).is_ok() => {}
                Ok(_) => {
                    return Ok(BatchOutcome::retry(
                        plain_text("DHIS2 did not confirm the deletion of removed values"),
                        None,
                    ));
                }
                Err(outcome) => return Ok(outcome),
            }
        }
        // Completion, when several forms went in bulk form: registered
        // with the rest of the pass's (see `complete`).
        if refs.len() > 1 {
            *deferred = Some(items.clone());
        }
        if refs.len() == 1 && verdicts[0] == Verdict::SendAlone {
            verdicts[0] = Verdict::Rejected {
                whole: true,
                problems: vec![],
            };
        }
        Ok(BatchOutcome::Judged(verdicts))
    }
}

impl Route for Dhis2Route {
    fn destination(&self) -> Destination {
        Destination::Dhis2
    }

    fn step(&mut self, pass: &mut Pass<'_>, report: &mut DestinationReport) -> Result<Step, Error> {
        if self.plan.is_none() {
            self.plan(pass, report)?;
        }
        if self.completing.len() >= PLAN_CHUNK {
            return self.complete(pass, report);
        }
        let mut batch = self.plan.as_mut().and_then(VecDeque::pop_front);
        while batch.is_none() && self.more {
            self.plan(pass, report)?;
            batch = self.plan.as_mut().and_then(VecDeque::pop_front);
        }
        let Some(batch) = batch else {
            if !self.completing.is_empty() {
                return self.complete(pass, report);
            }
            return Ok(Step::Idle);
        };
        let now = pass.clock.now();
        let dest = Destination::Dhis2;
        let rows: Vec<&DueRow> = batch.iter().collect();
        report.retries += u32::from(batch.iter().any(|r| r.attempts > 0));
        mark_in_flight(&mut pass.conn, now, dest, &rows)?;
        let (outcome, deferred) = self.send_batch(pass, report, &batch)?;
        self.apply(pass, report, batch, outcome, deferred)
    }
}

impl Dhis2Route {
    /// One `completeDataSetRegistrations` POST for the forms of the pass's
    /// bulk batches whose values were stored; they are delivered on DHIS2's
    /// import summary. Its conflicts are free text naming no row (§7), and
    /// a form's values are stored already, so they mark no form failed.
    fn complete(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
    ) -> Result<Step, Error> {
        let pending = std::mem::take(&mut self.completing);
        let (rows, items): (Vec<DueRow>, Vec<Dhis2Item>) = pending.into_iter().unzip();
        let refs: Vec<&Dhis2Item> = items.iter().collect();
        let row_refs: Vec<&DueRow> = rows.iter().collect();
        let gzip = self.gzip(pass, report)?;
        let body = dhis2::completion_body(&refs);
        let outcome = match self.post(
            pass,
            report,
            "/api/completeDataSetRegistrations",
            body,
            gzip,
            &row_refs,
        )? {
            Ok(r) if !r.truncated && dhis2::parse_import_summary(&r.body).is_ok() => {
                BatchOutcome::Judged(rows.iter().map(|_| Verdict::Delivered).collect())
            }
            Ok(_) => BatchOutcome::retry(
                plain_text("DHIS2 did not confirm the completion of the forms"),
                None,
            ),
            Err(outcome) => outcome,
        };
        self.apply(pass, report, rows, outcome, None)
    }

    /// Applies the outcome of an exchange to its forms. `deferred`: the
    /// items of a bulk batch, whose stored forms wait for the completion.
    fn apply(
        &mut self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        batch: Vec<DueRow>,
        outcome: BatchOutcome,
        deferred: Option<Vec<Dhis2Item>>,
    ) -> Result<Step, Error> {
        let dest = Destination::Dhis2;
        let rows: Vec<&DueRow> = batch.iter().collect();
        let now = pass.clock.now();
        match outcome {
            BatchOutcome::Judged(verdicts) => {
                destination_answered(&pass.conn, dest)?;
                let tx = pass
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                let mut alone = Vec::new();
                for (i, (row, verdict)) in batch.iter().zip(verdicts).enumerate() {
                    let key = (row.submission_id.as_str(), row.revision, dest);
                    match verdict {
                        Verdict::Delivered
                            if let Some(item) = deferred.as_ref().and_then(|d| d.get(i)) =>
                        {
                            // Values stored; delivered with the completion.
                            self.completing.push((row.clone(), item.clone()));
                        }
                        Verdict::Delivered => {
                            store_problems(&tx, key, &[])?;
                            set_state(
                                &tx,
                                now,
                                key,
                                DeliveryState::Delivered,
                                None,
                                None,
                                "delivered",
                                None,
                            )?;
                            report.delivered.push(ItemRef {
                                id: row.submission_id.clone(),
                                revision: row.revision,
                            });
                        }
                        Verdict::Rejected { whole, problems } => {
                            store_problems(&tx, key, &problems)?;
                            let summary = rejection_summary(whole, &problems);
                            deliveries::set_state_text_msg(
                                &tx,
                                now,
                                key,
                                (DeliveryState::Rejected, None),
                                (&summary, &refusal_line(whole, &problems)),
                                "rejected",
                                None,
                            )?;
                            report.rejected.push(Rejection {
                                id: row.submission_id.clone(),
                                revision: row.revision,
                                whole,
                                problems,
                            });
                        }
                        Verdict::SendAlone => {
                            alone.push(mark_send_alone(
                                &tx,
                                now,
                                Destination::Dhis2,
                                row,
                                "the answer did not say which form of the batch was at fault",
                            )?);
                        }
                    }
                }
                tx.commit()?;
                if let Some(plan) = self.plan.as_mut() {
                    for r in alone {
                        plan.push_back(vec![r]);
                    }
                }
                Ok(Step::Sent)
            }
            BatchOutcome::Failed(failure) => {
                apply_failure(pass, report, dest, &rows, failure)?;
                Ok(Step::Stop)
            }
            BatchOutcome::Split(why) => {
                destination_answered(&pass.conn, dest)?;
                let tx = pass
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                let mut alone = Vec::new();
                for row in &batch {
                    let key = (row.submission_id.as_str(), row.revision, dest);
                    if batch.len() > 1 {
                        alone.push(mark_send_alone(&tx, now, Destination::Dhis2, row, &why)?);
                    } else {
                        let problems = vec![FieldProblem::new(
                            "form",
                            None,
                            &why,
                            Message::new("dhis2-advice-refused-form"),
                        )];
                        store_problems(&tx, key, &problems)?;
                        // The server's words stay in the text and the
                        // problem; the message is the one-line refusal.
                        deliveries::set_state_text_msg(
                            &tx,
                            now,
                            key,
                            (DeliveryState::Rejected, None),
                            (&why, &refusal_line(true, &problems)),
                            "rejected",
                            None,
                        )?;
                        report.rejected.push(Rejection {
                            id: row.submission_id.clone(),
                            revision: row.revision,
                            whole: true,
                            problems,
                        });
                    }
                }
                tx.commit()?;
                if let Some(plan) = self.plan.as_mut() {
                    for r in alone {
                        plan.push_back(vec![r]);
                    }
                }
                Ok(Step::Sent)
            }
        }
    }
}

/// The short reason stored as `last_error` for a rejection: the advice once
/// per distinct reason, with the fields it concerns (counted when many).
pub fn rejection_summary(whole: bool, problems: &[FieldProblem]) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for p in problems {
        match groups.iter_mut().find(|(a, _)| *a == p.advice) {
            Some((_, fields)) => fields.push(&p.field),
            None => groups.push((&p.advice, vec![&p.field])),
        }
    }
    groups.sort_by_key(|(advice, _)| advice.starts_with("Not stored"));
    let parts: Vec<String> = groups
        .iter()
        .map(|(advice, fields)| {
            if fields.len() > 3 {
                format!("{} fields: {advice}", fields.len())
            } else {
                format!("{}: {advice}", fields.join(", "))
            }
        })
        .collect();
    let text = if parts.is_empty() {
        "DHIS2 refused the form.".to_string()
    } else {
        parts.join(" ")
    };
    if whole {
        format!("refused as a whole; {text}")
    } else {
        format!("some values refused, the others were stored; {text}")
    }
}

/// gzip-compresses a body.
pub fn gzip_bytes(body: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4 + 32),
        flate2::Compression::default(),
    );
    if enc.write_all(body).is_err() {
        return body.to_vec();
    }
    enc.finish().unwrap_or_else(|_| body.to_vec())
}

/// What this device lacks to build a DHIS2 request for a form of `form_id`
/// at `facility`, if anything: its definition, the facility or the
/// facility's DHIS2 organisation unit is gone (an administrator's change).
fn missing_in(
    forms: &crate::model::form::FormSet,
    facilities: &crate::model::mapping::FacilityMap,
    form_id: &str,
    facility: &str,
) -> Option<Message> {
    if forms.get(form_id).is_none() {
        return Some(Message::new("stranded-form-gone").text("form", form_id));
    }
    match facilities.get(facility) {
        None => Some(Message::new("stranded-facility-gone").text("facility", facility)),
        Some(f) if f.dhis2_org_unit.is_none() => {
            Some(Message::new("stranded-org-unit-gone").text("facility", facility))
        }
        Some(_) => None,
    }
}
