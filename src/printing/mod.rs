//! Printing: pages, sheets and paper from the printers' counters, the climate impact of the
//! paper and of the printers' electricity, printer sharing and supplies replaced, per entity
//! and class, for a month or a year (issue 9). Pure: the daemon gathers each printer's
//! counter increases from the readings and feeds [`figures::compute`].
//!
//! A printer is one device however many sources read it: its readings join the inventory's
//! record by serial number, which gives its entity and class; one no inventory knows is
//! counted under [`figures::UNASSIGNED`]. The printers in service in the inventory are in the
//! fleet's footprint already (manufacture and electricity): what printing adds to it is the
//! paper, and the electricity of the printers the fleet does not count.

pub mod figures;
pub mod settings;

#[cfg(test)]
mod tests;

pub use figures::{
    FootprintPart, Inputs, MonthFigures, PrintGroup, PrintPeriod, PrinterUsage, PrintingFigures,
    UNASSIGNED, compute,
};
pub use settings::{PrintingConfig, Sourced};
