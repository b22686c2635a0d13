-- Schema 5: damaged copies of the outbox. Shipped migrations are never edited.
--
-- A damaged database is moved aside to `<name>.damaged-<UTC time>` in the
-- outbox's folder (docs/adr/0001). The file on disk is what makes the agent
-- warn: every copy in the folder is reported on every command until the user
-- acknowledges it. This table holds what the agent knew when it moved the
-- file (why, when) and the acknowledgement; a copy found in the folder with
-- no row here is reported too.
CREATE TABLE damaged_copies (
    file            TEXT PRIMARY KEY,            -- file name, in the outbox's folder
    reason          TEXT,                        -- what was wrong, when the agent moved it
    moved_at        TEXT,                        -- when it was moved (UTC)
    acknowledged_at TEXT                         -- when the user acknowledged it; NULL: warn
) STRICT, WITHOUT ROWID;
