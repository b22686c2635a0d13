-- Schema 3: the LMIS route. Shipped migrations are never edited.

-- A request for this delivery may have been applied without the agent seeing
-- the answer (timeout, reset, 5xx, a pass killed mid-request): look it up
-- before sending it again.
ALTER TABLE deliveries ADD COLUMN unknown_outcome INTEGER NOT NULL DEFAULT 0;

-- Requisitions (LMIS requisition mode): one per facility, program and LMIS
-- processing period, built from the monthly forms of that period.
CREATE TABLE requisitions (
    facility        TEXT NOT NULL,               -- local facility code
    program_id      TEXT NOT NULL,
    period_start    TEXT NOT NULL,               -- the LMIS period, yyyy-mm-dd
    period_end      TEXT NOT NULL,
    period_id       TEXT,                        -- the LMIS processing period id, once known
    requisition_id  TEXT,                        -- the LMIS requisition id, once known
    status          TEXT,                        -- last status seen in the LMIS
    initiate_key    TEXT NOT NULL,               -- Idempotency-Key for initiate
    submit_key      TEXT NOT NULL,               -- Idempotency-Key for submit
    unknown_outcome TEXT,                        -- 'initiate' or 'submit' when an answer was lost
    send_incomplete INTEGER NOT NULL DEFAULT 0,  -- the user chose to send with months missing
    submitted_hash  TEXT,                        -- sha256 of the lines sent with submit
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (facility, program_id, period_start)
) STRICT, WITHOUT ROWID;
