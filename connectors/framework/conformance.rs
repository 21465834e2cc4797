//! The conformance harness every connector's contract tests run against its fake.
//!
//! It checks what the core relies on, whatever the source: `check()` works; a sync ends;
//! a sync resumes from a stored cursor in a fresh connector (a restart) and reads what an
//! uninterrupted one reads; the same data read twice gives the same page contents; every
//! failure has one of the bounded error types; and no secret appears in an error, in a log
//! line or in what `check-config` prints.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::api::{Connector, Cursor, Page, PollRequest, Role, SyncMode};
use crate::error::{ConnectorError, ErrorType};
use crate::framework::kind::{BuildContext, SourceParams};

/// What a connector's contract tests hand the harness.
pub struct Case<'a> {
    /// Parameters pointing at a running fake holding at least two pages of data.
    pub good: &'a dyn SourceParams,
    /// Parameters that must fail (`check()` and the first poll alike), each with the error
    /// type expected: wrong credentials, a closed port, a missing file…
    pub failing: Vec<(&'a dyn SourceParams, ErrorType)>,
    /// Every secret the parameters above carry: none may appear anywhere.
    pub secrets: Vec<&'a str>,
}

/// Everything one sync read, in order.
#[derive(Debug, Default)]
pub struct SyncRead {
    pub pages: Vec<Page>,
}

impl SyncRead {
    /// The records' ids and the readings' (subject, quantity, time), as a set.
    pub fn keys(&self) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for p in &self.pages {
            for r in &p.records {
                keys.insert(format!("record {}", r.external_id));
            }
            for r in &p.readings {
                keys.insert(format!(
                    "reading {}/{} {} {}",
                    r.subject.scope(),
                    r.subject.key(),
                    r.quantity,
                    r.at.timestamp()
                ));
            }
        }
        keys
    }

    /// The page contents, serialised, sorted: equal when the same data was read.
    pub fn contents(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .pages
            .iter()
            .flat_map(|p| {
                p.records
                    .iter()
                    .map(|r| serde_json::to_string(r).expect("records serialise"))
                    .chain(
                        p.readings
                            .iter()
                            .map(|r| serde_json::to_string(r).expect("readings serialise")),
                    )
            })
            .collect();
        v.sort();
        v
    }
}

/// Polls `c` until its sync ends, from `cursor`; at most `max_pages` pages.
pub async fn sync(
    c: &dyn Connector,
    mode: SyncMode,
    mut cursor: Option<Cursor>,
    max_pages: usize,
) -> Result<(SyncRead, Cursor), ConnectorError> {
    let mut read = SyncRead::default();
    for _ in 0..max_pages {
        let page = c
            .poll(PollRequest {
                mode,
                cursor: cursor.as_ref(),
                inventory: &[],
            })
            .await?;
        cursor = Some(page.cursor.clone());
        let done = page.done;
        read.pages.push(page);
        if done {
            return Ok((read, cursor.expect("set above")));
        }
    }
    panic!("the sync did not end within {max_pages} pages");
}

/// A tracing subscriber writing into a shared buffer, so the harness can read what the
/// connector logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn assert_no_secret(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !s.is_empty() && !text.contains(s),
            "a secret appears in {what}: {text}"
        );
    }
}

/// Runs every check; panics with what failed. Run it on a current-thread runtime (the
/// default of `#[tokio::test]`), so that the connector's log lines are captured.
pub async fn assert_conformance(case: Case<'_>) {
    assert_conformance_in(case, &BuildContext::default()).await
}

/// [`assert_conformance`] for a kind that takes what the core passes in at build time (the
/// mail kinds' privacy context): every connector is built with `ctx`.
pub async fn assert_conformance_in(case: Case<'_>, ctx: &BuildContext) {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let kind = case.good.kind();
    assert!(
        kind.starts_with(|c: char| c.is_ascii_lowercase())
            && kind
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
        "kind {kind:?} is not snake_case"
    );
    let rendered = case.good.render();
    assert_no_secret("check-config's rendering", &rendered, &case.secrets);

    // check() works against the fake.
    let c = case.good.build_in(ctx).expect("the connector builds");
    assert_eq!(
        c.kind(),
        kind,
        "the connector and its parameters name one kind"
    );
    assert_eq!(c.role(), case.good.role());
    c.check().await.expect("check() against the fake");

    // A full sync ends, and reads something.
    let (whole, resting) = sync(c.as_ref(), SyncMode::Full, None, 100_000)
        .await
        .expect("a full sync against the fake");
    assert!(
        whole.pages.len() >= 2,
        "the fake must serve at least two pages, so that resuming is tested (got {})",
        whole.pages.len()
    );
    assert!(!whole.keys().is_empty(), "the full sync read nothing");
    if c.role() == Role::Telemetry {
        assert!(
            whole.pages.iter().all(|p| p.records.is_empty()),
            "a telemetry source returned device records"
        );
    }
    assert!(!resting.0.is_empty() || whole.pages.last().is_some_and(|p| p.done));

    // Resume from the first page's cursor in a fresh connector: the union is the whole.
    let first_cursor = whole.pages[0].cursor.clone();
    let fresh = case.good.build_in(ctx).expect("the connector builds");
    let (rest, _) = sync(fresh.as_ref(), SyncMode::Full, Some(first_cursor), 100_000)
        .await
        .expect("a sync resumed from a stored cursor in a fresh connector");
    let mut resumed = SyncRead {
        pages: vec![whole.pages[0].clone()],
    };
    resumed.pages.extend(rest.pages);
    assert_eq!(
        resumed.keys(),
        whole.keys(),
        "a resumed sync read something else than an uninterrupted one"
    );

    // The same data read twice: the same contents.
    let (again, _) = sync(c.as_ref(), SyncMode::Full, None, 100_000)
        .await
        .expect("a second full sync");
    assert_eq!(
        again.contents(),
        whole.contents(),
        "the same data read twice gave different pages"
    );
    c.close().await;
    fresh.close().await;

    // Failures: a bounded type, no secret.
    for (params, expected) in &case.failing {
        assert_no_secret("check-config's rendering", &params.render(), &case.secrets);
        let c = match params.build_in(ctx) {
            Ok(c) => c,
            Err(e) => {
                assert_eq!(e.error_type(), *expected, "{e}");
                assert_no_secret("an error", &e.to_string(), &case.secrets);
                continue;
            }
        };
        let e = c.check().await.expect_err("check() must fail");
        assert_eq!(e.error_type(), *expected, "check(): {e}");
        assert!(ErrorType::ALL.contains(&e.error_type()));
        assert_no_secret("an error", &format!("{e} {e:?}"), &case.secrets);
        let e = c
            .poll(PollRequest {
                mode: SyncMode::Full,
                cursor: None,
                inventory: &[],
            })
            .await
            .expect_err("a poll must fail");
        assert_eq!(e.error_type(), *expected, "poll(): {e}");
        assert_no_secret("an error", &format!("{e} {e:?}"), &case.secrets);
        c.close().await;
    }

    let logs = String::from_utf8_lossy(&logs.0.lock().expect("log buffer")).into_owned();
    assert_no_secret("the logs", &logs, &case.secrets);
}
