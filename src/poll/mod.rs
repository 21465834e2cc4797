//! The poll pipeline: [`scheduler`] runs each source on its cron schedule, [`sync`] reads a
//! sync's pages from the connector, [`ingest`] applies each page with its cursor in one
//! transaction; [`lease`] says which sources this replica may poll.

pub mod ingest;
pub mod lease;
pub mod scheduler;
pub mod sync;
