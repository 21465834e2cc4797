//! The mail contract: what a mail connector (Dovecot, IMAP, Microsoft 365…) may emit, and
//! the one way it turns a person's address into something it may emit.
//!
//! # Privacy by construction
//!
//! A mailbox is a person. parcd measures mail storage and traffic **per mail domain and per
//! entity**, never per person: no address, user name or mailbox name is ever a reading's
//! key, a metric label, a JSON field or a log line. The only identifier kept is a **keyed
//! hash** of the mailbox (HMAC-SHA-256 with a key of the DSI's, cut to 128 bits), and only
//! in the source's cursor, with the mailbox's last Sent folder size and its INBOX's
//! `UIDVALIDITY` and `UIDNEXT`: what it takes to turn folder sizes into messages sent, and
//! UIDs into messages received, between two rounds. The cursor holds the latest round
//! only, no history, and the readings hold no per-mailbox figure at all.
//!
//! # What a mail connector does
//!
//! 1. It reads its own keys (URL, credentials…) like any connector, plus, optionally, a
//!    `domain` for user names that have none (Dovecot's `alice`), passed to
//!    [`MailTally::add_mailbox`] as `default_domain`.
//! 2. Its `SourceParams::build_in` takes the core's [`BuildContext`](crate::framework::kind::BuildContext)
//!    and keeps `ctx.mail` ([`MailPrivacy`]: the hash key and the entity map). Without it
//!    (`ctx.mail == None`) it fails with [`missing_privacy`], a `Config` error. Its plain
//!    `build()` is `self.build_in(&BuildContext::default())`, so it fails the same way.
//! 3. In `poll`, it opens a [`MailTally`] with the privacy, the round's time and the
//!    request's cursor, and adds **every mailbox once**, whole ([`MailboxFigures`]: what it
//!    knows of it, `None` for what it does not), by the identifier its source gives (an
//!    address or a user name). A source that reports traffic per day (Microsoft 365's
//!    activity detail) adds [`MailTally::add_day`] per mailbox and day.
//! 4. Its page is [`MailTally::finish`]: the readings and the cursor, `done`. It emits no
//!    other mail reading. It logs counts (mailboxes read, skipped), never an identifier;
//!    an error about one mailbox says which source and what failed, not whose mailbox.
//! 5. A round that could not read every mailbox it listed is a failure, not a smaller
//!    round: return the error, and no page (partial sums stored as a complete round would
//!    show a drop in storage that did not happen, and lose the Sent folders' baselines).
//!
//! # What the readings are
//!
//! Subjects are [`Subject::Aggregate`] with one of two scopes:
//!
//! | scope | key |
//! |---|---|
//! | `mail_domain` ([`SCOPE_DOMAIN`]) | the domain, lower case (`valdebrume.fr`; [`NO_DOMAIN`] for user names without one) |
//! | `mail_entity` ([`SCOPE_ENTITY`]) | the entity's name from the map (as in `[headcount]`; [`UNASSIGNED`] when no rule matches) |
//!
//! and, on both, the quantities `reading::known::MAIL_*`:
//!
//! - gauges at the round's time: `mail_mailboxes`, `mail_stored_bytes`,
//!   `mail_stored_messages`, `mail_quota_bytes` and `mail_quota_used_bytes` (the mailboxes
//!   that have a limit), `mail_folder_{sent,trash,junk}_{bytes,messages}`,
//!   `mail_scanned_bytes` and `mail_scanned_attachment_bytes` (the attachment share is
//!   their ratio);
//! - counters at the round's time: `mail_sent_messages` and `mail_sent_bytes`, the growth of
//!   the aggregate's Sent folders since the source was first read (each mailbox's drops
//!   are new baselines, never negative traffic), and `mail_received_messages`, the growth
//!   of its INBOXes' `UIDNEXT` (see [`InboxUids`]; a changed `UIDVALIDITY` is a new
//!   baseline), both kept running in the cursor;
//! - day amounts at 00:00 UTC of their day: `mail_day_{sent,received}_{messages,bytes}`.
//!
//! A quantity no mailbox of the aggregate reported is absent, never 0. Each mailbox is in
//! exactly one domain and one entity, so summing either scope gives the source's total.
//!
//! The core ([`check_subject`]) refuses a mail reading whose subject is not one of these
//! (another scope, a key holding `@`): a connector cannot leak an address into the store
//! even by mistake.
//!
//! # The key and the entity map
//!
//! Both are in the core's configuration, `[mail]`, read by [`MailSettings::from_params`]:
//!
//! ```toml
//! [mail]
//! hash_key_file = "/run/secrets/parcd-mail-key"   # or hash_key_env, or hash_key; 32+ characters
//! [mail.entities]
//! "montcalme.fr" = "Mairie de Montcalme"          # a domain
//! "*.ecoles.valdebrume.fr" = "Écoles"              # a domain pattern
//! "ccas-*@valdebrume.fr" = "CCAS de Val-de-Brume"  # an address pattern: beats any domain rule
//! ```
//!
//! Without a configured key the core generates one (32 random bytes, hex) on first start and
//! keeps it in the store, so the hashes stay stable across restarts; the connectors never
//! see the store. Changing the key makes every mailbox new to the cursor: one round of
//! baselines, no traffic invented. Changing an entity rule moves a mailbox's later traffic
//! to its new entity.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::api::Cursor;
use crate::error::ConnectorError;
use crate::params::Params;
use crate::reading::{Quantity, Reading, Subject, known};

/// Scope of the readings about one mail domain.
pub const SCOPE_DOMAIN: &str = "mail_domain";
/// Scope of the readings about one entity's mailboxes.
pub const SCOPE_ENTITY: &str = "mail_entity";
/// The entity of mailboxes no rule of `[mail.entities]` maps.
pub const UNASSIGNED: &str = "unassigned";
/// The domain of a user name that has none, when its source gives no `domain`.
pub const NO_DOMAIN: &str = "no-domain";
/// Shortest key accepted from the configuration.
pub const MIN_KEY_CHARS: usize = 32;
/// Hex characters of a mailbox hash (128 bits).
pub const HASH_HEX_CHARS: usize = 32;

/// The HMAC key that pseudonymises mailbox identifiers. Never printed.
#[derive(Clone)]
pub struct MailKey(SecretString);

impl fmt::Debug for MailKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MailKey([REDACTED])")
    }
}

impl MailKey {
    /// A key given by the DSI (or read back from the store): its characters are the key.
    pub fn new(secret: SecretString) -> Result<MailKey, String> {
        let n = secret.expose_secret().chars().count();
        if n < MIN_KEY_CHARS {
            return Err(format!(
                "is {n} characters long, fewer than {MIN_KEY_CHARS}"
            ));
        }
        Ok(MailKey(secret))
    }

    /// A new random key: 32 bytes from the operating system, hex (64 characters), as the
    /// core keeps it in the store.
    pub fn generate() -> Result<MailKey, String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| format!("no randomness from the system: {e}"))?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(MailKey(SecretString::from(hex)))
    }

    /// The key's text, for the core to store it the first time. Only the store's code
    /// calls this.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// How a mailbox's address or user name is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAddress {
    /// Lower case; `None` for a bare user name.
    local: String,
    domain: String,
}

impl MailAddress {
    /// Reads `identifier` (`Alice.Martin@Montcalme.fr`, `alice`), lower case; a bare user
    /// name gets `default_domain`, else [`NO_DOMAIN`]. `None` for an empty identifier or
    /// one with spaces in its domain (never a mailbox parcd can name): the caller counts
    /// it as skipped, without logging it.
    pub fn parse(identifier: &str, default_domain: Option<&str>) -> Option<MailAddress> {
        let id = identifier.trim().to_lowercase();
        let (local, domain) = match id.rsplit_once('@') {
            Some((l, d)) => (l.to_string(), d.to_string()),
            None => (
                id.clone(),
                default_domain
                    .map(|d| d.trim().to_lowercase())
                    .unwrap_or_else(|| NO_DOMAIN.to_string()),
            ),
        };
        if local.is_empty() || domain.is_empty() || domain.chars().any(char::is_whitespace) {
            return None;
        }
        Some(MailAddress { local, domain })
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// `local@domain`: what is hashed, and what address patterns match.
    fn full(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }
}

/// One rule of `[mail.entities]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EntityRule {
    /// Lower case; `*` matches any run of characters.
    pattern: String,
    /// Holds `@`: matched against the whole address, else against the domain.
    address: bool,
    entity: String,
}

impl EntityRule {
    fn matches(&self, a: &MailAddress) -> bool {
        if self.address {
            glob(&self.pattern, &a.full())
        } else {
            glob(&self.pattern, &a.domain)
        }
    }

    /// Address rules first, then the most literal characters, then the pattern's text:
    /// the most specific rule wins, whatever the order of the TOML table.
    fn precedence(&self) -> (bool, std::cmp::Reverse<usize>, String) {
        let literal = self.pattern.chars().filter(|c| *c != '*').count();
        (
            !self.address,
            std::cmp::Reverse(literal),
            self.pattern.clone(),
        )
    }
}

/// `*` matches any run of characters (none included); everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Domains and address patterns to entities (`[mail.entities]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityMap {
    rules: Vec<EntityRule>,
}

impl EntityMap {
    /// From `(pattern, entity)` pairs; the error names the pattern and what is wrong.
    pub fn new<P: AsRef<str>, E: AsRef<str>>(rules: &[(P, E)]) -> Result<EntityMap, String> {
        let mut out = Vec::with_capacity(rules.len());
        for (pattern, entity) in rules {
            let pattern = pattern.as_ref().trim().to_lowercase();
            let entity = entity.as_ref().trim().to_string();
            if pattern.is_empty() || pattern.chars().any(char::is_whitespace) {
                return Err(format!(
                    "\"{pattern}\" is not a domain or address pattern (empty or with spaces)"
                ));
            }
            if pattern.matches('@').count() > 1 {
                return Err(format!("\"{pattern}\" holds more than one @"));
            }
            if entity.is_empty() {
                return Err(format!("\"{pattern}\" maps to an empty entity name"));
            }
            out.push(EntityRule {
                address: pattern.contains('@'),
                pattern,
                entity,
            });
        }
        out.sort_by_key(EntityRule::precedence);
        Ok(EntityMap { rules: out })
    }

    /// The entity of `a`: the most specific matching rule's, else [`UNASSIGNED`].
    pub fn entity_of(&self, a: &MailAddress) -> &str {
        self.rules
            .iter()
            .find(|r| r.matches(a))
            .map_or(UNASSIGNED, |r| r.entity.as_str())
    }

    /// The table as `check-config` prints it.
    pub fn render(&self) -> String {
        let mut s = String::from("[mail.entities]\n");
        for r in &self.rules {
            s.push_str(&format!(
                "{} = {}\n",
                crate::framework::kind::toml_str(&r.pattern),
                crate::framework::kind::toml_str(&r.entity)
            ));
        }
        s
    }
}

/// The `[mail]` section of the core's configuration.
#[derive(Debug, Clone, Default)]
pub struct MailSettings {
    /// `None`: the core generates one and keeps it in the store.
    pub hash_key: Option<MailKey>,
    pub entities: EntityMap,
}

impl MailSettings {
    /// Reads `[mail]` (`hash_key`, `hash_key_file` or `hash_key_env`, and the `entities`
    /// table); every mistake is recorded in `p` with its key and fix.
    pub fn from_params(p: &mut Params) -> MailSettings {
        let hash_key = p.secret("hash_key").and_then(|s| match MailKey::new(s) {
            Ok(k) => Some(k),
            Err(problem) => {
                p.issue(
                    "hash_key",
                    problem,
                    format!(
                        "give a key of {MIN_KEY_CHARS} characters or more (`openssl rand -hex 32`), \
                         or remove it to let parcd generate one and keep it in its database"
                    ),
                );
                None
            }
        });
        let mut entities = EntityMap::default();
        if let Some(mut t) = p.table("entities") {
            let mut pairs = Vec::new();
            for (pattern, v) in t.entries() {
                match v.as_str() {
                    Some(e) => pairs.push((pattern, e.to_string())),
                    None => t.issue(
                        &pattern,
                        "expected an entity name",
                        "write the entity between double quotes, as in [headcount]",
                    ),
                }
            }
            for (pattern, entity) in &pairs {
                if let Err(problem) = EntityMap::new(&[(pattern, entity)]) {
                    t.issue(
                        pattern,
                        problem,
                        "write a domain (\"montcalme.fr\", \"*.ecoles.fr\") or an address \
                         pattern (\"ccas-*@valdebrume.fr\") mapped to an entity name",
                    );
                }
            }
            entities = EntityMap::new(&pairs).unwrap_or_default();
            p.absorb(t.finish());
        }
        MailSettings { hash_key, entities }
    }

    /// The section as `check-config` prints it, the key hidden.
    pub fn render(&self) -> String {
        let key = match self.hash_key {
            Some(_) => "hash_key = \"[REDACTED]\"\n",
            None => "# hash_key: generated once and kept in the database\n",
        };
        format!("[mail]\n{key}{}", self.entities.render())
    }
}

/// What a mail connector receives from the core at build time: the key and the entity map.
#[derive(Clone)]
pub struct MailPrivacy {
    mac: Hmac<Sha256>,
    entities: EntityMap,
}

impl fmt::Debug for MailPrivacy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailPrivacy")
            .field("key", &"[REDACTED]")
            .field("entities", &self.entities)
            .finish()
    }
}

impl MailPrivacy {
    pub fn new(key: &MailKey, entities: EntityMap) -> MailPrivacy {
        let mac = Hmac::<Sha256>::new_from_slice(key.expose().as_bytes())
            .expect("HMAC takes a key of any length");
        MailPrivacy { mac, entities }
    }

    /// Where a mailbox counts: its domain, its entity and its hash.
    pub fn place(&self, a: &MailAddress) -> MailPlace {
        let mut mac = self.mac.clone();
        mac.update(a.full().as_bytes());
        let digest = mac.finalize().into_bytes();
        let hash = digest[..HASH_HEX_CHARS / 2]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        MailPlace {
            hash,
            domain: a.domain.clone(),
            entity: self.entities.entity_of(a).to_string(),
        }
    }
}

/// The error of a mail source built without the core's privacy context.
pub fn missing_privacy(kind: &str) -> ConnectorError {
    ConnectorError::Config(format!(
        "a {kind} source needs the mail privacy context (the [mail] hash key and entity map), \
         which parcd passes in when it builds the source"
    ))
}

/// Where one mailbox counts. Its hash goes to the cursor only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPlace {
    /// 32 lower-case hex characters.
    pub hash: String,
    pub domain: String,
    pub entity: String,
}

/// True for the quantities of this contract (`mail_*`).
pub fn is_mail_quantity(quantity: &str) -> bool {
    quantity.starts_with("mail_")
}

/// Whether a mail reading's subject is one this contract allows; the core refuses the
/// others, so an address cannot reach the store.
pub fn check_subject(s: &Subject) -> Result<(), &'static str> {
    match s {
        Subject::Device { .. } => Err("a mail quantity about a device"),
        Subject::Aggregate { scope, key } => match scope.as_str() {
            SCOPE_DOMAIN | SCOPE_ENTITY if key.contains('@') => {
                Err("a mail aggregate whose key holds an address")
            }
            SCOPE_DOMAIN | SCOPE_ENTITY if key.trim().is_empty() => {
                Err("a mail aggregate with an empty key")
            }
            SCOPE_DOMAIN | SCOPE_ENTITY => Ok(()),
            _ => Err("a mail quantity on a scope that is neither mail_domain nor mail_entity"),
        },
    }
}

/// A special folder whose figures parcd keeps apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderRole {
    Sent,
    Trash,
    Junk,
}

impl FolderRole {
    /// The role of a folder by its IMAP SPECIAL-USE flag (`\Sent`, RFC 6154), when the
    /// source gives one.
    pub fn from_special_use(flag: &str) -> Option<FolderRole> {
        match flag.trim_start_matches('\\').to_ascii_lowercase().as_str() {
            "sent" => Some(FolderRole::Sent),
            "trash" => Some(FolderRole::Trash),
            "junk" => Some(FolderRole::Junk),
            _ => None,
        }
    }

    /// The role of a folder by its name, in the usual English and French spellings, at the
    /// top level or under `INBOX` (`INBOX.Sent`, `INBOX/Sent`).
    pub fn from_name(name: &str) -> Option<FolderRole> {
        let leaf = name
            .strip_prefix("INBOX.")
            .or_else(|| name.strip_prefix("INBOX/"))
            .unwrap_or(name)
            .trim()
            .to_lowercase();
        match leaf.as_str() {
            "sent"
            | "sent items"
            | "sent messages"
            | "sent mail"
            | "envoyés"
            | "envoyes"
            | "éléments envoyés"
            | "elements envoyes"
            | "messages envoyés" => Some(FolderRole::Sent),
            "trash"
            | "deleted items"
            | "deleted messages"
            | "bin"
            | "corbeille"
            | "éléments supprimés"
            | "elements supprimes" => Some(FolderRole::Trash),
            "junk"
            | "spam"
            | "junk e-mail"
            | "junk email"
            | "courrier indésirable"
            | "courrier indesirable"
            | "indésirables"
            | "indesirables" => Some(FolderRole::Junk),
            _ => None,
        }
    }
}

/// One folder's size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FolderFigures {
    pub messages: u64,
    pub bytes: u64,
}

impl std::ops::AddAssign for FolderFigures {
    fn add_assign(&mut self, o: FolderFigures) {
        self.messages += o.messages;
        self.bytes += o.bytes;
    }
}

/// A mailbox's INBOX as IMAP numbers it (`STATUS INBOX (UIDVALIDITY UIDNEXT)`, doveadm's
/// `uidvalidity` and `uidnext`).
///
/// The server gives every message delivered to the folder the UID `UIDNEXT`, then raises
/// `UIDNEXT`, and never gives a UID twice while `UIDVALIDITY` stays (RFC 9051 §2.3.1.1):
/// its growth between two rounds is the number of messages delivered to INBOX meanwhile,
/// even those deleted or moved since. Mail that a server-side rule (Sieve) files straight
/// into another folder is not counted, nor mail copied or moved into INBOX by its owner
/// (which does take UIDs, and is counted). A new `UIDVALIDITY` (the mailbox recreated,
/// restored from a backup) renumbers the UIDs: the round is a new baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxUids {
    pub uidvalidity: u64,
    pub uidnext: u64,
}

/// What a connector knows of one mailbox in a round; `None` where its source does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailboxFigures {
    /// Every folder.
    pub stored: Option<FolderFigures>,
    /// The quota's limit in bytes (`None`: unlimited or unknown), and its usage.
    pub quota_limit_bytes: Option<u64>,
    pub quota_used_bytes: Option<u64>,
    pub sent: Option<FolderFigures>,
    pub trash: Option<FolderFigures>,
    pub junk: Option<FolderFigures>,
    /// Bytes of the messages whose structure was read, and of those in attachments.
    pub scanned_bytes: Option<u64>,
    pub scanned_attachment_bytes: Option<u64>,
    /// The INBOX's UIDs, for the messages received.
    pub inbox: Option<InboxUids>,
}

impl MailboxFigures {
    /// Adds one folder of the mailbox: to the total, and to its role's figures.
    pub fn add_folder(&mut self, role: Option<FolderRole>, f: FolderFigures) {
        *self.stored.get_or_insert_with(FolderFigures::default) += f;
        let slot = match role {
            Some(FolderRole::Sent) => &mut self.sent,
            Some(FolderRole::Trash) => &mut self.trash,
            Some(FolderRole::Junk) => &mut self.junk,
            None => return,
        };
        *slot.get_or_insert_with(FolderFigures::default) += f;
    }
}

/// One mailbox's traffic of one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayTraffic {
    pub sent_messages: Option<u64>,
    pub received_messages: Option<u64>,
    pub sent_bytes: Option<u64>,
    pub received_bytes: Option<u64>,
}

/// Sums per quantity of one aggregate.
type Sums = BTreeMap<&'static str, (Quantity, u64)>;

fn add(sums: &mut Sums, q: Quantity, v: Option<u64>) {
    if let Some(v) = v {
        sums.entry(q.name).or_insert((q, 0)).1 += v;
    }
}

/// What a mail source's cursor carries from one round to the next: each mailbox's Sent
/// folder and INBOX UIDs, by hash, and each aggregate's running totals of mail sent and
/// received.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Memory {
    /// Version of this layout: another one is read as no memory (a round of baselines).
    v: u32,
    /// Hash → (messages, bytes) of its Sent folder at the last round.
    sent_folders: BTreeMap<String, (u64, u64)>,
    /// (scope, key) → (messages, bytes) sent since the source was first read.
    sent_totals: BTreeMap<String, (u64, u64)>,
    /// Hash → (UIDVALIDITY, UIDNEXT) of its INBOX at the last round. Absent from the
    /// cursors written before received mail was counted: their mailboxes start a baseline
    /// and keep their Sent folders' (hence no new version).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    inboxes: BTreeMap<String, (u64, u64)>,
    /// (scope, key) → messages received since the source was first read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    received_totals: BTreeMap<String, u64>,
}

const MEMORY_VERSION: u32 = 1;

impl Memory {
    fn decode(c: Option<&Cursor>) -> Memory {
        c.and_then(|c| serde_json::from_str::<Memory>(&c.0).ok())
            .filter(|m| m.v == MEMORY_VERSION)
            .unwrap_or_default()
    }
}

fn total_key(scope: &str, key: &str) -> String {
    format!("{scope}\u{1f}{key}")
}

/// The one way a mail connector turns its mailboxes into readings (see the module's doc).
pub struct MailTally<'p> {
    privacy: &'p MailPrivacy,
    at: DateTime<Utc>,
    before: Memory,
    after: Memory,
    /// (scope, key) → sums, for the round's gauges.
    groups: BTreeMap<(&'static str, String), Sums>,
    /// (scope, key, day) → sums, for the day amounts.
    days: BTreeMap<(&'static str, String, NaiveDate), Sums>,
    seen: std::collections::BTreeSet<String>,
    skipped: u64,
}

impl<'p> MailTally<'p> {
    /// A round read at `at` (every gauge's time), after the round that wrote `cursor`.
    pub fn new(privacy: &'p MailPrivacy, at: DateTime<Utc>, cursor: Option<&Cursor>) -> Self {
        let before = Memory::decode(cursor);
        MailTally {
            privacy,
            at,
            after: Memory {
                v: MEMORY_VERSION,
                ..Memory::default()
            },
            before,
            groups: BTreeMap::new(),
            days: BTreeMap::new(),
            seen: Default::default(),
            skipped: 0,
        }
    }

    /// Counts one mailbox, whole. False when it was not counted: an identifier parcd cannot
    /// read (counted in [`MailTally::skipped`]) or a mailbox already added this round.
    pub fn add_mailbox(
        &mut self,
        identifier: &str,
        default_domain: Option<&str>,
        f: &MailboxFigures,
    ) -> bool {
        let Some(a) = MailAddress::parse(identifier, default_domain) else {
            self.skipped += 1;
            return false;
        };
        let place = self.privacy.place(&a);
        if !self.seen.insert(place.hash.clone()) {
            return false;
        }
        let (quota, quota_used) = match f.quota_limit_bytes {
            Some(l) => (Some(l), f.quota_used_bytes.or(f.stored.map(|s| s.bytes))),
            None => (None, None),
        };
        // Mail sent since the last round: the Sent folder's growth; a folder seen for the
        // first time, or smaller than before (mail deleted), is a baseline.
        let sent_now = f.sent.map(|s| (s.messages, s.bytes));
        let step = match (sent_now, self.before.sent_folders.get(&place.hash)) {
            (Some(now), Some(before)) => Some((
                now.0.saturating_sub(before.0),
                now.1.saturating_sub(before.1),
            )),
            (Some(_), None) => Some((0, 0)),
            (None, _) => None,
        };
        if let Some(now) = sent_now {
            self.after.sent_folders.insert(place.hash.clone(), now);
        }
        // Mail received since the last round: the growth of INBOX's UIDNEXT under the same
        // UIDVALIDITY; a first sight or a renumbered INBOX is a baseline.
        let inbox_now = f.inbox.map(|i| (i.uidvalidity, i.uidnext));
        let received = match (inbox_now, self.before.inboxes.get(&place.hash)) {
            (Some((validity, next)), Some((was_validity, was_next)))
                if validity == *was_validity =>
            {
                Some(next.saturating_sub(*was_next))
            }
            (Some(_), _) => Some(0),
            (None, _) => None,
        };
        if let Some(now) = inbox_now {
            self.after.inboxes.insert(place.hash.clone(), now);
        }
        for (scope, key) in [
            (SCOPE_DOMAIN, place.domain.clone()),
            (SCOPE_ENTITY, place.entity.clone()),
        ] {
            if let Some((m, b)) = step {
                let tk = total_key(scope, &key);
                let prior = self.before.sent_totals.get(&tk).copied().unwrap_or((0, 0));
                let t = self.after.sent_totals.entry(tk).or_insert(prior);
                t.0 += m;
                t.1 += b;
            }
            if let Some(n) = received {
                let tk = total_key(scope, &key);
                let prior = self.before.received_totals.get(&tk).copied().unwrap_or(0);
                *self.after.received_totals.entry(tk).or_insert(prior) += n;
            }
            let sums = self.groups.entry((scope, key)).or_default();
            add(sums, known::MAIL_MAILBOXES, Some(1));
            add(sums, known::MAIL_STORED_BYTES, f.stored.map(|s| s.bytes));
            add(
                sums,
                known::MAIL_STORED_MESSAGES,
                f.stored.map(|s| s.messages),
            );
            add(sums, known::MAIL_QUOTA_BYTES, quota);
            add(sums, known::MAIL_QUOTA_USED_BYTES, quota_used);
            add(sums, known::MAIL_FOLDER_SENT_BYTES, f.sent.map(|s| s.bytes));
            add(
                sums,
                known::MAIL_FOLDER_SENT_MESSAGES,
                f.sent.map(|s| s.messages),
            );
            add(
                sums,
                known::MAIL_FOLDER_TRASH_BYTES,
                f.trash.map(|s| s.bytes),
            );
            add(
                sums,
                known::MAIL_FOLDER_TRASH_MESSAGES,
                f.trash.map(|s| s.messages),
            );
            add(sums, known::MAIL_FOLDER_JUNK_BYTES, f.junk.map(|s| s.bytes));
            add(
                sums,
                known::MAIL_FOLDER_JUNK_MESSAGES,
                f.junk.map(|s| s.messages),
            );
            add(sums, known::MAIL_SCANNED_BYTES, f.scanned_bytes);
            add(
                sums,
                known::MAIL_SCANNED_ATTACHMENT_BYTES,
                f.scanned_attachment_bytes,
            );
        }
        true
    }

    /// Counts one mailbox's traffic of `day` (a source that reports days).
    pub fn add_day(
        &mut self,
        identifier: &str,
        default_domain: Option<&str>,
        day: NaiveDate,
        t: &DayTraffic,
    ) -> bool {
        let Some(a) = MailAddress::parse(identifier, default_domain) else {
            self.skipped += 1;
            return false;
        };
        let place = self.privacy.place(&a);
        for (scope, key) in [(SCOPE_DOMAIN, place.domain), (SCOPE_ENTITY, place.entity)] {
            let sums = self.days.entry((scope, key, day)).or_default();
            add(sums, known::MAIL_DAY_SENT_MESSAGES, t.sent_messages);
            add(sums, known::MAIL_DAY_RECEIVED_MESSAGES, t.received_messages);
            add(sums, known::MAIL_DAY_SENT_BYTES, t.sent_bytes);
            add(sums, known::MAIL_DAY_RECEIVED_BYTES, t.received_bytes);
        }
        true
    }

    /// Mailboxes counted so far.
    pub fn mailboxes(&self) -> usize {
        self.seen.len()
    }

    /// Identifiers that could not be read (empty, or a domain with spaces).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// The round's readings (aggregates, running sent and received totals, day amounts)
    /// and the cursor the next round starts from.
    pub fn finish(self) -> (Vec<Reading>, Cursor) {
        let mut out = Vec::new();
        for ((scope, key), sums) in &self.groups {
            for (q, v) in sums.values() {
                out.push(Reading::new(aggregate(scope, key), *q, *v as f64, self.at));
            }
            if let Some((m, b)) = self.after.sent_totals.get(&total_key(scope, key)) {
                out.push(Reading::new(
                    aggregate(scope, key),
                    known::MAIL_SENT_MESSAGES,
                    *m as f64,
                    self.at,
                ));
                out.push(Reading::new(
                    aggregate(scope, key),
                    known::MAIL_SENT_BYTES,
                    *b as f64,
                    self.at,
                ));
            }
            if let Some(n) = self.after.received_totals.get(&total_key(scope, key)) {
                out.push(Reading::new(
                    aggregate(scope, key),
                    known::MAIL_RECEIVED_MESSAGES,
                    *n as f64,
                    self.at,
                ));
            }
        }
        for ((scope, key, day), sums) in self.days {
            let at = day.and_time(chrono::NaiveTime::MIN).and_utc();
            for (q, v) in sums.into_values() {
                out.push(Reading::new(aggregate(scope, &key), q, v as f64, at));
            }
        }
        let cursor = Cursor(serde_json::to_string(&self.after).expect("the memory serialises"));
        (out, cursor)
    }
}

fn aggregate(scope: &str, key: &str) -> Subject {
    Subject::Aggregate {
        scope: scope.to_string(),
        key: key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn privacy(rules: &[(&str, &str)]) -> MailPrivacy {
        let key = MailKey::new(SecretString::from("k".repeat(40))).unwrap();
        MailPrivacy::new(&key, EntityMap::new(rules).unwrap())
    }

    fn at() -> DateTime<Utc> {
        "2026-12-07T10:00:00Z".parse().unwrap()
    }

    fn value(rs: &[Reading], scope: &str, key: &str, q: Quantity) -> Option<f64> {
        rs.iter()
            .find(|r| r.subject.scope() == scope && r.subject.key() == key && r.quantity == q.name)
            .map(|r| r.value)
    }

    fn sent(messages: u64, bytes: u64) -> MailboxFigures {
        MailboxFigures {
            stored: Some(FolderFigures {
                messages: messages + 2,
                bytes: bytes + 200,
            }),
            sent: Some(FolderFigures { messages, bytes }),
            ..Default::default()
        }
    }

    #[test]
    fn no_address_nor_user_name_reaches_a_reading_or_the_cursor() {
        let p = privacy(&[("montcalme.fr", "Mairie de Montcalme")]);
        let mut t = MailTally::new(&p, at(), None);
        assert!(t.add_mailbox("Alice.Martin@Montcalme.fr", None, &sent(1, 100)));
        assert!(t.add_mailbox("bob", Some("montcalme.fr"), &sent(1, 100)));
        let (rs, cursor) = t.finish();
        let text = serde_json::to_string(&rs).unwrap() + &cursor.0;
        for secret in ["alice", "martin", "bob", "@"] {
            assert!(!text.to_lowercase().contains(secret), "{secret} in {text}");
        }
        for r in &rs {
            check_subject(&r.subject).unwrap();
        }
        assert_eq!(
            value(&rs, SCOPE_DOMAIN, "montcalme.fr", known::MAIL_STORED_BYTES),
            Some(600.0)
        );
        assert_eq!(
            value(
                &rs,
                SCOPE_ENTITY,
                "Mairie de Montcalme",
                known::MAIL_MAILBOXES
            ),
            Some(2.0)
        );
    }

    #[test]
    fn sent_mail_is_the_growth_of_each_sent_folder_with_drops_as_baselines() {
        let p = privacy(&[]);
        let sent_total = |rs: &[Reading]| {
            (
                value(rs, SCOPE_DOMAIN, "x.fr", known::MAIL_SENT_MESSAGES),
                value(rs, SCOPE_DOMAIN, "x.fr", known::MAIL_SENT_BYTES),
            )
        };
        // First round: baselines.
        let mut t = MailTally::new(&p, at(), None);
        t.add_mailbox("a@x.fr", None, &sent(10, 1000));
        t.add_mailbox("b@x.fr", None, &sent(5, 500));
        let (rs, c1) = t.finish();
        assert_eq!(sent_total(&rs), (Some(0.0), Some(0.0)));
        // a sends 3 (300 bytes); b empties its Sent folder then sends 1: a new baseline.
        let mut t = MailTally::new(&p, at(), Some(&c1));
        t.add_mailbox("a@x.fr", None, &sent(13, 1300));
        t.add_mailbox("b@x.fr", None, &sent(1, 80));
        let (rs, c2) = t.finish();
        assert_eq!(sent_total(&rs), (Some(3.0), Some(300.0)));
        // The same server read again: nothing more, the same readings.
        let mut t = MailTally::new(&p, at(), Some(&c2));
        t.add_mailbox("a@x.fr", None, &sent(13, 1300));
        t.add_mailbox("b@x.fr", None, &sent(1, 80));
        let (again, c3) = t.finish();
        assert_eq!(again, rs);
        assert_eq!(c3, c2);
        // b grows from its new baseline; a cursor of another layout is a fresh start.
        let mut t = MailTally::new(&p, at(), Some(&c3));
        t.add_mailbox("b@x.fr", None, &sent(2, 180));
        assert_eq!(sent_total(&t.finish().0), (Some(4.0), Some(400.0)));
        let mut t = MailTally::new(&p, at(), Some(&Cursor("{\"v\":0}".into())));
        t.add_mailbox("b@x.fr", None, &sent(2, 180));
        assert_eq!(sent_total(&t.finish().0), (Some(0.0), Some(0.0)));
    }

    #[test]
    fn received_mail_is_the_growth_of_each_inbox_uidnext_and_a_new_uidvalidity_a_baseline() {
        let p = privacy(&[("x.fr", "X")]);
        let inbox = |uidvalidity, uidnext| MailboxFigures {
            inbox: Some(InboxUids {
                uidvalidity,
                uidnext,
            }),
            ..Default::default()
        };
        let received = |rs: &[Reading]| {
            (
                value(rs, SCOPE_DOMAIN, "x.fr", known::MAIL_RECEIVED_MESSAGES),
                value(rs, SCOPE_ENTITY, "X", known::MAIL_RECEIVED_MESSAGES),
            )
        };
        let round = |cursor: Option<&Cursor>, boxes: &[(&str, MailboxFigures)]| {
            let mut t = MailTally::new(&p, at(), cursor);
            for (id, f) in boxes {
                t.add_mailbox(id, None, f);
            }
            t.finish()
        };
        // First sight: baselines.
        let (rs, c1) = round(None, &[("a@x.fr", inbox(7, 11)), ("b@x.fr", inbox(9, 1))]);
        assert_eq!(received(&rs), (Some(0.0), Some(0.0)));
        assert!(!c1.0.contains('@'), "{}", c1.0);
        // a gets 4 messages, b 2.
        let (rs, c2) = round(
            Some(&c1),
            &[("a@x.fr", inbox(7, 15)), ("b@x.fr", inbox(9, 3))],
        );
        assert_eq!(received(&rs), (Some(6.0), Some(6.0)));
        // a's INBOX is recreated (UIDVALIDITY 8) and already holds more UIDs than before:
        // a baseline, not 30 - 15; b's UIDNEXT cannot go down, but if a server said so it
        // is a baseline too, never negative.
        let (rs, c3) = round(
            Some(&c2),
            &[("a@x.fr", inbox(8, 30)), ("b@x.fr", inbox(9, 2))],
        );
        assert_eq!(received(&rs), (Some(6.0), Some(6.0)));
        // From the new baselines on.
        let (rs, _) = round(
            Some(&c3),
            &[("a@x.fr", inbox(8, 31)), ("b@x.fr", inbox(9, 4))],
        );
        assert_eq!(received(&rs), (Some(9.0), Some(9.0)));
        // A source that does not say (no INBOX UIDs): no reading, not 0.
        let (rs, _) = round(None, &[("a@x.fr", MailboxFigures::default())]);
        assert_eq!(received(&rs), (None, None));
        // A cursor written before INBOXes were remembered keeps its Sent folders.
        let old = Cursor(
            r#"{"v":1,"sent_folders":{},"sent_totals":{"mail_domain\u001fx.fr":[5,500]}}"#.into(),
        );
        let mut f = inbox(7, 15);
        f.sent = Some(FolderFigures {
            messages: 1,
            bytes: 10,
        });
        let (rs, _) = round(Some(&old), &[("a@x.fr", f)]);
        assert_eq!(
            value(&rs, SCOPE_DOMAIN, "x.fr", known::MAIL_SENT_MESSAGES),
            Some(5.0)
        );
        assert_eq!(received(&rs).0, Some(0.0));
    }

    #[test]
    fn the_hash_is_keyed_stable_and_blind_to_case() {
        let a = MailAddress::parse("Alice@X.fr", None).unwrap();
        let b = MailAddress::parse(" alice@x.fr ", None).unwrap();
        let p1 = privacy(&[]);
        assert_eq!(p1.place(&a), p1.place(&b));
        let other = MailPrivacy::new(
            &MailKey::new(SecretString::from("z".repeat(40))).unwrap(),
            EntityMap::default(),
        );
        assert_ne!(p1.place(&a).hash, other.place(&a).hash);
        let place = p1.place(&a);
        assert_eq!(place.hash.len(), HASH_HEX_CHARS);
        assert!(place.hash.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_most_specific_entity_rule_wins_whatever_the_order() {
        let rules = [
            ("*.ecoles.fr", "Écoles"),
            ("valdebrume.fr", "SIN"),
            ("ccas-*@valdebrume.fr", "CCAS"),
            ("*", "Autres"),
        ];
        let mut reversed = rules;
        reversed.reverse();
        for r in [&rules[..], &reversed[..]] {
            let m = EntityMap::new(r).unwrap();
            let e = |id: &str| {
                m.entity_of(&MailAddress::parse(id, None).unwrap())
                    .to_string()
            };
            assert_eq!(e("ccas-accueil@valdebrume.fr"), "CCAS");
            assert_eq!(e("maire@valdebrume.fr"), "SIN");
            assert_eq!(e("dir@jaures.ecoles.fr"), "Écoles");
            assert_eq!(e("x@elsewhere.org"), "Autres");
        }
        let none = EntityMap::new(&[("valdebrume.fr", "SIN")]).unwrap();
        assert_eq!(
            none.entity_of(&MailAddress::parse("a@b.fr", None).unwrap()),
            UNASSIGNED
        );
    }

    #[test]
    fn a_mailbox_counts_once_and_unreadable_identifiers_are_skipped() {
        let p = privacy(&[]);
        let mut t = MailTally::new(&p, at(), None);
        let f = MailboxFigures::default();
        assert!(t.add_mailbox("a@x.fr", None, &f));
        assert!(!t.add_mailbox("A@X.FR", None, &f));
        assert!(!t.add_mailbox("  ", None, &f));
        assert!(!t.add_mailbox("a@x y", None, &f));
        assert_eq!((t.mailboxes(), t.skipped()), (1, 2));
        assert!(t.add_mailbox("root", None, &f));
        let rs = t.finish().0;
        assert_eq!(
            value(&rs, SCOPE_DOMAIN, NO_DOMAIN, known::MAIL_MAILBOXES),
            Some(1.0)
        );
        // What no mailbox reported is absent, not 0.
        assert_eq!(
            value(&rs, SCOPE_DOMAIN, "x.fr", known::MAIL_STORED_BYTES),
            None
        );
    }

    #[test]
    fn day_traffic_is_dated_by_its_day() {
        let p = privacy(&[]);
        let mut t = MailTally::new(&p, at(), None);
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let d = DayTraffic {
            sent_messages: Some(4),
            ..Default::default()
        };
        t.add_day("a@x.fr", None, day, &d);
        t.add_day("b@x.fr", None, day, &d);
        let rs = t.finish().0;
        let r = rs
            .iter()
            .find(|r| {
                r.quantity == known::MAIL_DAY_SENT_MESSAGES.name
                    && r.subject.scope() == SCOPE_DOMAIN
            })
            .unwrap();
        assert_eq!(r.value, 8.0);
        assert_eq!(r.at.to_rfc3339(), "2026-12-05T00:00:00+00:00");
        assert!(
            !rs.iter()
                .any(|r| r.quantity == known::MAIL_DAY_RECEIVED_MESSAGES.name)
        );
    }

    #[test]
    fn folders_are_told_apart_by_flag_or_name() {
        assert_eq!(
            FolderRole::from_special_use("\\Sent"),
            Some(FolderRole::Sent)
        );
        assert_eq!(
            FolderRole::from_name("INBOX.Trash"),
            Some(FolderRole::Trash)
        );
        assert_eq!(
            FolderRole::from_name("Éléments envoyés"),
            Some(FolderRole::Sent)
        );
        assert_eq!(FolderRole::from_name("Spam"), Some(FolderRole::Junk));
        assert_eq!(FolderRole::from_name("Archives"), None);
        let mut f = MailboxFigures::default();
        f.add_folder(
            None,
            FolderFigures {
                messages: 2,
                bytes: 20,
            },
        );
        f.add_folder(
            Some(FolderRole::Sent),
            FolderFigures {
                messages: 1,
                bytes: 5,
            },
        );
        assert_eq!(
            f.stored,
            Some(FolderFigures {
                messages: 3,
                bytes: 25
            })
        );
        assert_eq!(
            f.sent,
            Some(FolderFigures {
                messages: 1,
                bytes: 5
            })
        );
    }

    #[test]
    fn the_core_refuses_subjects_that_could_name_a_person() {
        let s = |scope: &str, key: &str| Subject::Aggregate {
            scope: scope.into(),
            key: key.into(),
        };
        assert!(check_subject(&s(SCOPE_DOMAIN, "alice@x.fr")).is_err());
        assert!(check_subject(&s("mailbox", "0123 x.fr SIN")).is_err());
        assert!(check_subject(&s("user", "alice")).is_err());
        assert!(check_subject(&s(SCOPE_ENTITY, "Mairie")).is_ok());
    }

    #[test]
    fn the_mail_section_reports_a_short_key_and_a_bad_rule_with_their_keys() {
        let v = json!({
            "hash_key": "short",
            "entities": {"a b": "X", "ok.fr": "OK", "empty.fr": ""}
        });
        let mut p = Params::new("mail", v.as_object().unwrap().clone());
        let s = MailSettings::from_params(&mut p);
        let issues = p.finish();
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        assert!(keys.contains(&"mail.hash_key"), "{keys:?}");
        assert!(keys.contains(&"mail.entities.a b"), "{keys:?}");
        assert!(keys.contains(&"mail.entities.empty.fr"), "{keys:?}");
        assert!(s.hash_key.is_none());
        assert!(!format!("{issues:?}").contains("short"));
        let good = json!({"hash_key": "s".repeat(40), "entities": {"ok.fr": "OK"}});
        let mut p = Params::new("mail", good.as_object().unwrap().clone());
        let s = MailSettings::from_params(&mut p);
        assert!(p.finish().is_empty());
        assert!(!s.render().contains("sss"));
        assert!(
            !format!(
                "{:?}",
                MailPrivacy::new(s.hash_key.as_ref().unwrap(), s.entities)
            )
            .contains("sss")
        );
    }

    #[test]
    fn generated_keys_differ_and_are_long_enough() {
        let (a, b) = (MailKey::generate().unwrap(), MailKey::generate().unwrap());
        assert_ne!(a.expose(), b.expose());
        assert!(MailKey::new(SecretString::from(a.expose().to_string())).is_ok());
    }
}
