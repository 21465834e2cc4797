-- Readings: what telemetry sources measure (page counters, mailbox sizes), append-only.
-- A reading is keyed by its source, subject and quantity and the moment it was true, so a
-- replayed page writes nothing twice. Values are DOUBLE PRECISION: counters fit exactly up
-- to 2^53.
CREATE TABLE readings (
    source TEXT NOT NULL,
    -- 'device', or an aggregate's scope ('mail_domain', 'entity', ...).
    scope TEXT NOT NULL,
    -- The source's own key for the subject (an address, a domain).
    subject TEXT NOT NULL,
    quantity TEXT NOT NULL,
    at BIGINT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    unit TEXT NOT NULL,
    measure TEXT NOT NULL,
    -- A device's normalised serial number: joins the reading to the fleet, across sources.
    serial_key TEXT,
    observed_at BIGINT NOT NULL,
    poll_run TEXT,
    PRIMARY KEY (source, scope, subject, quantity, at)
);
CREATE INDEX readings_by_quantity_time ON readings (quantity, at);
CREATE INDEX readings_by_serial ON readings (serial_key);

-- The same normalised serial on assets, written by ingest. Rows stored before this
-- migration get the plain upper-cased, space-free form; placeholders such as 'N/A' never
-- match a reading, whose key excludes them.
ALTER TABLE assets ADD COLUMN serial_key TEXT;
UPDATE assets SET serial_key = UPPER(REPLACE(TRIM(serial), ' ', '')) WHERE serial IS NOT NULL;
CREATE INDEX assets_by_serial_key ON assets (serial_key);
