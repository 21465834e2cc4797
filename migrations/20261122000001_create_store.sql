-- parcd's store. Portable between SQLite and PostgreSQL through sqlx's Any driver:
-- timestamps are BIGINT unix seconds, calendar dates are TEXT 'YYYY-MM-DD', flags SMALLINT,
-- money BIGINT cents excluding VAT.

-- One row per configured source: its cursor, and the sync under way if any (so a restart
-- resumes it instead of starting over).
CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    cursor TEXT,
    sync_mode TEXT,
    sync_id TEXT,
    sync_started_at BIGINT,
    last_full_sync_at BIGINT,
    last_success_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE poll_runs (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    sync_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    outcome TEXT NOT NULL,
    pages BIGINT NOT NULL DEFAULT 0,
    records_read BIGINT NOT NULL DEFAULT 0,
    created BIGINT NOT NULL DEFAULT 0,
    changed BIGINT NOT NULL DEFAULT 0,
    vanished BIGINT NOT NULL DEFAULT 0,
    error_type TEXT,
    error_message TEXT
);
CREATE INDEX poll_runs_by_source ON poll_runs (source, started_at);

-- Current state of every device ever seen. Never deleted: a device gone from its source
-- keeps its row with vanished_at set.
CREATE TABLE assets (
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    item_type TEXT NOT NULL,
    class TEXT NOT NULL,
    name TEXT,
    serial TEXT,
    inventory_number TEXT,
    type_name TEXT,
    model TEXT,
    manufacturer TEXT,
    entity TEXT,
    location TEXT,
    status TEXT,
    phase TEXT NOT NULL,
    status_mapped SMALLINT NOT NULL,
    -- Milliwatts: sqlx's Any driver types a NULL DOUBLE PRECISION wrongly for PostgreSQL,
    -- which rules out prepared statements for pages that mix NULLs and values.
    rated_power_mw BIGINT,
    source_modified_at TEXT,
    record_hash BIGINT NOT NULL,
    event_seq BIGINT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    vanished_at BIGINT,
    seen_sync_id TEXT,
    PRIMARY KEY (source, external_id)
);
CREATE INDEX assets_by_class_phase ON assets (class, phase);

-- Append-only history. seq numbers the events of one asset from 1, so a replayed page
-- cannot add an event twice.
CREATE TABLE lifecycle_events (
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    occurred_at BIGINT NOT NULL,
    observed_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    from_phase TEXT,
    to_phase TEXT,
    class TEXT NOT NULL,
    entity TEXT,
    detail TEXT,
    poll_run TEXT,
    PRIMARY KEY (source, external_id, seq)
);
CREATE INDEX lifecycle_events_by_time ON lifecycle_events (occurred_at);

-- Purchase data of an asset (GLPI Infocom).
CREATE TABLE purchases (
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    order_date TEXT,
    buy_date TEXT,
    delivery_date TEXT,
    use_date TEXT,
    warranty_end TEXT,
    decommission_date TEXT,
    amount_cents BIGINT,
    supplier TEXT,
    order_number TEXT,
    comment TEXT,
    record_hash BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (source, external_id)
);
