//! AGEC (loi 2020-105 art. 58) and REEN (loi 2021-1485, décret 2023-266): the pure step.
//!
//! No I/O here: the store feeds [`share::Purchase`]s and [`reen::ExitFacts`], these functions
//! return figures, and metrics, alerts and reports are built on them.
//!
//! - [`origin`]: rules that tell a purchase's origin (new, reuse, recycled content,
//!   donation) from its supplier, comment, asset name, status or order number;
//! - [`category`]: the 17 categories of the data.gouv declaration and the class mapping;
//! - [`quota`]: minimum shares as dated, sourced rows (décrets 2021-254, 2024-134), and the
//!   REEN targets;
//! - [`share`]: € excl. VAT shares per category and year, to date and projected to
//!   31 December, with the gap in €;
//! - [`reen`]: the REEN reuse rate of retired equipment and the DEEE shares of exits;
//! - [`settings`]: the `[agec]` section of the configuration;
//! - [`year`]: one year's figures from the stored purchases and exits.

pub mod category;
pub mod error;
pub mod origin;
pub mod purchases_file;
pub mod quota;
pub mod reen;
pub mod settings;
pub mod share;
pub mod year;

#[cfg(test)]
mod tests;

pub use category::{Category, CategoryMap};
pub use error::AgecError;
pub use origin::{Classification, Origin, OriginRule, OriginRules};
pub use quota::{QuotaRow, QuotaTable, ReenTarget, Share};
pub use reen::{DeeeYear, Donations, ExitFacts, ReenYear, deee_year, donations_year, reen_year};
pub use settings::AgecConfig;
pub use share::{AgecRules, Purchase, YearShares, year_shares};
pub use year::{CircularityInputs, CircularityYear, year_figures};
