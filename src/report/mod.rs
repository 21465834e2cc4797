//! The yearly reports, as pure rendering functions: figures in, text out, no I/O.
//!
//! - [`agec_csv`]: the AGEC declaration (loi 2020-105 art. 58) in the data.gouv.fr schema
//!   `declaration-biens-valorisation` v0.1.0, from [`crate::agec::YearShares`];
//! - [`reen`]: the yearly responsible-IT review (loi REEN): REEN reuse rate, DEEE exits,
//!   donations, AGEC shares and the fleet's footprint, as a long CSV and a French HTML page.
//!
//! The CSVs are for machines (`.` decimals, no grouping, empty cell when a figure is
//! missing); the page is for elected officials (French number format, every data text
//! escaped, self-contained).

pub mod agec_csv;
mod format;
pub mod reen;

#[cfg(test)]
mod fixtures;

pub use agec_csv::{Declarant, declaration_csv};
pub use reen::{FleetOn, ReenReport, YearTrend, reen_csv, reen_html};
