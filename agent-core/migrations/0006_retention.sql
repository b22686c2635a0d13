-- Schema 6: retention. Shipped migrations are never edited.
--
-- A revision delivered long ago (every delivery of it delivered or superseded,
-- none of unknown outcome, the last one settled more than `[storage]
-- keep_delivered_days` ago, and nothing of its form still to send) is
-- compacted: its content is emptied and `compacted_at` set. Its ids, hash and
-- delivery rows stay, so a duplicate is still recognised by its hash and a
-- correction is still a new revision of the same form. Undelivered revisions
-- are never compacted.
ALTER TABLE revisions ADD COLUMN compacted_at TEXT;   -- NULL: content kept
