//! The CSV files of Microsoft Graph's usage reports, read by column name.
//!
//! Microsoft adds columns to these reports over time (`Deleted Item Quota (Byte)`,
//! `Has Archive`, `Recipient Type` in the mailbox usage detail; `Meeting Created Count`,
//! `Meeting Interacted Count` in the email activity detail), so a column is found by its
//! documented header, never by its position, and unknown columns are ignored. The file
//! starts with a UTF-8 byte order mark, as Graph writes it.
//!
//! A row's address never leaves this module in an error: a bad row is named by its line.

use chrono::NaiveDate;

use crate::error::ConnectorError;

/// Columns of `getMailboxUsageDetail` parcd reads (learn.microsoft.com, "reportRoot:
/// getMailboxUsageDetail").
pub mod usage {
    pub const REFRESH_DATE: &str = "Report Refresh Date";
    pub const USER: &str = "User Principal Name";
    pub const IS_DELETED: &str = "Is Deleted";
    pub const ITEM_COUNT: &str = "Item Count";
    pub const STORAGE_USED: &str = "Storage Used (Byte)";
    pub const PROHIBIT_SEND_RECEIVE_QUOTA: &str = "Prohibit Send/Receive Quota (Byte)";
    pub const DELETED_ITEM_COUNT: &str = "Deleted Item Count";
    pub const DELETED_ITEM_SIZE: &str = "Deleted Item Size (Byte)";
}

/// Columns of `getEmailActivityUserDetail` parcd reads (learn.microsoft.com, "reportRoot:
/// getEmailActivityUserDetail").
pub mod activity {
    pub const REFRESH_DATE: &str = "Report Refresh Date";
    pub const USER: &str = "User Principal Name";
    pub const IS_DELETED: &str = "Is Deleted";
    pub const SEND_COUNT: &str = "Send Count";
    pub const RECEIVE_COUNT: &str = "Receive Count";
}

/// One mailbox of the usage detail.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRow {
    pub refresh_date: NaiveDate,
    /// The user principal name, or the hash Microsoft writes in its place when the tenant
    /// conceals names.
    pub user: String,
    pub deleted: bool,
    pub items: u64,
    pub storage_bytes: u64,
    /// `None` when the mailbox has no limit (the column is empty).
    pub quota_bytes: Option<u64>,
    /// The Recoverable Items folder, when the report has those columns.
    pub deleted_items: Option<u64>,
    pub deleted_bytes: Option<u64>,
}

/// One user of the email activity detail of a day.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    pub user: String,
    pub deleted: bool,
    pub sent: u64,
    pub received: u64,
}

/// A CSV file with its header, rows checked to have every column.
struct Table {
    endpoint: String,
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn read(endpoint: &str, body: &[u8]) -> Result<Table, ConnectorError> {
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        let decode = |detail: String| ConnectorError::Decode {
            endpoint: endpoint.into(),
            detail,
        };
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(decode(
                "an empty file where a CSV report with its header row was expected".into(),
            ));
        }
        if body.trim_ascii_start().first() == Some(&b'<') || body.first() == Some(&b'{') {
            return Err(decode(format!(
                "not a CSV report but {}",
                if body.first() == Some(&b'{') {
                    "JSON"
                } else {
                    "HTML"
                }
            )));
        }
        // `flexible(false)`: a file cut in the middle of a row has a short last row, which
        // must not be read as a mailbox with fewer figures.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(body);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| decode(format!("the header row does not read: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for (i, row) in reader.records().enumerate() {
            let row = row.map_err(|e| {
                // Line 1 is the header; Graph writes no line break inside a field.
                let line = i + 2;
                let what = match e.kind() {
                    csv::ErrorKind::UnequalLengths { len, .. } => format!(
                        "line {line} has {len} fields where the header has {}: the file was \
                         cut short or is not the documented report",
                        header.len()
                    ),
                    _ => format!("line {line} does not read as CSV"),
                };
                decode(what)
            })?;
            rows.push(row);
        }
        Ok(Table {
            endpoint: endpoint.into(),
            header,
            rows,
        })
    }

    fn column(&self, name: &str) -> Result<usize, ConnectorError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ConnectorError::Decode {
                endpoint: self.endpoint.clone(),
                detail: format!(
                    "the report has no column \"{name}\" (its columns: {})",
                    self.header.join(", ")
                ),
            })
    }

    fn optional_column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn bad(&self, row: usize, column: &str, what: &str) -> ConnectorError {
        ConnectorError::Decode {
            endpoint: self.endpoint.clone(),
            // Line 1 is the header. The value is left out: it may be an address.
            detail: format!("line {}, column \"{column}\": {what}", row + 2),
        }
    }

    fn field(&self, row: usize, col: usize) -> &str {
        self.rows[row].get(col).unwrap_or("").trim()
    }

    fn count(&self, row: usize, col: usize) -> Result<u64, ConnectorError> {
        match self.field(row, col) {
            // Graph leaves a figure blank where it has nothing to count.
            "" => Ok(0),
            v => v
                .parse()
                .map_err(|_| self.bad(row, &self.header[col], "not a whole number")),
        }
    }

    fn optional_count(
        &self,
        row: usize,
        col: Option<usize>,
    ) -> Result<Option<u64>, ConnectorError> {
        match col {
            None => Ok(None),
            Some(c) if self.field(row, c).is_empty() => Ok(None),
            Some(c) => self.count(row, c).map(Some),
        }
    }

    fn flag(&self, row: usize, col: usize) -> Result<bool, ConnectorError> {
        match self.field(row, col).to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" | "" => Ok(false),
            _ => Err(self.bad(row, &self.header[col], "neither True nor False")),
        }
    }

    fn date(&self, row: usize, col: usize) -> Result<NaiveDate, ConnectorError> {
        NaiveDate::parse_from_str(self.field(row, col), "%Y-%m-%d")
            .map_err(|_| self.bad(row, &self.header[col], "not a date (YYYY-MM-DD)"))
    }

    fn user(&self, row: usize, col: usize) -> Result<String, ConnectorError> {
        match self.field(row, col) {
            "" => Err(self.bad(row, &self.header[col], "empty")),
            v => Ok(v.to_string()),
        }
    }
}

/// Reads the mailbox usage detail.
pub fn usage_rows(endpoint: &str, body: &[u8]) -> Result<Vec<UsageRow>, ConnectorError> {
    let t = Table::read(endpoint, body)?;
    let refresh = t.column(usage::REFRESH_DATE)?;
    let user = t.column(usage::USER)?;
    let deleted = t.column(usage::IS_DELETED)?;
    let items = t.column(usage::ITEM_COUNT)?;
    let storage = t.column(usage::STORAGE_USED)?;
    let quota = t.optional_column(usage::PROHIBIT_SEND_RECEIVE_QUOTA);
    let deleted_items = t.optional_column(usage::DELETED_ITEM_COUNT);
    let deleted_bytes = t.optional_column(usage::DELETED_ITEM_SIZE);
    (0..t.rows.len())
        .map(|i| {
            Ok(UsageRow {
                refresh_date: t.date(i, refresh)?,
                user: t.user(i, user)?,
                deleted: t.flag(i, deleted)?,
                items: t.count(i, items)?,
                storage_bytes: t.count(i, storage)?,
                quota_bytes: t.optional_count(i, quota)?,
                deleted_items: t.optional_count(i, deleted_items)?,
                deleted_bytes: t.optional_count(i, deleted_bytes)?,
            })
        })
        .collect()
}

/// Reads the email activity detail of one day (`getEmailActivityUserDetail(date=…)`).
/// Returns the report's refresh date (the latest in the file) with the rows.
pub fn activity_rows(
    endpoint: &str,
    body: &[u8],
) -> Result<(Option<NaiveDate>, Vec<ActivityRow>), ConnectorError> {
    let t = Table::read(endpoint, body)?;
    let refresh = t.column(activity::REFRESH_DATE)?;
    let user = t.column(activity::USER)?;
    let deleted = t.column(activity::IS_DELETED)?;
    let sent = t.column(activity::SEND_COUNT)?;
    let received = t.column(activity::RECEIVE_COUNT)?;
    let mut latest: Option<NaiveDate> = None;
    let mut rows = Vec::with_capacity(t.rows.len());
    for i in 0..t.rows.len() {
        let d = t.date(i, refresh)?;
        latest = Some(latest.map_or(d, |l| l.max(d)));
        rows.push(ActivityRow {
            user: t.user(i, user)?,
            deleted: t.flag(i, deleted)?,
            sent: t.count(i, sent)?,
            received: t.count(i, received)?,
        });
    }
    Ok((latest, rows))
}

/// A user principal name is an address; a tenant that conceals names writes a hash in its
/// place (32 hexadecimal digits), which has no domain.
pub fn domain_of(user: &str) -> Option<&str> {
    let (local, domain) = user.rsplit_once('@')?;
    (!local.is_empty() && domain.contains('.')).then_some(domain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorType;

    const USAGE: &str = "\u{feff}Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Created Date,Last Activity Date,Item Count,Storage Used (Byte),Issue Warning Quota (Byte),Prohibit Send Quota (Byte),Prohibit Send/Receive Quota (Byte),Deleted Item Count,Deleted Item Size (Byte),Deleted Item Quota (Byte),Has Archive,Report Period\r\n\
2026-12-05,anne.martin@ville.fr,Anne Martin,False,,2021-03-15,2026-12-04,14203,2147483648,105226698752,106300440576,107374182400,412,10737418,32212254720,False,7\r\n\
2026-12-05,5F1C0A9E2D3B4C6D7E8F901A2B3C4D5E,7A6B5C4D3E2F1A0B9C8D7E6F5A4B3C2D,False,,2022-01-04,,0,0,105226698752,106300440576,,0,0,32212254720,False,7\r\n";

    #[test]
    fn the_usage_detail_is_read_by_column_name_with_its_bom() {
        let rows = usage_rows("usage", USAGE.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].refresh_date,
            NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
        );
        assert_eq!(rows[0].user, "anne.martin@ville.fr");
        assert_eq!((rows[0].items, rows[0].storage_bytes), (14203, 2147483648));
        assert_eq!(rows[0].quota_bytes, Some(107374182400));
        assert_eq!(rows[0].deleted_bytes, Some(10737418));
        assert_eq!(rows[1].quota_bytes, None, "an empty quota is no limit");
        assert_eq!(domain_of(&rows[0].user), Some("ville.fr"));
        assert_eq!(
            domain_of(&rows[1].user),
            None,
            "a concealed name has no domain"
        );
    }

    #[test]
    fn a_missing_column_a_short_row_and_a_bad_number_are_decode_errors_without_the_address() {
        let e = usage_rows("usage", b"Report Refresh Date,User Principal Name\r\n").unwrap_err();
        assert_eq!(e.error_type(), ErrorType::Decode);
        assert!(e.to_string().contains("no column \"Is Deleted\""), "{e}");

        let cut = &USAGE[..USAGE.find("Anne Martin").unwrap() + 30];
        let e = usage_rows("usage", cut.as_bytes()).unwrap_err();
        assert_eq!(e.error_type(), ErrorType::Decode);
        assert!(e.to_string().contains("line 2 has"), "{e}");
        assert!(!e.to_string().contains("anne.martin"), "{e}");

        let bad = USAGE.replace("14203", "14 203");
        let e = usage_rows("usage", bad.as_bytes()).unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2, column \"Item Count\": not a whole number"),
            "{e}"
        );
        assert!(!e.to_string().contains("anne.martin"), "{e}");

        for body in [&b""[..], b"<!DOCTYPE html><html>", b"{\"value\": []}"] {
            let e = usage_rows("usage", body).unwrap_err();
            assert_eq!(e.error_type(), ErrorType::Decode, "{e}");
        }
    }

    #[test]
    fn the_activity_detail_reads_with_or_without_the_meeting_columns() {
        let old = "Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Last Activity Date,Send Count,Receive Count,Read Count,Assigned Products,Report Period\n\
2026-12-03,anne.martin@ville.fr,Anne Martin,False,,2026-12-03,12,40,31,OFFICE 365 E3,1\n";
        let new = "Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Last Activity Date,Send Count,Receive Count,Read Count,Meeting Created Count,Meeting Interacted Count,Assigned Products,Report Period\n\
2026-12-03,anne.martin@ville.fr,Anne Martin,False,,2026-12-03,12,40,31,1,2,OFFICE 365 E3,1\n";
        for body in [old, new] {
            let (date, rows) = activity_rows("activity", body.as_bytes()).unwrap();
            assert_eq!(date, NaiveDate::from_ymd_opt(2026, 12, 3));
            assert_eq!((rows[0].sent, rows[0].received), (12, 40));
        }
    }
}
