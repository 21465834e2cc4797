//! What can go wrong in the AGEC and REEN step. Every variant says what is wrong and the fix,
//! because a DSI reads these in `parcd check-config`, not in a debugger.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AgecError {
    #[error(
        "\"{given}\" is not an AGEC category. Fix: write one of the 17 labels of the data.gouv \
         declaration schema (e.g. \"Matériel informatique et téléphonie\"), its number 1 to 17, \
         or its short name ({known})"
    )]
    UnknownCategory { given: String, known: String },

    #[error(
        "\"{given}\" is not a purchase origin. Fix: use one of new, reuse, recycled_content, donation"
    )]
    UnknownOrigin { given: String },

    #[error("\"{given}\" is not an asset class. Fix: use one of {known}")]
    UnknownClass { given: String, known: String },

    #[error("{field} = \"{pattern}\" is not a valid regular expression ({reason}). Fix: {fix}")]
    BadPattern {
        field: &'static str,
        pattern: String,
        reason: String,
        fix: &'static str,
    },

    #[error("{problem}. Fix: {fix}")]
    InvalidRule { problem: String, fix: String },

    #[error("{problem}. Fix: {fix}")]
    InvalidQuota {
        /// The key of the quota row the problem is in (`from`, `reuse_min`…).
        field: &'static str,
        problem: String,
        fix: String,
    },
}
