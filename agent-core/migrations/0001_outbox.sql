-- Schema 1: the outbox. Shipped migrations are never edited; add a new file.
-- Every b-tree costs a page write per commit, so indexes are few and chosen
-- for the queries in outbox.rs (see BENCHMARKS.md, submit).
-- Times are UTC, ISO 8601 with milliseconds ("2026-11-29T12:00:00.000Z"), so
-- they sort as text.

-- One row per form instance: a form, for a facility, for a period.
CREATE TABLE submissions (
    id              TEXT PRIMARY KEY,            -- UUIDv7 minted at entry, never changes
    form_id         TEXT NOT NULL,
    facility        TEXT NOT NULL,               -- local facility code
    period          TEXT NOT NULL,               -- DHIS2 period id, e.g. 202610
    period_start    TEXT NOT NULL,               -- first day, yyyy-mm-dd
    period_end      TEXT NOT NULL,               -- last day, yyyy-mm-dd
    created_at      TEXT NOT NULL,
    latest_revision INTEGER NOT NULL CHECK (latest_revision >= 1),
    -- One form instance per facility, period and form; also serves look-ups
    -- of a facility's forms for a period (previous closing balances).
    UNIQUE (facility, period, form_id)
) STRICT, WITHOUT ROWID;
-- UUIDv7 ids sort by creation time, so no index on created_at is needed.

-- Every revision as entered. Immutable: rows are only ever inserted.
CREATE TABLE revisions (
    submission_id   TEXT NOT NULL REFERENCES submissions (id),
    revision        INTEGER NOT NULL CHECK (revision >= 1),
    form_version    INTEGER NOT NULL,
    content         TEXT NOT NULL,               -- canonical JSON of the draft
    content_hash    TEXT NOT NULL,               -- sha256 hex of content
    warnings        TEXT NOT NULL,               -- JSON array of the warnings the user confirmed
    created_at      TEXT NOT NULL,
    PRIMARY KEY (submission_id, revision)
) STRICT, WITHOUT ROWID;

-- One row per revision and destination: the delivery queue of each destination.
CREATE TABLE deliveries (
    submission_id   TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    destination     TEXT NOT NULL CHECK (destination IN ('dhis2', 'lmis')),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'delivered', 'rejected', 'superseded', 'waiting')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,                        -- null: as soon as possible
    last_error      TEXT,
    idempotency_key TEXT NOT NULL,               -- fixed at enqueue, reused on every retry; derived
                                                 -- from (submission, revision, destination), so unique
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (submission_id, revision, destination),
    FOREIGN KEY (submission_id, revision) REFERENCES revisions (submission_id, revision)
) STRICT, WITHOUT ROWID;
CREATE INDEX deliveries_queue ON deliveries (destination, state, next_attempt_at);

-- Every state change, with its UTC time.
CREATE TABLE audit (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    submission_id   TEXT NOT NULL REFERENCES submissions (id),
    revision        INTEGER,
    destination     TEXT,
    event           TEXT NOT NULL,
    from_state      TEXT,
    to_state        TEXT,
    detail          TEXT
) STRICT;
CREATE INDEX audit_by_submission ON audit (submission_id, id);
