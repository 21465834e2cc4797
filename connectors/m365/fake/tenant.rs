//! A generated Microsoft 365 tenant: mailboxes across a few domains, their usage, and a
//! month of daily email activity; and the CSV files Graph writes of them.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

/// The header of `getMailboxUsageDetail`'s CSV, as documented (learn.microsoft.com,
/// reportroot-getmailboxusagedetail, v1.0, with the columns added since 2019).
pub const USAGE_HEADER: &[&str] = &[
    "Report Refresh Date",
    "User Principal Name",
    "Display Name",
    "Is Deleted",
    "Deleted Date",
    "Created Date",
    "Last Activity Date",
    "Item Count",
    "Storage Used (Byte)",
    "Issue Warning Quota (Byte)",
    "Prohibit Send Quota (Byte)",
    "Prohibit Send/Receive Quota (Byte)",
    "Deleted Item Count",
    "Deleted Item Size (Byte)",
    "Deleted Item Quota (Byte)",
    "Has Archive",
    "Report Period",
];

/// The header of `getEmailActivityUserDetail`'s CSV, with the meeting columns of the
/// current revision.
pub const ACTIVITY_HEADER: &[&str] = &[
    "Report Refresh Date",
    "User Principal Name",
    "Display Name",
    "Is Deleted",
    "Deleted Date",
    "Last Activity Date",
    "Send Count",
    "Receive Count",
    "Read Count",
    "Meeting Created Count",
    "Meeting Interacted Count",
    "Assigned Products",
    "Report Period",
];

/// The domains of the generated tenant (SIN Val-de-Brume and two of its members).
pub const DOMAINS: &[&str] = &["valdebrume.fr", "montcalme.fr", "ecoles.valdebrume.fr"];

/// One mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    /// The user principal name (an address).
    pub upn: String,
    /// "Nom, Prénom".
    pub display_name: String,
    /// Soft-deleted: in the report with `Is Deleted = True`.
    pub deleted: bool,
    /// When the mailbox was created.
    pub created: NaiveDate,
    /// Items in every folder.
    pub items: u64,
    /// Bytes in every folder.
    pub storage_bytes: u64,
    /// `None`: no limit (an empty column).
    pub quota_bytes: Option<u64>,
    /// Items of the Recoverable Items folder.
    pub deleted_items: u64,
    /// Bytes of the Recoverable Items folder.
    pub deleted_bytes: u64,
}

/// One user's activity of one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayActivity {
    /// Index into [`Tenant::mailboxes`].
    pub mailbox: usize,
    /// Messages sent that day.
    pub sent: u64,
    /// Messages received that day.
    pub received: u64,
    /// Messages read that day.
    pub read: u64,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct TenantSpec {
    /// Mailboxes, every 23rd one soft-deleted.
    pub mailboxes: usize,
    /// The same seed gives the same tenant.
    pub seed: u64,
    /// The reports' refresh date (two days before "today" on a real tenant).
    pub refresh_date: NaiveDate,
}

/// The tenant's data.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// Every mailbox, deleted ones included.
    pub mailboxes: Vec<Mailbox>,
    /// The days Graph keeps (the 30 days up to the refresh date), by day.
    pub activity: BTreeMap<NaiveDate, Vec<DayActivity>>,
    /// The reports' `Report Refresh Date`: the last day computed.
    pub refresh_date: NaiveDate,
    /// Reports write a hash in place of each address and name (the tenant default).
    pub conceal_names: bool,
}

/// A small deterministic generator (SplitMix64), so a seed gives the same tenant.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const FIRST: &[&str] = &[
    "anne", "bruno", "chloé", "david", "emma", "farid", "gaëlle", "hugo", "inès", "jules",
];
const LAST: &[&str] = &[
    "martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand",
];

/// 50 GiB, Exchange Online's Prohibit Send/Receive of most plans is 50 to 100 GB.
const QUOTA: u64 = 53_687_091_200;

impl Tenant {
    /// A tenant of `spec.mailboxes` mailboxes across [`DOMAINS`], with 30 days of activity.
    pub fn generate(spec: &TenantSpec) -> Tenant {
        let mut mix = Mix(spec.seed);
        let mut mailboxes = Vec::with_capacity(spec.mailboxes);
        for i in 0..spec.mailboxes {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len()) % LAST.len()];
            let domain = DOMAINS[(mix.below(10) as usize).min(8) / 3];
            let upn = format!("{}.{}{}@{domain}", ascii(first), ascii(last), i);
            let items = mix.below(40_000);
            mailboxes.push(Mailbox {
                upn,
                // A comma in a name, as "Nom, Prénom" directories have: quoted in the CSV.
                display_name: format!("{}, {}", capital(last), capital(first)),
                deleted: i % 23 == 22,
                created: spec.refresh_date - Days::new(100 + mix.below(2000)),
                items,
                storage_bytes: items * (20_000 + mix.below(200_000)),
                quota_bytes: (i % 17 != 5).then_some(QUOTA),
                deleted_items: mix.below(500),
                deleted_bytes: mix.below(50_000_000),
            });
        }
        let mut activity = BTreeMap::new();
        for back in 0..30 {
            let day = spec.refresh_date - Days::new(back);
            let mut rows = Vec::new();
            for m in 0..mailboxes.len() {
                // Some users do nothing on a day: they are not in that day's file.
                if mix.below(5) == 0 {
                    continue;
                }
                let received = 1 + mix.below(80);
                rows.push(DayActivity {
                    mailbox: m,
                    sent: mix.below(30),
                    received,
                    read: mix.below(received + 1),
                });
            }
            activity.insert(day, rows);
        }
        Tenant {
            mailboxes,
            activity,
            refresh_date: spec.refresh_date,
            conceal_names: false,
        }
    }

    /// Live mailboxes, items and bytes by domain: what a reader of the usage report sums.
    pub fn usage_by_domain(&self) -> BTreeMap<String, (u64, u64, u64)> {
        let mut out = BTreeMap::new();
        for m in self.mailboxes.iter().filter(|m| !m.deleted) {
            let e = out.entry(domain(&m.upn)).or_insert((0, 0, 0));
            e.0 += 1;
            e.1 += m.items;
            e.2 += m.storage_bytes;
        }
        out
    }

    /// Messages sent and received on `day` by domain, live mailboxes only.
    pub fn activity_by_domain(&self, day: NaiveDate) -> BTreeMap<String, (u64, u64)> {
        let mut out = BTreeMap::new();
        for a in self.activity.get(&day).into_iter().flatten() {
            let m = &self.mailboxes[a.mailbox];
            if m.deleted {
                continue;
            }
            let e = out.entry(domain(&m.upn)).or_insert((0, 0));
            e.0 += a.sent;
            e.1 += a.received;
        }
        out
    }

    fn shown(&self, text: &str) -> String {
        match self.conceal_names {
            true => concealed(text),
            false => text.to_string(),
        }
    }

    /// The usage detail's CSV, as Graph writes it: a byte order mark, the header, CRLF.
    /// `malformed` writes `n/a` in the first row's `Item Count`, as a broken export would.
    pub fn usage_csv(&self, period_days: u32, malformed: bool) -> Vec<u8> {
        let refresh = self.refresh_date.to_string();
        csv_file(
            USAGE_HEADER,
            self.mailboxes.iter().enumerate().map(|(i, m)| {
                vec![
                    refresh.clone(),
                    self.shown(&m.upn),
                    self.shown(&m.display_name),
                    title(m.deleted),
                    if m.deleted {
                        refresh.clone()
                    } else {
                        String::new()
                    },
                    m.created.to_string(),
                    (self.refresh_date - Days::new(1)).to_string(),
                    if malformed && i == 0 {
                        "n/a".into()
                    } else {
                        m.items.to_string()
                    },
                    m.storage_bytes.to_string(),
                    m.quota_bytes
                        .map(|q| (q / 100 * 98).to_string())
                        .unwrap_or_default(),
                    m.quota_bytes
                        .map(|q| (q / 100 * 99).to_string())
                        .unwrap_or_default(),
                    m.quota_bytes.map(|q| q.to_string()).unwrap_or_default(),
                    m.deleted_items.to_string(),
                    m.deleted_bytes.to_string(),
                    "32212254720".into(),
                    "False".into(),
                    period_days.to_string(),
                ]
            }),
        )
    }

    /// The activity detail of one day; a day Graph has not computed yet has its header
    /// only.
    /// `malformed` writes `n/a` in the first row's `Send Count`.
    pub fn activity_csv(&self, day: NaiveDate, malformed: bool) -> Vec<u8> {
        let refresh = self.refresh_date.to_string();
        let rows = self.activity.get(&day).cloned().unwrap_or_default();
        csv_file(
            ACTIVITY_HEADER,
            rows.iter().enumerate().map(|(i, a)| {
                let m = &self.mailboxes[a.mailbox];
                vec![
                    refresh.clone(),
                    self.shown(&m.upn),
                    self.shown(&m.display_name),
                    title(m.deleted),
                    String::new(),
                    day.to_string(),
                    if malformed && i == 0 {
                        "n/a".into()
                    } else {
                        a.sent.to_string()
                    },
                    a.received.to_string(),
                    a.read.to_string(),
                    "0".into(),
                    "1".into(),
                    "MICROSOFT 365 E3+EXCHANGE ONLINE (PLAN 2)".into(),
                    "1".into(),
                ]
            }),
        )
    }
}

fn csv_file(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(&mut out);
    // Writing into a Vec cannot fail.
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    let _ = w.flush();
    drop(w);
    out
}

fn title(b: bool) -> String {
    if b { "True" } else { "False" }.to_string()
}

/// The domain of an address, lower case.
pub fn domain(upn: &str) -> String {
    upn.rsplit_once('@')
        .map(|(_, d)| d.to_lowercase())
        .unwrap_or_default()
}

fn ascii(s: &str) -> String {
    s.replace(['é', 'ë'], "e")
        .replace('ï', "i")
        .replace('ç', "c")
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// What a concealing tenant writes for a name: 32 upper-case hex digits, the same for the
/// same name in every report (two FNV-1a hashes).
pub fn concealed(text: &str) -> String {
    let fnv = |basis: u64| {
        text.bytes().fold(basis, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
        })
    };
    format!(
        "{:016X}{:016X}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}
