-- The key of the mailbox hashes (HMAC) when `[mail] hash_key` is not configured: generated
-- once at the first start, kept so that the hashes of a mailbox stay the same across
-- restarts. One row at most; never rewritten by parcd (a new key starts new series).
CREATE TABLE mail_hash_key (
    id INTEGER PRIMARY KEY,
    hash_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
