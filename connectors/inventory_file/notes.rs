//! Row warnings of one page: the first few in full, the rest counted.
//!
//! They are collected where the rows are parsed (a blocking thread, where the core's log
//! context does not reach) and logged by `poll()`, so a DSI's 100 000-row export with a bad
//! column gives twenty lines and a count, not a flood.

/// Messages logged in full per page; the others only counted.
pub const LOGGED: usize = 20;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notes {
    kept: Vec<String>,
    more: u64,
}

impl Notes {
    pub fn push(&mut self, message: &str) {
        if self.kept.len() < LOGGED {
            self.kept.push(message.to_string());
        } else {
            self.more += 1;
        }
    }

    /// One warning per kept message, then one with the count of the others.
    pub fn log(&self, file: &str) {
        for message in &self.kept {
            tracing::warn!(file, "{message}");
        }
        if self.more > 0 {
            tracing::warn!(
                file,
                more = self.more,
                "more rows with problems on this page, not listed"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_messages_are_kept_and_the_rest_counted() {
        let mut notes = Notes::default();
        for i in 0..23 {
            notes.push(&format!("row {i}: bad"));
        }
        assert_eq!(notes.kept.len(), LOGGED);
        assert_eq!(notes.kept[19], "row 19: bad");
        assert_eq!(notes.more, 3);
    }
}
