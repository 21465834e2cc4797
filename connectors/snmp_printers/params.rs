//! The keys of a `kind = "snmp_printers"` source: which printers, how to authenticate, how
//! hard to try.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::api::{Connector, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{SourceParams, toml_list, toml_str};
use crate::params::Params;

/// The widest range a target may name: a /24 is 254 printers, about what one office floor
/// or site holds. Wider ranges are mostly empty and slow every round down.
pub const WIDEST_PREFIX: u8 = 24;
/// Every target of a source, ranges expanded. One source per site keeps rounds short.
pub const MAX_TARGETS: usize = 4096;
pub const MAX_CONCURRENCY: u64 = 256;

/// One agent to poll.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// A name or an address, IPv6 without brackets.
    pub host: String,
    pub port: u16,
    /// Named on its own, not found in a range: its silence is worth a warning.
    pub listed: bool,
}

impl Target {
    /// `host:port`, IPv6 in brackets: the subject id of the target's readings.
    pub fn id(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// The SNMPv3 (USM) authentication protocols snmp2 implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthProtocol {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl AuthProtocol {
    const NAMES: &[(&str, AuthProtocol)] = &[
        ("md5", AuthProtocol::Md5),
        ("sha", AuthProtocol::Sha1),
        ("sha1", AuthProtocol::Sha1),
        ("sha224", AuthProtocol::Sha224),
        ("sha256", AuthProtocol::Sha256),
        ("sha384", AuthProtocol::Sha384),
        ("sha512", AuthProtocol::Sha512),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuthProtocol::Md5 => "md5",
            AuthProtocol::Sha1 => "sha",
            AuthProtocol::Sha224 => "sha224",
            AuthProtocol::Sha256 => "sha256",
            AuthProtocol::Sha384 => "sha384",
            AuthProtocol::Sha512 => "sha512",
        }
    }
}

/// The SNMPv3 privacy protocols snmp2 implements (no 3DES).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivProtocol {
    Des,
    Aes128,
    Aes192,
    Aes256,
}

impl PrivProtocol {
    const NAMES: &[(&str, PrivProtocol)] = &[
        ("des", PrivProtocol::Des),
        ("aes", PrivProtocol::Aes128),
        ("aes128", PrivProtocol::Aes128),
        ("aes192", PrivProtocol::Aes192),
        ("aes256", PrivProtocol::Aes256),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PrivProtocol::Des => "des",
            PrivProtocol::Aes128 => "aes",
            PrivProtocol::Aes192 => "aes192",
            PrivProtocol::Aes256 => "aes256",
        }
    }
}

/// RFC 3414's security levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityLevel {
    NoAuthNoPriv,
    AuthNoPriv,
    AuthPriv,
}

impl SecurityLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityLevel::NoAuthNoPriv => "noAuthNoPriv",
            SecurityLevel::AuthNoPriv => "authNoPriv",
            SecurityLevel::AuthPriv => "authPriv",
        }
    }
}

/// The `[sources.v3]` table.
#[derive(Debug, Clone)]
pub struct V3 {
    pub user: String,
    pub level: SecurityLevel,
    pub auth_protocol: AuthProtocol,
    pub auth_password: Option<SecretString>,
    pub priv_protocol: PrivProtocol,
    pub priv_password: Option<SecretString>,
    /// The SNMPv3 context; empty for most printers (snmpsim names its data files by it).
    pub context: String,
}

/// How parcd proves itself to the printers.
#[derive(Debug, Clone)]
pub enum Credentials {
    V2c { community: SecretString },
    V3(V3),
}

/// Validated parameters of an SNMP printers source.
#[derive(Debug, Clone)]
pub struct SnmpPrintersParams {
    /// As written, for `check-config`.
    pub targets_written: Vec<String>,
    /// Every agent, ranges expanded, sorted, each once.
    pub targets: Vec<Target>,
    pub credentials: Credentials,
    /// One request's wait for its answer.
    pub timeout: Duration,
    /// Requests sent again after a timeout: a dead printer costs `timeout × (retries + 1)`.
    pub retries: u32,
    /// Printers polled at once; as many targets silent in the last round beside them.
    pub concurrency: usize,
    /// The port of every target that names none, and of the inventory's printers.
    pub port: u16,
    /// The inventory source whose printers are polled too, at the addresses it records.
    pub inventory_source: Option<String>,
}

/// The USM minimum (RFC 3414 §11.2): net-snmp and most printers refuse shorter passwords.
const MIN_PASSWORD: usize = 8;

impl SnmpPrintersParams {
    /// Reads the keys of one `[[sources]]` table. Returns `None` when a key is wrong; every
    /// issue is recorded in `p`.
    pub fn from_params(p: &mut Params) -> Option<SnmpPrintersParams> {
        let port = p.u64_in("port", 161, 1, u64::from(u16::MAX)) as u16;
        let targets_written = p.string_list("targets").unwrap_or_default();
        // That it names an inventory source of the file is checked with the other sources.
        let inventory_source = p.string("inventory_source");
        let targets = read_targets(p, &targets_written, port, inventory_source.is_some());
        let community_given = ["community", "community_file", "community_env"]
            .iter()
            .any(|k| p.has(k));
        let community = p.secret("community");
        let v3 = p.table("v3").map(|mut t| {
            let v3 = read_v3(&mut t);
            let issues = t.finish();
            let ok = issues.is_empty();
            p.absorb(issues);
            v3.filter(|_| ok)
        });
        let credentials = match (community_given, v3) {
            (true, Some(_)) => {
                p.issue(
                    "community",
                    "is given beside a [v3] table",
                    "keep the community for SNMPv2c or the [v3] table for SNMPv3, not both",
                );
                None
            }
            (false, None) => {
                p.issue(
                    "community",
                    "no community and no [v3] table",
                    "set community_file (or community_env) to the printers' read-only \
                     community, or add a [v3] table with user and passwords",
                );
                None
            }
            (true, None) => community.map(|community| Credentials::V2c { community }),
            (false, Some(v3)) => v3.map(Credentials::V3),
        };
        let timeout = Duration::from_millis(p.u64_in("timeout_ms", 1000, 50, 60_000));
        let retries = p.u64_in("retries", 1, 0, 5) as u32;
        let concurrency = p.u64_in("concurrency", 32, 1, MAX_CONCURRENCY) as usize;
        Some(SnmpPrintersParams {
            targets_written,
            targets: targets?,
            credentials: credentials?,
            timeout,
            retries,
            concurrency,
            port,
            inventory_source,
        })
    }

    /// The longest a silent printer holds its slot: every try waits the whole timeout.
    pub fn dead_target_cost(&self) -> Duration {
        self.timeout * (self.retries + 1)
    }
}

fn read_targets(
    p: &mut Params,
    written: &[String],
    port: u16,
    from_inventory: bool,
) -> Option<Vec<Target>> {
    if written.is_empty() && !from_inventory {
        p.issue(
            "targets",
            "no printer to poll",
            "list the printers, e.g. targets = [\"10.1.2.0/24\", \"prn-floor2.example.org\", \
             \"10.1.3.7:1161\"], or poll an inventory's printers with inventory_source = \
             \"NAME\"",
        );
        return None;
    }
    // An address both listed and in a range is listed.
    let mut all: BTreeMap<(String, u16), bool> = BTreeMap::new();
    let mut ok = true;
    for t in written {
        match parse_target(t.trim(), port) {
            Ok(found) => {
                for t in found {
                    *all.entry((t.host, t.port)).or_default() |= t.listed;
                }
            }
            Err((problem, fix)) => {
                ok = false;
                p.issue("targets", format!("\"{t}\": {problem}"), fix);
            }
        }
    }
    if all.len() > MAX_TARGETS {
        p.issue(
            "targets",
            format!("{} printers once ranges are expanded", all.len()),
            format!("split them into sources of at most {MAX_TARGETS} (one per site)"),
        );
        return None;
    }
    ok.then(|| {
        all.into_iter()
            .map(|((host, port), listed)| Target { host, port, listed })
            .collect()
    })
}

type Refusal = (String, String);

/// A `host`, `host:port`, `[v6]:port` or IPv4 `a.b.c.d/n` range.
pub fn parse_target(t: &str, default_port: u16) -> Result<Vec<Target>, Refusal> {
    if t.is_empty() {
        return Err((
            "is empty".into(),
            "remove the empty item from targets".into(),
        ));
    }
    if let Some((net, bits)) = t.split_once('/') {
        return parse_range(net, bits, default_port);
    }
    let (host, port) = split_port(t)?;
    let port = port.unwrap_or(default_port);
    let ip6 = host.contains(':');
    let name_ok = ip6 && host.parse::<std::net::Ipv6Addr>().is_ok()
        || !ip6
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_');
    if !name_ok {
        return Err((
            "is not a host name, an address or a range".into(),
            "write a name or address, optionally with :port, or an IPv4 range such as \
             10.1.2.0/24"
                .into(),
        ));
    }
    Ok(vec![Target {
        host: host.to_string(),
        port,
        listed: true,
    }])
}

fn split_port(t: &str) -> Result<(&str, Option<u16>), Refusal> {
    let bad_port = || {
        (
            "has a port that is not a number from 1 to 65535".to_string(),
            "write host:port, e.g. 10.1.3.7:161".to_string(),
        )
    };
    let parse = |s: &str| {
        s.parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(bad_port)
    };
    if let Some(rest) = t.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(|| {
            (
                "opens a bracket it does not close".to_string(),
                "write an IPv6 address as [addr]:port".to_string(),
            )
        })?;
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(parse(port)?))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(bad_port()),
        };
    }
    match t.matches(':').count() {
        0 => Ok((t, None)),
        1 => {
            let (h, port) = t.split_once(':').unwrap_or((t, ""));
            Ok((h, Some(parse(port)?)))
        }
        // A bare IPv6 address: no port.
        _ => Ok((t, None)),
    }
}

fn parse_range(net: &str, bits: &str, port: u16) -> Result<Vec<Target>, Refusal> {
    let (net, port) = match split_port(bits) {
        // `10.0.0.0/24:1161`: the port follows the prefix length.
        Ok((bits_only, Some(p))) => (net, (bits_only, p)),
        _ => (net, (bits, port)),
    };
    let (bits, port) = port;
    let addr: Ipv4Addr = net.parse().map_err(|_| {
        (
            "is not an IPv4 range".to_string(),
            "write a range as a.b.c.d/n (IPv6 ranges are not scanned: list the addresses)"
                .to_string(),
        )
    })?;
    let bits: u8 = bits.parse().ok().filter(|b| *b <= 32).ok_or_else(|| {
        (
            "has a prefix length that is not a number from 24 to 32".to_string(),
            "write a range such as 10.1.2.0/24".to_string(),
        )
    })?;
    if bits < WIDEST_PREFIX {
        return Err((
            format!(
                "is a /{bits}: {} addresses, wider than a /{WIDEST_PREFIX}",
                1u64 << (32 - bits)
            ),
            "split it into /24 ranges that hold printers, or list the printers' addresses".into(),
        ));
    }
    let size = 1u32 << (32 - bits);
    let first = u32::from(addr) & !(size - 1);
    // The network and broadcast addresses of a /30 or wider are no printer's.
    let hosts = if size >= 4 {
        first + 1..first + size - 1
    } else {
        first..first + size
    };
    Ok(hosts
        .map(|a| Target {
            host: Ipv4Addr::from(a).to_string(),
            port,
            listed: false,
        })
        .collect())
}

fn read_v3(t: &mut Params) -> Option<V3> {
    let user = t.required_string(
        "user",
        "set user to the SNMPv3 user name set on the printers",
    );
    let auth_protocol = choice(t, "auth_protocol", AuthProtocol::NAMES, AuthProtocol::Sha1);
    let priv_protocol = choice(
        t,
        "priv_protocol",
        PrivProtocol::NAMES,
        PrivProtocol::Aes128,
    );
    let auth_password = t.secret("auth_password");
    let priv_password = t.secret("priv_password");
    for (key, secret) in [
        ("auth_password", &auth_password),
        ("priv_password", &priv_password),
    ] {
        if secret
            .as_ref()
            .is_some_and(|s| s.expose_secret().chars().count() < MIN_PASSWORD)
        {
            t.issue(
                key,
                format!("is shorter than {MIN_PASSWORD} characters"),
                "SNMPv3 passwords have 8 characters at least (RFC 3414): use the one set on the \
                 printers",
            );
        }
    }
    let derived = match (&auth_password, &priv_password) {
        (Some(_), Some(_)) => SecurityLevel::AuthPriv,
        (Some(_), None) => SecurityLevel::AuthNoPriv,
        _ => SecurityLevel::NoAuthNoPriv,
    };
    let level = match t.string("security_level") {
        None => derived,
        Some(l) => {
            let level = match l.to_ascii_lowercase().as_str() {
                "authpriv" => Some(SecurityLevel::AuthPriv),
                "authnopriv" => Some(SecurityLevel::AuthNoPriv),
                "noauthnopriv" => Some(SecurityLevel::NoAuthNoPriv),
                _ => None,
            };
            match level {
                Some(level) => level,
                None => {
                    t.issue(
                        "security_level",
                        format!("\"{l}\" is not an SNMPv3 security level"),
                        "write authPriv, authNoPriv or noAuthNoPriv",
                    );
                    derived
                }
            }
        }
    };
    let needs_auth = level != SecurityLevel::NoAuthNoPriv;
    if needs_auth && auth_password.is_none() {
        t.issue(
            "auth_password",
            format!("{} needs an authentication password", level.as_str()),
            "set auth_password_file (or auth_password_env)",
        );
    }
    if level == SecurityLevel::AuthPriv && priv_password.is_none() {
        t.issue(
            "priv_password",
            "authPriv needs a privacy password",
            "set priv_password_file (or priv_password_env), or security_level = \"authNoPriv\"",
        );
    }
    let context = t.string_or("context", "");
    Some(V3 {
        user: user?,
        level,
        auth_protocol: auth_protocol?,
        auth_password,
        priv_protocol: priv_protocol?,
        priv_password,
        context,
    })
}

fn choice<T: Copy>(t: &mut Params, key: &str, names: &[(&str, T)], default: T) -> Option<T> {
    let Some(v) = t.string(key) else {
        return Some(default);
    };
    let found = names
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(v.trim()))
        .map(|(_, p)| *p);
    if found.is_none() {
        let known: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        t.issue(
            key,
            format!("\"{v}\" is not a protocol parcd speaks"),
            format!(
                "use one of {} (3DES and others are not implemented by the SNMP library)",
                known.join(", ")
            ),
        );
    }
    found
}

impl SourceParams for SnmpPrintersParams {
    fn kind(&self) -> &'static str {
        super::KIND.name
    }

    fn role(&self) -> Role {
        Role::Telemetry
    }

    fn inventory_source(&self) -> Option<&str> {
        self.inventory_source.as_deref()
    }

    fn render(&self) -> String {
        let mut s = format!(
            "# {} printers once ranges are expanded\ntargets = {}\nport = {}\ntimeout_ms = {}\n\
             retries = {}\nconcurrency = {}\n",
            self.targets.len(),
            toml_list(&self.targets_written),
            self.port,
            self.timeout.as_millis(),
            self.retries,
            self.concurrency,
        );
        if let Some(inventory) = &self.inventory_source {
            s.push_str(&format!("inventory_source = {}\n", toml_str(inventory)));
        }
        match &self.credentials {
            Credentials::V2c { .. } => s.push_str("community = \"[REDACTED]\"\n"),
            Credentials::V3(v3) => {
                s.push_str(&format!(
                    "[v3]\nuser = {}\nsecurity_level = \"{}\"\nauth_protocol = \"{}\"\n\
                     priv_protocol = \"{}\"\ncontext = {}\n",
                    toml_str(&v3.user),
                    v3.level.as_str(),
                    v3.auth_protocol.as_str(),
                    v3.priv_protocol.as_str(),
                    toml_str(&v3.context),
                ));
                if v3.auth_password.is_some() {
                    s.push_str("auth_password = \"[REDACTED]\"\n");
                }
                if v3.priv_password.is_some() {
                    s.push_str("priv_password = \"[REDACTED]\"\n");
                }
            }
        }
        s
    }

    fn build(&self) -> Result<Box<dyn Connector>, ConnectorError> {
        Ok(Box::new(super::SnmpPrintersConnector::new(self.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: serde_json::Value) -> (Option<SnmpPrintersParams>, Vec<crate::params::ParamIssue>) {
        let mut p = Params::new("sources[2]", v.as_object().unwrap().clone());
        let s = SnmpPrintersParams::from_params(&mut p);
        (s, p.finish())
    }

    #[test]
    fn a_minimal_source_gets_the_defaults_and_expands_its_range() {
        let (s, issues) = read(json!({
            "targets": ["10.1.2.0/24", "prn-2.example.org", "10.1.3.7:1161", "10.1.2.9"],
            "community": "public-ish",
        }));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        // 254 hosts of the /24 (10.1.2.9 once), a name, an address on its own port.
        assert_eq!(s.targets.len(), 256);
        assert!(
            s.targets
                .iter()
                .all(|t| t.host != "10.1.2.0" && t.host != "10.1.2.255")
        );
        assert!(s.targets.contains(&Target {
            host: "10.1.3.7".into(),
            port: 1161,
            listed: true,
        }));
        let nine = s.targets.iter().find(|t| t.host == "10.1.2.9").unwrap();
        assert!(nine.listed, "listed and in a range is listed");
        assert!(
            !s.targets
                .iter()
                .find(|t| t.host == "10.1.2.8")
                .unwrap()
                .listed
        );
        assert_eq!(s.timeout, Duration::from_millis(1000));
        assert_eq!(s.retries, 1);
        assert_eq!(s.concurrency, 32);
        assert_eq!(s.port, 161);
        assert_eq!(s.dead_target_cost(), Duration::from_secs(2));
    }

    #[test]
    fn every_mistake_of_a_source_is_reported_with_its_key() {
        let (s, issues) = read(json!({
            "targets": ["10.0.0.0/16", "bad host!", "10.0.0.1:99999"],
            "community": "c",
            "v3": {"auth_protocol": "sha3", "priv_protocol": "3des", "auth_password": "short"},
            "timeout_ms": 0,
            "concurency": 4,
        }));
        assert!(s.is_none());
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        for key in [
            "sources[2].targets",
            "sources[2].v3.user",
            "sources[2].v3.auth_protocol",
            "sources[2].v3.priv_protocol",
            "sources[2].v3.auth_password",
            "sources[2].timeout_ms",
            "sources[2].concurency",
        ] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
        let wide = issues
            .iter()
            .find(|i| i.problem.contains("10.0.0.0/16"))
            .unwrap();
        assert!(wide.problem.contains("65536 addresses"), "{wide:?}");
        assert!(wide.fix.contains("/24"), "{wide:?}");
        assert_eq!(
            keys.iter().filter(|k| **k == "sources[2].targets").count(),
            3
        );
        let typo = issues
            .iter()
            .find(|i| i.key == "sources[2].concurency")
            .unwrap();
        assert!(typo.fix.contains("`concurrency`"), "{typo:?}");
        assert!(issues.iter().all(|i| !i.fix.is_empty()));
    }

    #[test]
    fn a_slash_23_is_one_bit_too_wide_and_a_slash_24_is_read() {
        let (s, issues) = read(json!({"targets": ["10.0.0.0/23"], "community": "c"}));
        assert!(s.is_none());
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].key, "sources[2].targets");
        assert!(issues[0].problem.contains("10.0.0.0/23"), "{:?}", issues[0]);
        assert!(
            issues[0].problem.contains("512 addresses"),
            "{:?}",
            issues[0]
        );
        assert!(issues[0].fix.contains("/24"), "{:?}", issues[0]);
        let (s, issues) = read(json!({"targets": ["10.0.0.0/24"], "community": "c"}));
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(s.unwrap().targets.len(), 254);
    }

    #[test]
    fn an_inventory_source_stands_for_the_targets_and_is_rendered() {
        let (s, issues) = read(json!({"inventory_source": "glpi-main", "community": "c"}));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        assert!(s.targets.is_empty());
        assert_eq!(SourceParams::inventory_source(&s), Some("glpi-main"));
        assert!(s.render().contains("inventory_source = \"glpi-main\"\n"));
        let (s, issues) = read(json!({"community": "c"}));
        assert!(s.is_none());
        assert!(issues[0].fix.contains("inventory_source"), "{issues:?}");
    }

    #[test]
    fn no_credentials_or_both_are_refused() {
        let (s, issues) = read(json!({"targets": ["10.0.0.1"]}));
        assert!(s.is_none());
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(issues[0].fix.contains("[v3]"), "{issues:?}");
        let (s, issues) = read(json!({
            "targets": ["10.0.0.1"], "community": "c",
            "v3": {"user": "u", "auth_password": "12345678"},
        }));
        assert!(s.is_none());
        assert!(issues[0].problem.contains("[v3]"), "{issues:?}");
    }

    #[test]
    fn v3_secrets_never_show_and_the_level_follows_the_passwords() {
        let (s, issues) = read(json!({
            "targets": ["[::1]:1162"],
            "v3": {"user": "dsi", "auth_password": "auth-secret-77", "auth_protocol": "SHA256",
                   "priv_password": "priv-secret-88", "priv_protocol": "aes256"},
        }));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        assert_eq!(s.targets[0].id(), "[::1]:1162");
        let Credentials::V3(v3) = &s.credentials else {
            panic!("v3 expected")
        };
        assert_eq!(v3.level, SecurityLevel::AuthPriv);
        assert_eq!(v3.auth_protocol, AuthProtocol::Sha256);
        assert_eq!(v3.priv_protocol, PrivProtocol::Aes256);
        let text = s.render();
        for secret in ["auth-secret-77", "priv-secret-88"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("auth_password = \"[REDACTED]\""), "{text}");
        assert!(text.contains("security_level = \"authPriv\""), "{text}");
    }

    #[test]
    fn the_community_comes_from_a_file_and_never_shows() {
        let path =
            std::env::temp_dir().join(format!("parcd-snmp-community-{}", std::process::id()));
        std::fs::write(&path, "env-community-51\n").unwrap();
        let (s, issues) = read(json!({
            "targets": ["127.0.0.1"], "community_file": path.to_str().unwrap(),
        }));
        std::fs::remove_file(&path).unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        let Credentials::V2c { community } = &s.credentials else {
            panic!("v2c expected")
        };
        assert_eq!(community.expose_secret(), "env-community-51");
        let text = s.render();
        assert!(!text.contains("env-community-51"), "{text}");
        assert!(text.contains("community = \"[REDACTED]\""), "{text}");
    }

    #[test]
    fn ranges_keep_their_port_and_small_ranges_keep_every_address() {
        let t = parse_target("192.168.5.4/31:1161", 161).unwrap();
        assert_eq!(
            t.iter().map(Target::id).collect::<Vec<_>>(),
            ["192.168.5.4:1161", "192.168.5.5:1161"]
        );
        assert_eq!(
            parse_target("192.168.5.77/32", 161).unwrap()[0].id(),
            "192.168.5.77:161"
        );
        assert!(parse_target("fe80::/120", 161).is_err());
    }
}
