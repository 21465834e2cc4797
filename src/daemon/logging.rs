//! Logs through `tracing`: human-readable on a terminal, JSON lines for log collectors.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. `RUST_LOG`, when set, overrides `level`.
pub fn init(format: LogFormat, level: &str) {
    // `RUST_LOG=warning` would hide every message, as the same typo in the file would: it is
    // set aside, and said so, rather than obeyed.
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|f| !f.trim().is_empty());
    let from_env = from_env.filter(|f| match crate::config::checks::log_filter(f) {
        None => true,
        Some(c) => {
            eprintln!(
                "parcd: RUST_LOG is set aside: {}; {}; logging at [log] level = \"{level}\"",
                c.problem, c.fix
            );
            false
        }
    });
    let filter = from_env
        .and_then(|f| EnvFilter::try_new(f).ok())
        .or_else(|| EnvFilter::try_new(level).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes would end up in the journal or a log file.
        .with_ansi(std::io::stderr().is_terminal());
    // A second init (tests, demo after check) keeps the first subscriber.
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
