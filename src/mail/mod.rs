//! Mail: storage and traffic of the mail servers, per mail domain and per entity, and the
//! email footprint in low, central and high scenarios (issue 10). Pure: the daemon reads the
//! mail readings of the mail sources (the contract is `parcd_connectors::mail`) and feeds
//! [`figures::compute`].
//!
//! Nothing here sees a person: the readings are per domain and per entity; what a source
//! knows per mailbox (its Sent folder's size and its INBOX's UIDs, whose growth is the mail
//! sent and received) stays in the source's cursor under a keyed hash.

pub mod factors;
pub mod figures;

#[cfg(test)]
mod tests;

pub use factors::{MailFactors, Scenario, Scenarios};
pub use figures::{
    Inputs, MailFigures, MailFootprintPart, MailGroup, MailMonth, MailReading, compute,
    latest_rounds,
};
