//! The log lines of the current thread, for the contract tests that check what a connector
//! logs (a count, never a person nor a secret).
//!
//! tracing caches each log line's interest the first time any thread reaches it. While a
//! single dispatcher is registered, that interest is asked of the reaching thread's own
//! default only: a test running beside the capturing one, without a subscriber, that reaches
//! a connector's log line first caches it as never logged, for every thread, and the capture
//! misses it. A second dispatcher kept registered for the capture's life makes tracing ask
//! every registered dispatcher instead, the capturing one included.

use std::sync::{Arc, Mutex};

/// Captures the current thread's log lines, at every level, until dropped. Run the code
/// under test on this thread (a current-thread runtime, or the test's own task).
pub struct LogCapture {
    buffer: Buffer,
    _guard: tracing::subscriber::DefaultGuard,
    _second: tracing::Dispatch,
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

impl LogCapture {
    pub fn start() -> LogCapture {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(buffer.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        let second = tracing::Dispatch::new(tracing_subscriber::registry());
        let guard = tracing::subscriber::set_default(subscriber);
        // Log lines reached before, by threads without a subscriber, are asked again.
        tracing::callsite::rebuild_interest_cache();
        LogCapture {
            buffer,
            _guard: guard,
            _second: second,
        }
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.0.lock().expect("log buffer")).into_owned()
    }
}
