-- Which replica polls each source, until when (src/replica). Only PostgreSQL replicas use
-- it: SQLite takes one writer process (a lock file beside the database), and leaves it empty.
-- Times are milliseconds of the database's clock, so the replicas' clocks never matter.
CREATE TABLE source_leases (
    source TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
