-- Schema 7: stored messages (issue 15). Shipped migrations are never edited.
--
-- A delivery's last error, a destination's hold and a field problem's advice
-- were stored as English text only, and shown in other languages by matching
-- that text against the English of each message. Each now also keeps the
-- message itself: its id and named arguments as JSON,
-- {"id": "...", "args": [{"name": "...", "value": {"type": "text", "value": "..."}}]},
-- rendered in the agent's language when read. The English text columns are
-- still written (logs, older readers). NULL: a row written before schema 7,
-- or a text that has no message; the reader then falls back to the text.
ALTER TABLE deliveries ADD COLUMN last_error_msg TEXT;
ALTER TABLE destinations ADD COLUMN hold_msg TEXT;
ALTER TABLE field_problems ADD COLUMN advice_msg TEXT;
