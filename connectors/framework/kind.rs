//! What the registry knows of a kind of source: how to read its keys, and what its
//! validated parameters can do.

use std::fmt;

use crate::api::{Connector, Role};
use crate::error::ConnectorError;
use crate::params::Params;

/// The validated parameters of one source, whatever its kind.
pub trait SourceParams: fmt::Debug + Send + Sync + 'static {
    /// The config `kind`.
    fn kind(&self) -> &'static str;

    /// Whether the source's records make the fleet or it only measures.
    fn role(&self) -> Role;

    /// The kind's keys as `check-config` prints them: TOML lines, every secret written
    /// `"[REDACTED]"`, defaults spelled out.
    fn render(&self) -> String;

    /// The source whose devices this one polls (`inventory_source`), for the configuration
    /// to check that it exists and is an inventory.
    fn inventory_source(&self) -> Option<&str> {
        None
    }

    /// A connector for these parameters. Builds clients, opens nothing yet.
    fn build(&self) -> Result<Box<dyn Connector>, ConnectorError>;

    /// A connector for these parameters and what the core passes in. Kinds that need
    /// nothing of the core keep this default; the mail kinds override it, take
    /// `ctx.mail`, and answer `build()` with `build_in(&BuildContext::default())`, which
    /// fails with a `Config` error (see `framework/mail.rs`).
    fn build_in(&self, ctx: &BuildContext) -> Result<Box<dyn Connector>, ConnectorError> {
        let _ = ctx;
        self.build()
    }
}

/// What the core hands a connector at build time, beyond its own keys: what only the core
/// holds (the store, the core's configuration sections).
#[derive(Debug, Clone, Default)]
pub struct BuildContext {
    /// The mail privacy context (the hash key and the entity map of `[mail]`), for the mail
    /// kinds.
    pub mail: Option<crate::framework::mail::MailPrivacy>,
}

/// One kind of source, as listed in `registry.rs`.
pub struct Kind {
    /// The config `kind`.
    pub name: &'static str,
    /// Reads the kind's own keys from a `[[sources]]` table; `None` when one is wrong (the
    /// issues are in the reader, every one of them, not only the first).
    pub read: fn(&mut Params) -> Option<Box<dyn SourceParams>>,
}

/// A TOML string literal, for `render`.
pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML array of strings, for `render`.
pub fn toml_list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| toml_str(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}
