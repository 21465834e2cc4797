//! Snipe-IT's asset rows (`AssetsTransformer`) as parcd reads them: every text goes
//! through Laravel's `e()` (HTML-escaped: `d&#039;Arbois`, `R&amp;D`), related records are
//! `{id, name, …}` objects or null, dates are `{"date"|"datetime", "formatted"}` objects
//! or null, and `purchase_cost` is a string formatted with the instance's separators.
//!
//! A page is read straight into [`Row`]s holding only the fields parcd uses, their text
//! borrowed from the body when it holds no JSON escape; the other fields (about two thirds
//! of a row) are skipped without being built. A page is the bulk of a sync's work, which is
//! why this is not a `serde_json::Value`. Every field is read as leniently as the API is
//! loose: a field of an unexpected type reads as absent and never fails the page; only a
//! page that is not JSON, or not `{"total": …, "rows": […]}`, is refused (by the client,
//! which reads such a body again as a `Value` to say what it holds).

use std::borrow::Cow;
use std::fmt;

use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// A text as sent, before unescaping: a string, a number's text; `None` for null and for
/// anything else.
pub type Raw<'a> = Option<Cow<'a, str>>;

/// One page of `GET /hardware`, as far as it could be read.
#[derive(Debug, Default)]
pub struct Listing<'a> {
    /// `"status": "error"`: Snipe-IT's failure inside an HTTP 200.
    pub error: bool,
    pub total: Option<u64>,
    pub rows: Option<Vec<Row<'a>>>,
}

/// A status label: `{"id", "name", "status_type", "status_meta"}`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Label<'a> {
    pub name: Raw<'a>,
    pub status_type: Raw<'a>,
}

/// The fields of an asset row parcd reads. A row that is not an object reads as one with
/// no id, which the connector refuses.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Row<'a> {
    pub id: Option<u64>,
    pub name: Raw<'a>,
    pub asset_tag: Raw<'a>,
    pub serial: Raw<'a>,
    pub notes: Raw<'a>,
    pub order_number: Raw<'a>,
    pub purchase_cost: Raw<'a>,
    /// The `name` of each related record.
    pub model: Raw<'a>,
    pub category: Raw<'a>,
    pub manufacturer: Raw<'a>,
    pub supplier: Raw<'a>,
    pub company: Raw<'a>,
    pub location: Raw<'a>,
    /// `status_label`, and `status` (the same object, older name): the outer `Option` says
    /// whether the key was there, the inner one whether it held an object.
    pub status_label: Option<Option<Label<'a>>>,
    pub status: Option<Option<Label<'a>>>,
    /// `assigned_to` present and not null: the asset is checked out.
    pub checked_out: bool,
    /// The machine-readable text of each date object (`datetime`, else `date`).
    pub updated_at: Raw<'a>,
    pub purchase_date: Raw<'a>,
    pub warranty_expires: Raw<'a>,
    /// `custom_fields` by name: the value's text, or a DATE field's date.
    pub custom_fields: Vec<(Cow<'a, str>, Raw<'a>)>,
}

impl<'a> Row<'a> {
    /// The status label: `status_label` when the key is there (even null), else `status`;
    /// `None` unless it is an object.
    pub fn label(&self) -> Option<&Label<'a>> {
        match &self.status_label {
            Some(label) => label.as_ref(),
            None => self.status.as_ref().and_then(Option::as_ref),
        }
    }

    /// The raw value of a custom field by its name (the last one, if sent twice).
    pub fn custom_field(&self, name: &str) -> Option<&str> {
        self.custom_fields
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// A text field, unescaped; empty strings are `None` (`e(null)` gives `""`).
pub fn text(raw: &Raw<'_>) -> Option<String> {
    clean(raw.as_deref()?).map(Cow::into_owned)
}

/// A text field, unescaped, borrowed when there was nothing to undo.
pub fn clean_raw<'r>(raw: &'r Raw<'_>) -> Option<Cow<'r, str>> {
    clean(raw.as_deref()?)
}

/// The machine-readable text of a date object as Snipe-IT wrote it
/// (`"2024-01-15 10:00:00"`): it sorts as text, which the watermark relies on.
pub fn stamp<'r>(raw: &'r Raw<'_>) -> Option<Cow<'r, str>> {
    clean_raw(raw)
}

/// The `YYYY-MM-DD` part of a date object (`{"date": …}` or `{"datetime": …}`); a bare
/// string is accepted too (older instances).
pub fn date(raw: &Raw<'_>) -> Option<NaiveDate> {
    let s = stamp(raw)?;
    let day = s.get(..10)?;
    let b = day.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    // The common shape without chrono's format parser; anything else goes through it.
    if b[4] == b'-'
        && b[7] == b'-'
        && let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10))
    {
        return NaiveDate::from_ymd_opt(y as i32, m, d);
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// Undoes `htmlspecialchars` (what Laravel's `e()` applies) and drops the tags of
/// Markdown rendered as HTML (`notes`), so names read as the DSI typed them.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['&', '<']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            match rest.find('>') {
                Some(end) => {
                    if rest[1..end].trim_start_matches('/').starts_with(['p', 'b']) {
                        out.push(' ');
                    }
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push('<');
                    rest = &rest[1..];
                }
            }
            continue;
        }
        let entity = rest.find(';').filter(|e| *e <= 8).map(|e| &rest[..=e]);
        let decoded = match entity {
            Some("&amp;") => Some('&'),
            Some("&lt;") => Some('<'),
            Some("&gt;") => Some('>'),
            Some("&quot;") => Some('"'),
            Some("&#039;" | "&#39;" | "&apos;") => Some('\''),
            Some("&nbsp;") => Some('\u{a0}'),
            Some(e) if e.starts_with("&#") => e[2..e.len() - 1]
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32),
            _ => None,
        };
        match (decoded, entity) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &rest[e.len()..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Unescaped, its blanks collapsed; `None` when nothing is left. Most texts have nothing
/// to undo and are returned as they are.
pub fn clean(s: &str) -> Option<Cow<'_, str>> {
    if is_plain(s) {
        return (!s.is_empty()).then_some(Cow::Borrowed(s));
    }
    let s = unescape(s);
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(Cow::Owned(s))
}

/// No entity, no tag, and no blank but single inner spaces: [`clean`] would change nothing.
fn is_plain(s: &str) -> bool {
    let mut after_space = true;
    for c in s.chars() {
        match c {
            '&' | '<' => return false,
            ' ' if after_space => return false,
            ' ' => after_space = true,
            c if c.is_whitespace() => return false,
            _ => after_space = false,
        }
    }
    !after_space || s.is_empty()
}

/// A short extract of a JSON value, for error messages.
pub fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 120 {
        format!("{}…", &s[..s.floor_char_boundary(120)])
    } else {
        s
    }
}

// The readers. Each takes any JSON value and keeps what it understands.

/// What a loose value may be read as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Accept {
    /// A string only (keys, `status`).
    Str,
    /// A string or a number's text.
    Text,
    /// A string or a date object's text.
    Stamp,
    /// A custom field's value: a string, a number's text or a date object's text.
    FieldValue,
}

#[derive(Clone, Copy)]
struct Loose(Accept);

impl<'de> DeserializeSeed<'de> for Loose {
    type Value = Raw<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn number<'a>(accept: Accept, n: impl ToString) -> Raw<'a> {
    matches!(accept, Accept::Text | Accept::FieldValue).then(|| Cow::Owned(n.to_string()))
}

fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// The other answers of a reader to values it does not take: nothing.
macro_rules! nothing_else {
    ($none:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            skip_seq(seq)?;
            Ok($none)
        }
    };
}

macro_rules! no_numbers {
    ($none:expr) => {
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($none)
        }
    };
}

macro_rules! no_strings {
    ($none:expr) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($none)
        }
    };
}

macro_rules! no_maps {
    ($none:expr) => {
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            skip_map(map)?;
            Ok($none)
        }
    };
}

impl<'de> Visitor<'de> for Loose {
    type Value = Raw<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(number(self.0, v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(number(self.0, v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // The text `serde_json::Value` gives the number.
        Ok(serde_json::Number::from_f64(v).and_then(|n| number(self.0, n)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if !matches!(self.0, Accept::Stamp | Accept::FieldValue) {
            skip_map(map)?;
            return Ok(None);
        }
        // `datetime` when the key is there (even null), else `date`; the last of a key
        // sent twice.
        let (mut datetime, mut date) = (None, None);
        while let Some(key) = map.next_key_seed(Loose(Accept::Str))? {
            match key.as_deref() {
                Some("datetime") => datetime = Some(map.next_value_seed(Loose(Accept::Str))?),
                Some("date") => date = Some(map.next_value_seed(Loose(Accept::Str))?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(datetime.or(date).flatten())
    }
    nothing_else!(None);
}

/// A row's id: a number, or a numeric string.
struct Id;

impl<'de> Visitor<'de> for Id {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an id")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.trim().parse().ok())
    }
    no_maps!(None);
    nothing_else!(None);
}

/// `total`: a non-negative integer, nothing else.
struct Total;

impl<'de> Visitor<'de> for Total {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a count")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    no_strings!(None);
    no_maps!(None);
    nothing_else!(None);
}

/// Any value but null: `assigned_to` set.
struct NotNull;

impl<'de> Visitor<'de> for NotNull {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(true)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        skip_seq(seq)?;
        Ok(true)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        skip_map(map)?;
        Ok(true)
    }
    no_numbers!(true);
    no_strings!(true);
}

/// A related record's `name`; a status label's `name` and `status_type`; a custom field's
/// `value`. `None` for anything but an object.
struct Object<T>(std::marker::PhantomData<T>);

/// What [`Object`] reads from one key of the object.
trait Fill<'de>: Default {
    fn fill<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

/// A related record's name.
#[derive(Default)]
struct Named<'a>(Raw<'a>);

impl<'de> Fill<'de> for Named<'de> {
    fn fill<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "name" => self.0 = map.next_value_seed(Loose(Accept::Text))?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> Fill<'de> for Label<'de> {
    fn fill<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "name" => self.name = map.next_value_seed(Loose(Accept::Text))?,
            "status_type" => self.status_type = map.next_value_seed(Loose(Accept::Text))?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A custom field: `{"field", "value", "field_format", "element"}`.
#[derive(Default)]
struct Field<'a>(Raw<'a>);

impl<'de> Fill<'de> for Field<'de> {
    fn fill<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "value" => self.0 = map.next_value_seed(Loose(Accept::FieldValue))?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

fn object<'de, T: Fill<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(Object::<T>(std::marker::PhantomData))
}

impl<'de, T: Fill<'de>> Visitor<'de> for Object<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut t = T::default();
        while let Some(key) = map.next_key_seed(Loose(Accept::Str))? {
            t.fill(key.as_deref().unwrap_or(""), &mut map)?;
        }
        Ok(Some(t))
    }
    no_numbers!(None);
    no_strings!(None);
    nothing_else!(None);
}

struct ObjectSeed<T>(std::marker::PhantomData<T>);

impl<'de, T: Fill<'de>> DeserializeSeed<'de> for ObjectSeed<T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        object(d)
    }
}

fn seed<T>() -> ObjectSeed<T> {
    ObjectSeed(std::marker::PhantomData)
}

/// `custom_fields`: an object keyed by field name (`{}` or `[]` when there are none).
struct Fields;

impl<'de> Visitor<'de> for Fields {
    type Value = Vec<(Cow<'de, str>, Raw<'de>)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("custom fields")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Vec::new();
        while let Some(name) = map.next_key_seed(Loose(Accept::Str))? {
            let value = map.next_value_seed(seed::<Field>())?;
            fields.push((name.unwrap_or_default(), value.and_then(|f| f.0)));
        }
        Ok(fields)
    }
    no_numbers!(Vec::new());
    no_strings!(Vec::new());
    nothing_else!(Vec::new());
}

/// Deserialises with a [`Visitor`] through `deserialize_any`.
struct With<V>(V);

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for With<V> {
    type Value = V::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self.0)
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum RowKey {
    Id,
    Name,
    AssetTag,
    Serial,
    Notes,
    OrderNumber,
    PurchaseCost,
    Model,
    Category,
    Manufacturer,
    Supplier,
    Company,
    Location,
    StatusLabel,
    Status,
    AssignedTo,
    UpdatedAt,
    PurchaseDate,
    WarrantyExpires,
    CustomFields,
    #[serde(other)]
    Other,
}

struct RowVisitor;

impl<'de> Visitor<'de> for RowVisitor {
    type Value = Row<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an asset row")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row<'de>, A::Error> {
        let mut row = Row::default();
        let text = Loose(Accept::Text);
        let stamp = Loose(Accept::Stamp);
        let name = || seed::<Named>();
        // A key sent twice keeps its last value, as a `serde_json::Value` would.
        while let Some(key) = map.next_key::<RowKey>()? {
            match key {
                RowKey::Id => row.id = map.next_value_seed(With(Id))?,
                RowKey::Name => row.name = map.next_value_seed(text)?,
                RowKey::AssetTag => row.asset_tag = map.next_value_seed(text)?,
                RowKey::Serial => row.serial = map.next_value_seed(text)?,
                RowKey::Notes => row.notes = map.next_value_seed(text)?,
                RowKey::OrderNumber => {
                    row.order_number = map.next_value_seed(text)?;
                }
                RowKey::PurchaseCost => {
                    row.purchase_cost = map.next_value_seed(text)?;
                }
                RowKey::Model => row.model = map.next_value_seed(name())?.and_then(|n| n.0),
                RowKey::Category => row.category = map.next_value_seed(name())?.and_then(|n| n.0),
                RowKey::Manufacturer => {
                    row.manufacturer = map.next_value_seed(name())?.and_then(|n| n.0);
                }
                RowKey::Supplier => row.supplier = map.next_value_seed(name())?.and_then(|n| n.0),
                RowKey::Company => row.company = map.next_value_seed(name())?.and_then(|n| n.0),
                RowKey::Location => row.location = map.next_value_seed(name())?.and_then(|n| n.0),
                RowKey::StatusLabel => row.status_label = Some(map.next_value_seed(seed())?),
                RowKey::Status => row.status = Some(map.next_value_seed(seed())?),
                RowKey::AssignedTo => row.checked_out = map.next_value_seed(With(NotNull))?,
                RowKey::UpdatedAt => row.updated_at = map.next_value_seed(stamp)?,
                RowKey::PurchaseDate => {
                    row.purchase_date = map.next_value_seed(stamp)?;
                }
                RowKey::WarrantyExpires => {
                    row.warranty_expires = map.next_value_seed(stamp)?;
                }
                RowKey::CustomFields => row.custom_fields = map.next_value_seed(With(Fields))?,
                RowKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(row)
    }
    no_numbers!(Row::default());
    no_strings!(Row::default());
    nothing_else!(Row::default());
}

impl<'de> Deserialize<'de> for Row<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RowVisitor)
    }
}

/// `rows`: a list of rows, `None` for anything else.
struct Rows;

impl<'de> Visitor<'de> for Rows {
    type Value = Option<Vec<Row<'de>>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(row) = seq.next_element::<Row>()? {
            rows.push(row);
        }
        Ok(Some(rows))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    no_numbers!(None);
    no_strings!(None);
    no_maps!(None);
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum PageKey {
    Status,
    Total,
    Rows,
    #[serde(other)]
    Other,
}

struct ListingVisitor;

impl<'de> Visitor<'de> for ListingVisitor {
    type Value = Listing<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a listing")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Listing<'de>, A::Error> {
        let mut page = Listing::default();
        while let Some(key) = map.next_key::<PageKey>()? {
            match key {
                PageKey::Status => {
                    page.error =
                        map.next_value_seed(Loose(Accept::Str))?.as_deref() == Some("error");
                }
                PageKey::Total => page.total = map.next_value_seed(With(Total))?,
                PageKey::Rows => page.rows = map.next_value_seed(With(Rows))?,
                PageKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(page)
    }
    no_numbers!(Listing::default());
    no_strings!(Listing::default());
    nothing_else!(Listing::default());
}

impl<'de> Deserialize<'de> for Listing<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListingVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: Value) -> Row<'static> {
        Row::deserialize(v).expect("any object reads as a row")
    }

    #[test]
    fn laravel_escaping_is_undone() {
        assert_eq!(unescape("Mairie d&#039;Arbois"), "Mairie d'Arbois");
        assert_eq!(unescape("R&amp;D &lt;3&gt; &quot;x&quot;"), "R&D <3> \"x\"");
        assert_eq!(unescape("Caf&#233;"), "Café");
        assert_eq!(unescape("AT&T & co"), "AT&T & co");
        assert_eq!(
            text(&row(json!({"notes": "<p>Reçu de l&#039;UGAP</p>"})).notes).as_deref(),
            Some("Reçu de l'UGAP")
        );
        assert_eq!(
            text(&row(json!({"notes": "<strong>Don</strong> reçu"})).notes).as_deref(),
            Some("Don reçu")
        );
    }

    #[test]
    fn blanks_collapse_and_plain_text_is_borrowed() {
        for (raw, want) in [
            ("Dell Latitude 5540", Some("Dell Latitude 5540")),
            ("  Dell   Latitude\t5540 ", Some("Dell Latitude 5540")),
            ("Dell\u{a0}Latitude", Some("Dell Latitude")),
            ("Dell&nbsp;Latitude", Some("Dell Latitude")),
            (" ", None),
            ("", None),
        ] {
            assert_eq!(clean(raw).as_deref(), want, "{raw:?}");
        }
        assert!(matches!(clean("Écran 24 pouces"), Some(Cow::Borrowed(_))));
    }

    #[test]
    fn date_objects_strings_and_nulls_are_read() {
        let r = row(json!({
            "purchase_date": {"date": "2021-09-01", "formatted": "01/09/2021"},
            "updated_at": {"datetime": "2024-01-15 10:00:00", "formatted": "15/01/2024 10:00"},
            "warranty_expires": "2019-02-03",
        }));
        assert_eq!(date(&r.purchase_date), NaiveDate::from_ymd_opt(2021, 9, 1));
        assert_eq!(date(&r.updated_at), NaiveDate::from_ymd_opt(2024, 1, 15));
        assert_eq!(stamp(&r.updated_at).as_deref(), Some("2024-01-15 10:00:00"));
        assert_eq!(
            date(&r.warranty_expires),
            NaiveDate::from_ymd_opt(2019, 2, 3)
        );
        let r = row(json!({
            "purchase_date": null,
            "updated_at": {"date": "", "formatted": ""},
            "warranty_expires": {"datetime": null, "date": "2020-01-01"},
        }));
        assert_eq!(date(&r.purchase_date), None);
        assert_eq!(date(&r.updated_at), None);
        assert_eq!(
            date(&r.warranty_expires),
            None,
            "datetime given wins, even null"
        );
        assert_eq!(date(&row(json!({})).purchase_date), None);
        for (bad, want) in [
            ("2021-02-30", None),
            ("2021-09-01T10:00:00", NaiveDate::from_ymd_opt(2021, 9, 1)),
            ("2021-9-1", None),
            ("01/09/2021", None),
        ] {
            assert_eq!(date(&Some(Cow::Borrowed(bad))), want, "{bad}");
        }
    }

    #[test]
    fn related_records_give_their_name_or_nothing() {
        let r = row(
            json!({"company": {"id": 2, "name": "Commune de Saint-Val"}, "location": null, "name": "", "supplier": "Bureau Vallée"}),
        );
        assert_eq!(text(&r.company).as_deref(), Some("Commune de Saint-Val"));
        assert_eq!(text(&r.location), None);
        assert_eq!(
            text(&r.supplier),
            None,
            "a name is read from an object only"
        );
        assert_eq!(text(&r.name), None);
        assert_eq!(row(json!({"id": "17"})).id, Some(17));
        assert_eq!(row(json!({"id": -3})).id, None);
        assert_eq!(row(json!({"serial": 123})).serial.as_deref(), Some("123"));
        assert_eq!(Row::deserialize(json!([1, 2])).unwrap(), Row::default());
    }

    #[test]
    fn the_status_label_is_status_label_when_sent_else_status() {
        let label = json!({"id": 1, "name": "Archived", "status_type": "archived"});
        let r = row(json!({"status_label": null, "status": label.clone()}));
        assert_eq!(r.label(), None);
        let r = row(json!({"status": label}));
        assert_eq!(
            r.label().and_then(|l| l.status_type.as_deref()),
            Some("archived")
        );
        assert!(!row(json!({"assigned_to": null})).checked_out);
        assert!(row(json!({"assigned_to": {"id": 4, "type": "user"}})).checked_out);
    }

    #[test]
    fn a_page_borrows_its_texts_and_skips_what_is_not_read() {
        let body = br#"{"total": 2, "rows": [
            {"id": 1, "name": "PC-001", "available_actions": {"checkout": true}, "eol": null},
            {"id": 2, "name": "Caf\u00e9", "custom_fields": {"Reconditionn\u00e9": {"value": "Oui"}}}
        ]}"#;
        let page: Listing = serde_json::from_slice(body).unwrap();
        assert!(!page.error);
        assert_eq!(page.total, Some(2));
        let rows = page.rows.unwrap();
        assert!(matches!(rows[0].name, Some(Cow::Borrowed("PC-001"))));
        assert_eq!(rows[1].name.as_deref(), Some("Café"));
        assert_eq!(rows[1].custom_field("Reconditionné"), Some("Oui"));
        let page: Listing =
            serde_json::from_slice(br#"{"status": "error", "messages": "x", "payload": null}"#)
                .unwrap();
        assert!(page.error && page.total.is_none() && page.rows.is_none());
        let page: Listing = serde_json::from_slice(br#"{"total": "2", "rows": {}}"#).unwrap();
        assert!(page.total.is_none() && page.rows.is_none());
    }
}
