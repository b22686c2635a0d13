-- Schema 2: the sync engine's state. Shipped migrations are never edited.

-- A delivery marked solo is sent in a batch of its own (after an answer that
-- could not say which form of a batch was at fault).
ALTER TABLE deliveries ADD COLUMN solo INTEGER NOT NULL DEFAULT 0;

-- One sync per database at a time: a lease that expires, so a killed
-- process does not wedge the outbox.
CREATE TABLE sync_lease (
    name            TEXT PRIMARY KEY,
    holder          TEXT NOT NULL,
    expires_at      TEXT NOT NULL
) STRICT;

-- Per destination: held (credentials refused, configuration), backing off
-- after failures, and what was learned about the server.
CREATE TABLE destinations (
    destination     TEXT PRIMARY KEY CHECK (destination IN ('dhis2', 'lmis')),
    hold            TEXT,                        -- why sending is held, in plain words; null: not held
    held_at         TEXT,
    backoff_until   TEXT,                        -- no request before this time
    failures        INTEGER NOT NULL DEFAULT 0,  -- consecutive failures without an answer
    facts           TEXT NOT NULL DEFAULT '{}'   -- JSON: learned server facts (gzip accepted, ...)
) STRICT;

-- Why a destination refused a form, field by field.
CREATE TABLE field_problems (
    submission_id   TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    destination     TEXT NOT NULL,
    field           TEXT NOT NULL,
    code            TEXT,
    server_message  TEXT NOT NULL,
    advice          TEXT NOT NULL,
    FOREIGN KEY (submission_id, revision, destination) REFERENCES deliveries (submission_id, revision, destination)
) STRICT;
CREATE INDEX field_problems_by_delivery ON field_problems (submission_id, revision, destination);

-- Every request sent and every answer, for `inspect`. No credentials: they
-- travel in headers, which are not stored.
CREATE TABLE exchanges (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    destination     TEXT NOT NULL,
    method          TEXT NOT NULL,
    url             TEXT NOT NULL,
    request_body    TEXT,                        -- capped at 256 KiB
    status          INTEGER,                     -- null: no answer
    response_body   TEXT,                        -- capped at 64 KiB
    error           TEXT,
    bytes_sent      INTEGER NOT NULL,
    bytes_received  INTEGER NOT NULL,
    duration_ms     INTEGER NOT NULL
) STRICT;
CREATE TABLE exchange_items (
    submission_id   TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    exchange_id     INTEGER NOT NULL REFERENCES exchanges (id),
    PRIMARY KEY (submission_id, revision, exchange_id)
) STRICT, WITHOUT ROWID;

-- Data use per sync pass and destination.
CREATE TABLE sync_runs (
    id              INTEGER PRIMARY KEY,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL,
    destination     TEXT NOT NULL,
    requests        INTEGER NOT NULL,
    bytes_sent      INTEGER NOT NULL,
    bytes_received  INTEGER NOT NULL,
    delivered       INTEGER NOT NULL,
    rejected        INTEGER NOT NULL
) STRICT;

-- Metadata pulled from a destination (a DHIS2 data set), kept for offline use.
CREATE TABLE metadata_cache (
    key             TEXT PRIMARY KEY,            -- e.g. dhis2:dataSet:<uid>
    fetched_at      TEXT NOT NULL,
    body            TEXT NOT NULL
) STRICT;
