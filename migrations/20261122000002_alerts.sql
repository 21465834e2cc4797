-- AGEC alerts to procurement: their state, and the messages owed to each channel.

-- One row per rule, category, minimum and year: what has been said, so that a restart
-- neither repeats an alert nor forgets one.
CREATE TABLE alerts (
    alert_key TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    category TEXT NOT NULL,
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    state TEXT NOT NULL,
    fired_at BIGINT NOT NULL,
    last_notified_at BIGINT NOT NULL,
    resolved_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX alerts_by_state ON alerts (state);

-- The outbox: a message per channel, written in the same transaction as the state change
-- that calls for it, and marked sent once the channel accepted it. An outage of a channel
-- leaves its messages here, in order, until it comes back.
CREATE TABLE alert_outbox (
    id BIGINT PRIMARY KEY,
    channel TEXT NOT NULL,
    notice TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_attempt_at BIGINT,
    last_error TEXT,
    sent_at BIGINT,
    -- Set when the channel left the configuration: the message is kept, not sent.
    dropped_at BIGINT
);
CREATE INDEX alert_outbox_pending ON alert_outbox (sent_at, dropped_at, id);
