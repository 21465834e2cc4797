//! Progress of `sync --once`: a bar on a terminal, a plain line every few seconds otherwise
//! (logs, CI).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A progress bar on a terminal, a line every few seconds otherwise.
pub(super) struct ProgressOut {
    name: String,
    bar: Option<indicatif::ProgressBar>,
    last_line: Instant,
}

impl ProgressOut {
    pub(super) fn new(name: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{prefix} [{bar:40}] {pos}/{len} records ({per_sec}, {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.set_prefix(name.to_string());
            b
        });
        ProgressOut {
            name: name.to_string(),
            bar,
            last_line: Instant::now(),
        }
    }

    pub(super) fn update(&mut self, done: u64, total: Option<u64>) {
        match &self.bar {
            Some(b) => {
                if let Some(t) = total {
                    b.set_length(t.max(done));
                }
                b.set_position(done);
            }
            None if self.last_line.elapsed() >= Duration::from_secs(2) => {
                self.last_line = Instant::now();
                match total {
                    Some(t) => eprintln!("{}: {done}/{t} records", self.name),
                    None => eprintln!("{}: {done} records", self.name),
                }
            }
            None => {}
        }
    }

    pub(super) fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}
