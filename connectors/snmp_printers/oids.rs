//! The object identifiers read from a printer, from SNMPv2-MIB, HOST-RESOURCES-MIB (RFC 2790),
//! Printer-MIB v2 (RFC 3805), the PWG Imaging System Counter MIB (PWG 5106.1) and two vendor
//! MIBs. Columns are written without their row index, which the reader appends.

pub type Oid = &'static [u64];

pub const SYS_DESCR: Oid = &[1, 3, 6, 1, 2, 1, 1, 1, 0];
pub const SYS_OBJECT_ID: Oid = &[1, 3, 6, 1, 2, 1, 1, 2, 0];
pub const SYS_NAME: Oid = &[1, 3, 6, 1, 2, 1, 1, 5, 0];

/// hrDeviceType column; the printer's row has the value [`HR_DEVICE_PRINTER`].
pub const HR_DEVICE_TYPE: Oid = &[1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 2];
pub const HR_DEVICE_PRINTER: Oid = &[1, 3, 6, 1, 2, 1, 25, 3, 1, 5];
pub const HR_DEVICE_DESCR: Oid = &[1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 3];
/// unknown(1) running(2) warning(3) testing(4) down(5).
pub const HR_DEVICE_STATUS: Oid = &[1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 5];
/// other(1) unknown(2) idle(3) printing(4) warmup(5).
pub const HR_PRINTER_STATUS: Oid = &[1, 3, 6, 1, 2, 1, 25, 3, 5, 1, 1];

pub const PRT_GENERAL_SERIAL: Oid = &[1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17];

/// prtMarkerEntry: the columns below are `.column.hrDeviceIndex.prtMarkerIndex`.
pub const PRT_MARKER_ENTRY: Oid = &[1, 3, 6, 1, 2, 1, 43, 10, 2, 1];
pub const MARKER_COUNTER_UNIT: u64 = 3;
pub const MARKER_LIFE_COUNT: u64 = 4;

/// prtMarkerSuppliesEntry: `.column.hrDeviceIndex.prtMarkerSuppliesIndex`.
pub const PRT_SUPPLIES_ENTRY: Oid = &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1];
pub const SUPPLY_COLORANT_INDEX: u64 = 3;
pub const SUPPLY_CLASS: u64 = 4;
pub const SUPPLY_TYPE: u64 = 5;
pub const SUPPLY_DESCRIPTION: u64 = 6;
pub const SUPPLY_MAX_CAPACITY: u64 = 8;
pub const SUPPLY_LEVEL: u64 = 9;

/// prtMarkerColorantValue: `.hrDeviceIndex.prtMarkerColorantIndex` → "black", "cyan"…
pub const PRT_COLORANT_VALUE: Oid = &[1, 3, 6, 1, 2, 1, 43, 12, 1, 1, 4];

/// icImpressionTable, row (key 1, workTotals 3, lifetime 3): what the device printed since
/// it was made, all kinds of work together.
pub const PWG_TOTAL_IMPRESSIONS: Oid = &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 8, 1, 1, 4, 1, 3, 3];
pub const PWG_MONO_IMPRESSIONS: Oid = &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 8, 1, 1, 5, 1, 3, 3];
pub const PWG_FULL_COLOUR_IMPRESSIONS: Oid =
    &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 8, 1, 1, 7, 1, 3, 3];
pub const PWG_HIGHLIGHT_COLOUR_IMPRESSIONS: Oid =
    &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 8, 1, 1, 8, 1, 3, 3];

/// icTwoSidedTable and icSheetTable, the same row: impressions on two-sided sheets, and
/// sheets.
pub const PWG_TWO_SIDED_IMPRESSIONS: Oid = &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 9, 1, 1, 4, 1, 3, 3];
pub const PWG_TOTAL_SHEETS: Oid = &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 10, 1, 1, 4, 1, 3, 3];

/// icMediaUsedEntry: `.column.keyIndex.mediaUsedIndex.persistence`, one row per medium the
/// device printed on.
pub const PWG_MEDIA_USED_ENTRY: Oid = &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 12, 1, 1];
pub const MEDIA_USED_TOTAL_SHEETS: u64 = 4;
/// PWG 5101.1 self-describing size name: `iso_a3_297x420mm`, `na_letter_8.5x11in`…
pub const MEDIA_USED_SIZE_NAME: u64 = 9;
/// The medium's name (`iso-a4-white`, or the operator's own).
pub const MEDIA_USED_NAME: u64 = 11;
/// IcPersistenceTC lifetime(3): counted since the device was made.
pub const PWG_LIFETIME: u64 = 3;

/// HP's private MIB (hrDevice-independent scalars).
pub const HP_TOTAL_ENGINE_PAGES: Oid = &[1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 4, 2, 1, 4, 1, 2, 5, 0];
pub const HP_COLOUR_PAGES: Oid = &[1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 4, 2, 1, 4, 1, 2, 7, 0];
pub const HP_DUPLEX_PAGES: Oid = &[1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 4, 2, 1, 4, 1, 2, 22, 0];
pub const HP_SERIAL: Oid = &[1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 4, 2, 1, 1, 3, 3, 0];

/// Xerox xcmHrDevDetailEntry values: printed colour and black impressions.
pub const XEROX_COLOUR_PRINTS: Oid = &[1, 3, 6, 1, 4, 1, 253, 8, 53, 13, 2, 1, 6, 1, 20, 33];
pub const XEROX_BLACK_PRINTS: Oid = &[1, 3, 6, 1, 4, 1, 253, 8, 53, 13, 2, 1, 6, 1, 20, 34];

/// `column` with the row `index` appended.
pub fn at(column: Oid, index: &[u64]) -> Vec<u64> {
    let mut oid = column.to_vec();
    oid.extend_from_slice(index);
    oid
}
