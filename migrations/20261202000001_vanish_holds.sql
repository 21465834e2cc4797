-- Partitions of an inventory source (GLPI's item types) whose live assets a full sync did
-- not see, in a share too large to believe at once: an item type answering an empty list
-- is more often a fault than a fleet thrown away. Their assets stay live until a later full
-- sync sees the same drop, which confirms it.
CREATE TABLE vanish_holds (
    source TEXT NOT NULL,
    item_type TEXT NOT NULL,
    -- What the holding sync saw: live assets of the type, and how many it did not see.
    live BIGINT NOT NULL,
    unseen BIGINT NOT NULL,
    sync_id TEXT NOT NULL,
    held_at BIGINT NOT NULL,
    PRIMARY KEY (source, item_type)
);
