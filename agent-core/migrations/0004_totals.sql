-- Schema 4: outbox health in constant time. Shipped migrations are never edited.
--
-- Forms, delivered and superseded deliveries only ever accumulate, so
-- counting them at each health check grew with the outbox (BENCHMARKS.md,
-- scale). Their totals are kept by triggers: the number of forms (one row
-- updated by the submit of a new form), and the delivered and superseded
-- deliveries of each form's latest revision, as health reports them (changed
-- when the sync engine records an outcome or a correction replaces a
-- revision). The other states are few and counted through deliveries_queue.
CREATE TABLE outbox_totals (
    name            TEXT PRIMARY KEY CHECK (name IN ('forms')),
    n               INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO outbox_totals (name, n) SELECT 'forms', COUNT(*) FROM submissions;

CREATE TRIGGER outbox_totals_on_insert AFTER INSERT ON submissions
BEGIN
    UPDATE outbox_totals SET n = n + 1 WHERE name = 'forms';
END;

CREATE TRIGGER outbox_totals_on_delete AFTER DELETE ON submissions
BEGIN
    UPDATE outbox_totals SET n = n - 1 WHERE name = 'forms';
END;

CREATE TABLE delivery_totals (
    destination     TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('delivered', 'superseded')),
    n               INTEGER NOT NULL,
    PRIMARY KEY (destination, state)
) STRICT, WITHOUT ROWID;

INSERT INTO delivery_totals (destination, state, n)
SELECT d.destination, d.state, COUNT(*) FROM deliveries d
JOIN submissions s ON s.id = d.submission_id AND s.latest_revision = d.revision
WHERE d.state IN ('delivered', 'superseded')
GROUP BY d.destination, d.state;

-- A delivery of a latest revision enters or leaves a counted state.
CREATE TRIGGER delivery_totals_on_state AFTER UPDATE OF state ON deliveries
WHEN OLD.state IS NOT NEW.state
 AND (OLD.state IN ('delivered', 'superseded') OR NEW.state IN ('delivered', 'superseded'))
 AND NEW.revision = (SELECT latest_revision FROM submissions WHERE id = NEW.submission_id)
BEGIN
    UPDATE delivery_totals SET n = n - 1
     WHERE destination = OLD.destination AND state = OLD.state;
    INSERT INTO delivery_totals (destination, state, n)
    SELECT NEW.destination, NEW.state, 1 WHERE NEW.state IN ('delivered', 'superseded')
    ON CONFLICT (destination, state) DO UPDATE SET n = n + 1;
END;

-- A delivery recorded directly in a counted state (not done today; kept
-- exact should it be).
CREATE TRIGGER delivery_totals_on_insert AFTER INSERT ON deliveries
WHEN NEW.state IN ('delivered', 'superseded')
 AND NEW.revision = (SELECT latest_revision FROM submissions WHERE id = NEW.submission_id)
BEGIN
    INSERT INTO delivery_totals (destination, state, n) VALUES (NEW.destination, NEW.state, 1)
    ON CONFLICT (destination, state) DO UPDATE SET n = n + 1;
END;

-- A correction makes a new revision the latest: the old one's deliveries
-- stop counting, the new one's (if any are in a counted state) start.
CREATE TRIGGER delivery_totals_on_revision AFTER UPDATE OF latest_revision ON submissions
WHEN OLD.latest_revision IS NOT NEW.latest_revision
BEGIN
    UPDATE delivery_totals SET n = n - 1
     WHERE (destination, state) IN (SELECT destination, state FROM deliveries
                                     WHERE submission_id = OLD.id AND revision = OLD.latest_revision);
    INSERT INTO delivery_totals (destination, state, n)
    SELECT destination, state, 1 FROM deliveries
     WHERE submission_id = NEW.id AND revision = NEW.latest_revision AND state IN ('delivered', 'superseded')
    ON CONFLICT (destination, state) DO UPDATE SET n = n + 1;
END;
