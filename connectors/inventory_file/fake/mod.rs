//! A fake inventory spreadsheet: a generated fleet written as the CSV and XLSX files a
//! French public DSI exports (French or English headers, `;` or `,` or tab, UTF-8 with or
//! without a BOM or Windows-1252, a title above the header, a notice sheet before the data).
//!
//! It is the contract fake of the `inventory_file` connector's tests and the load of the
//! benchmarks. Each [`Device`] says what parcd should make of it ([`Device::phase`],
//! [`Device::class`], [`Device::external_id`]), so a test compares the records with the
//! fleet field by field.
//!
//! ```no_run
//! use parcd_fakes::inventory_file::{CsvOptions, Fleet, FleetSpec, TextEncoding, XlsxOptions};
//!
//! let fleet = Fleet::generate(&FleetSpec { devices: 100_000, seed: 7 });
//! let dir = std::env::temp_dir();
//! fleet.write_csv(&dir.join("parc.csv"), &CsvOptions {
//!     encoding: TextEncoding::Windows1252,
//!     ..CsvOptions::default()
//! })?;
//! fleet.write_xlsx(&dir.join("parc.xlsx"), &XlsxOptions {
//!     title: Some("Inventaire du parc".into()),
//!     ..XlsxOptions::default()
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod fleet;
mod render;
#[cfg(test)]
mod tests;

pub use fleet::{Device, Fleet, FleetSpec, generated_on};
pub use render::{CsvOptions, Dialect, TextEncoding, XlsxError, XlsxOptions, headers};
