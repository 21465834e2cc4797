//! `parcd migrate --from URL --to URL`, run as a process: a store moves from one database
//! to the other with every row and every figure, and nothing is copied into a database that
//! holds data, out of one that is being written, or across schema versions.

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx::Row;

use crate::helpers::{Backend, EmptyDb, Fresh, ParcdProcess, eventually, free_port, parcd, sum};
use crate::on_both_backends;

/// `parcd ARGS…` to its end, without blocking the runtime.
async fn run(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = tokio::process::Command::from(parcd());
    c.args(args).kill_on_drop(true);
    for (k, v) in env {
        c.env(k, v);
    }
    tokio::time::timeout(Duration::from_secs(300), c.output())
        .await
        .expect("parcd finishes within 300 s")
        .expect("parcd starts")
}

fn text(out: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn migrate(from: &str, to: &str) -> std::process::Output {
    run(&["migrate", "--from", from, "--to", to], &[]).await
}

/// parcd's schema on `db`, created by the binary: the test keeps no pool open on the file,
/// which would be a process holding it (sqlx's `Pool::close` can leave a connection that
/// was being returned open).
async fn create_schema(db: &EmptyDb) {
    let out = run(&["migrate"], &[("PARCD__DATABASE__URL", &db.url)]).await;
    assert!(out.status.success(), "{}", text(&out).1);
}

/// One connection of the test's own, closed before the next step.
async fn connect(url: &str) -> sqlx::AnyConnection {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url).await.unwrap()
}

/// Runs each of `statements` on `url`, then closes the connection.
async fn exec(url: &str, statements: &[&str]) {
    use sqlx::Connection;
    let mut c = connect(url).await;
    for sql in statements {
        sqlx::query(sql)
            .execute(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    c.close().await.unwrap();
}

/// The tables of a database, without sqlx's own, as it lists them.
async fn tables(c: &mut sqlx::AnyConnection, backend: Backend) -> Vec<String> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Backend::Postgres => {
            "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = 'public'"
        }
    };
    let mut names: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut *c).await.unwrap();
    names.retain(|n| n != "_sqlx_migrations");
    names.sort();
    names
}

/// Every row of every table, each as `column=value` text, sorted: what both databases
/// must hold alike.
async fn contents(url: &str) -> BTreeMap<String, Vec<String>> {
    use sqlx::Connection;
    let backend = if url.starts_with("sqlite") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    let mut c = connect(url).await;
    let mut out = BTreeMap::new();
    for table in tables(&mut c, backend).await {
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(&mut c)
            .await
            .unwrap();
        let mut lines: Vec<String> = rows
            .iter()
            .map(|r| {
                use sqlx::Column;
                let mut cols: Vec<String> = r
                    .columns()
                    .iter()
                    .map(|col| {
                        let i = col.ordinal();
                        let v = if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
                            format!("{v:?}")
                        } else if let Ok(v) = r.try_get::<Option<f64>, _>(i) {
                            format!("{v:?}")
                        } else {
                            format!("{:?}", r.try_get::<Option<String>, _>(i).unwrap())
                        };
                        format!("{}={v}", col.name())
                    })
                    .collect();
                // Column order may differ where a migration added a column.
                cols.sort();
                cols.join(" ")
            })
            .collect();
        lines.sort();
        out.insert(table, lines);
    }
    c.close().await.unwrap();
    out
}

fn counts(contents: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, usize> {
    contents.iter().map(|(t, r)| (t.clone(), r.len())).collect()
}

/// The figures parcd reports from two databases, each command run on both at once: the
/// fleet indicators, the AGEC figures of the year, and the REEN review, each read with the
/// demo's configuration.
async fn figures(config: &std::path::Path, a: &str, b: &str) -> Vec<(String, String)> {
    let year = chrono::Local::now().format("%Y").to_string();
    let config = config.to_str().unwrap();
    let mut out = Vec::new();
    for args in [
        &["--config", config, "indicators"][..],
        &["--config", config, "agec", "--year", &year][..],
        &[
            "--config", config, "report", "reen", "--year", &year, "--format", "csv",
        ][..],
    ] {
        let (env_a, env_b) = ([("PARCD__DATABASE__URL", a)], [("PARCD__DATABASE__URL", b)]);
        let (oa, ob) = tokio::join!(run(args, &env_a), run(args, &env_b));
        let mut pair = Vec::new();
        for (o, url) in [(oa, a), (ob, b)] {
            let (stdout, stderr) = text(&o);
            assert!(o.status.success(), "{args:?} on {url}: {stderr}");
            assert!(stdout.len() > 100, "{args:?} on {url}: {stdout}");
            pair.push(stdout);
        }
        let b = pair.pop().unwrap();
        out.push((pair.pop().unwrap(), b));
    }
    out
}

/// Where two outputs of the same figures differ beyond what the clock and floating point
/// allow: the same lines (in any order: rows the figures tie on come in each database's
/// order), the same text and integers, and floating-point numbers equal to a millionth (to
/// 1e-6 when smaller, to their last digit when rounded). Ages, amortised footprints and the mail stored over the year move
/// with the clock between two runs, and sums differ in the last digit with the order rows
/// come in; a device or a reading lost would move them by far more.
fn differ(a: &str, b: &str) -> Option<String> {
    if a.lines().count() != b.lines().count() {
        return Some(format!(
            "{} lines, then {}",
            a.lines().count(),
            b.lines().count()
        ));
    }
    let sorted = |t: &str| {
        let mut lines: Vec<String> = t
            .lines()
            .filter(|l| !l.contains("computed_at"))
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    };
    let (a, b) = (sorted(a), sorted(b));
    let number = regex::Regex::new(r"-?\d+(\.\d+)?([eE][-+]?\d+)?").unwrap();
    for (la, lb) in a.iter().zip(&b) {
        let same_text = number.replace_all(la, "#") == number.replace_all(lb, "#");
        let close = number
            .find_iter(la)
            .zip(number.find_iter(lb))
            .all(|(x, y)| {
                let (x, y) = (x.as_str(), y.as_str());
                let float = |s: &str| s.contains(['.', 'e', 'E']);
                if !float(x) && !float(y) {
                    return x == y;
                }
                // A figure rounded for the report moves by its last printed digit.
                let decimals = |s: &str| match s.split_once('.') {
                    Some((_, d)) if !s.contains(['e', 'E']) => d.len() as i32,
                    _ => 16,
                };
                let last_digit = 10f64.powi(-decimals(x).min(decimals(y)));
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                (x - y).abs() <= (1e-6 * x.abs().max(y.abs()).max(1.0)).max(last_digit * 1.001)
            });
        if !same_text || !close {
            return Some(format!("{la}\n{lb}"));
        }
    }
    None
}

/// The other database than `db`'s, new and empty.
async fn other(backend: Backend) -> EmptyDb {
    match backend {
        Backend::Sqlite => EmptyDb::fresh(Backend::Postgres).await,
        Backend::Postgres => EmptyDb::fresh(Backend::Sqlite).await,
    }
}

/// The demo writes its store on `db`'s database (alerts included: a webhook nobody answers
/// keeps its messages queued); the store moves to the other database, SQLite to
/// PostgreSQL or back, with every row and every figure; moving it again is refused.
async fn a_demo_store_moves_with_every_row_and_figure(db: EmptyDb) {
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("extra.toml");
    std::fs::write(
        &extra,
        format!(
            r#"
[headcount]
"Entité racine > SIN Val-de-Brume" = 45

[alerts]
projection_min_days = 0
not_met_min_days = 0

[[alerts.webhooks]]
name = "achats"
url = "http://127.0.0.1:{}/hooks/achats"

[agec]
default_origin = "new"
"#,
            free_port()
        ),
    )
    .unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let config = dir.path().join("parcd-demo.toml");
    let demo = ParcdProcess::spawn(
        &[
            "--config",
            extra.to_str().unwrap(),
            "demo",
            "--assets",
            "300",
            "--change-every",
            "1",
            "--listen",
            &listen,
            "--database",
            &db.url,
            "--config-out",
            config.to_str().unwrap(),
        ],
        port,
    );
    // Every kind of data in: devices, printers' and mailboxes' readings, an alert queued.
    eventually(
        120,
        "the demo stores devices, readings and alerts",
        || async {
            let m = demo.metrics().await;
            sum(&m, "parcd_mail_mailboxes") > 0.0
                && sum(&m, "parcd_printers_responding") > 0.0
                && sum(&m, "parcd_alert_notifications_pending") > 0.0
        },
    )
    .await;
    demo.stop().await;

    let before = contents(&db.url).await;
    for table in [
        "assets",
        "lifecycle_events",
        "purchases",
        "readings",
        "alerts",
        "alert_outbox",
        "sources",
        "poll_runs",
        "mail_hash_key",
    ] {
        assert!(
            before.get(table).is_some_and(|r| !r.is_empty()),
            "the demo left no row in {table}: {:?}",
            counts(&before)
        );
    }
    let target = other(db.backend).await;
    let out = migrate(&db.url, &target.url).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // It prints each table's rows on both sides, as counted by the test.
    for (table, rows) in counts(&before) {
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(table.as_str()))
            .unwrap_or_else(|| panic!("no line for {table}:\n{stdout}"));
        assert_eq!(
            line.split_whitespace().skip(1).collect::<Vec<_>>(),
            [rows.to_string(), rows.to_string()],
            "{stdout}"
        );
    }
    assert!(stdout.contains("every table's rows match"), "{stdout}");

    let after = contents(&target.url).await;
    assert_eq!(counts(&after), counts(&before));
    for (table, rows) in &before {
        assert!(after[table] == *rows, "{table} differs after the move");
    }
    for (original, moved) in figures(&config, &db.url, &target.url).await {
        if let Some(diff) = differ(&moved, &original) {
            panic!("the figures of the moved store differ from the original's: {diff}");
        }
    }

    // A second move into the same database is refused, and changes nothing there.
    let out = migrate(&db.url, &target.url).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    for needle in ["--to", "is not empty", "assets:", "untouched", "Fix:"] {
        assert!(stderr.contains(needle), "missing {needle} in:\n{stderr}");
    }
    assert!(contents(&target.url).await == after, "the target changed");
}

/// A source some process is writing to is refused: on SQLite, any other process holding
/// the file open (a daemon, even idle); on PostgreSQL, a write under way. Nothing is created
/// at the target.
async fn a_source_in_use_is_refused(db: EmptyDb) {
    use sqlx::Connection;
    create_schema(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let target = format!("sqlite://{}", dir.path().join("moved.db").display());
    // The test's connection holds the SQLite file open; on PostgreSQL its transaction holds
    // a write.
    let mut conn = connect(&db.url).await;
    {
        let mut writing = conn.begin().await.unwrap();
        sqlx::query(
            "INSERT INTO sources (name, kind, created_at) VALUES ('glpi', 'glpi', 1700000000)",
        )
        .execute(&mut *writing)
        .await
        .unwrap();
        if db.backend == Backend::Sqlite {
            // Not even a transaction: an idle connection is enough.
            writing.rollback().await.unwrap();
        }
        let out = migrate(&db.url, &target).await;
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
        for needle in ["--from", "in use by another process", "stop it"] {
            assert!(stderr.contains(needle), "missing {needle} in:\n{stderr}");
        }
        assert!(
            !dir.path().join("moved.db").exists(),
            "the target was created"
        );
        // The PostgreSQL transaction is rolled back as it is dropped here.
    }

    // Once the writer is gone, the same command goes through, without its row. An idle
    // session left on PostgreSQL (a replica between two polls?) is said, not refused.
    let idle = match db.backend {
        Backend::Sqlite => {
            conn.close().await.unwrap();
            None
        }
        Backend::Postgres => {
            // The rollback of the dropped transaction goes out with the next statement.
            sqlx::query("SELECT 1").execute(&mut conn).await.unwrap();
            Some(conn)
        }
    };
    let out = migrate(&db.url, &target).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    if let Some(conn) = idle {
        assert!(
            stderr.contains("1 other sessions were connected to --from"),
            "{stderr}"
        );
        conn.close().await.unwrap();
    }
    assert_eq!(counts(&contents(&target).await)["sources"], 0);
}

/// A source at another schema version than the binary's, older or newer, is refused with
/// the way forward; the target stays uncreated.
async fn a_source_of_another_schema_version_is_refused(db: EmptyDb) {
    use sqlx::Connection;
    create_schema(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let target_file = dir.path().join("moved.db");
    let target = format!("sqlite://{}", target_file.display());
    let mut c = connect(&db.url).await;
    let newest: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    // Newer: a migration this binary does not know.
    exec(
        &db.url,
        &[&format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             SELECT 29991231000001, 'from the future', success, checksum, execution_time \
             FROM _sqlx_migrations WHERE version = {newest}"
        )],
    )
    .await;
    let out = migrate(&db.url, &target).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for needle in [
        "--from",
        "does not know (29991231000001",
        "version that wrote it",
    ] {
        assert!(stderr.contains(needle), "missing {needle} in:\n{stderr}");
    }
    // Older: the binary's newest migration not applied.
    exec(
        &db.url,
        &[&format!(
            "DELETE FROM _sqlx_migrations WHERE version >= {newest}"
        )],
    )
    .await;
    let out = migrate(&db.url, &target).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for needle in [
        "--from",
        &format!("lacks this binary's migrations {newest}"),
        "parcd migrate",
    ] {
        assert!(stderr.contains(needle), "missing {needle} in:\n{stderr}");
    }
    assert!(!target_file.exists(), "the target was created");
}

/// The DDL of a table with a generated id on `backend`.
fn id_table(backend: Backend, name: &str) -> String {
    match backend {
        Backend::Sqlite => {
            format!("CREATE TABLE {name} (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT)")
        }
        Backend::Postgres => format!("CREATE TABLE {name} (id BIGSERIAL PRIMARY KEY, note TEXT)"),
    }
}

/// Tables are read from the schema, not from a list: one a later migration would add is
/// copied, its ids kept and its id counter set past those the source handed out; one whose column the copy cannot
/// carry, or that the target lacks, is refused by name before anything is committed.
async fn tables_a_later_migration_adds_are_copied_or_refused_by_name(db: EmptyDb) {
    use sqlx::Connection;
    let backend = db.backend;
    create_schema(&db).await;
    exec(
        &db.url,
        &[
            &id_table(backend, "later_table"),
            "INSERT INTO later_table (id, note) VALUES (3, 'n3'), (7, 'n7'), (42, 'n42')",
            // The source handed out ids up to 50, the last rows since deleted.
            match backend {
                Backend::Sqlite => "UPDATE sqlite_sequence SET seq = 50 WHERE name = 'later_table'",
                Backend::Postgres => {
                    "SELECT setval(pg_get_serial_sequence('later_table', 'id'), 50)"
                }
            },
            "INSERT INTO alert_outbox (id, channel, notice, created_at, idempotency_key) \
             VALUES (9, 'achats', '{}', 1700000000, 'outbox:9')",
        ],
    )
    .await;

    // The target's migrations do not create it: refused by name.
    let target = EmptyDb::fresh(backend).await;
    create_schema(&target).await;
    let out = migrate(&db.url, &target.url).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    for needle in [
        "table later_table cannot be copied",
        "the target's schema after migrations does not",
        "src/store/copy.rs",
    ] {
        assert!(stderr.contains(needle), "missing {needle} in:\n{stderr}");
    }

    // A column of a type the copy does not carry: refused by name, the target still empty.
    let blob = match backend {
        Backend::Sqlite => "BLOB",
        Backend::Postgres => "BYTEA",
    };
    let blob_table = format!("CREATE TABLE later_blob (k TEXT, payload {blob})");
    exec(&db.url, &[&blob_table]).await;
    exec(
        &target.url,
        &[&id_table(backend, "later_table"), &blob_table],
    )
    .await;
    let out = migrate(&db.url, &target.url).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    for needle in [
        "table later_blob cannot be copied".to_string(),
        format!("column payload is declared {}", blob.to_lowercase()),
    ] {
        assert!(
            stderr.to_lowercase().contains(&needle),
            "missing {needle} in:\n{stderr}"
        );
    }
    assert!(
        contents(&target.url).await.values().all(Vec::is_empty),
        "nothing is committed before every table is known"
    );

    // Without it, the later table moves with its ids, and the next id follows them.
    exec(&db.url, &["DROP TABLE later_blob"]).await;
    exec(&target.url, &["DROP TABLE later_blob"]).await;
    let out = migrate(&db.url, &target.url).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("later_table"), "{stdout}");
    assert!(stdout.contains("later_table.id (next 51)"), "{stdout}");
    exec(
        &target.url,
        &["INSERT INTO later_table (note) VALUES ('after the move')"],
    )
    .await;
    let mut c = connect(&target.url).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM later_table ORDER BY id")
        .fetch_all(&mut c)
        .await
        .unwrap();
    assert_eq!(
        ids,
        [3, 7, 42, 51],
        "an id the source handed out is not reused"
    );
    let outbox: Vec<i64> = sqlx::query_scalar("SELECT id FROM alert_outbox")
        .fetch_all(&mut c)
        .await
        .unwrap();
    assert_eq!(outbox, [9]);
    c.close().await.unwrap();
}

on_both_backends! {
    demo_store_moves => a_demo_store_moves_with_every_row_and_figure with EmptyDb;
    source_in_use => a_source_in_use_is_refused with EmptyDb;
    source_schema_version => a_source_of_another_schema_version_is_refused with EmptyDb;
    later_tables => tables_a_later_migration_adds_are_copied_or_refused_by_name with EmptyDb;
}

/// Wrong URLs, each named by its option with the fix; nothing is created.
#[tokio::test]
async fn a_wrong_url_names_the_option_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.db");
    let new_file = format!("sqlite://{}", dir.path().join("new.db").display());
    let from_missing = format!("sqlite://{}", missing.display());
    for (from, to, needles) in [
        (
            "sqlite://parcd.db",
            "mysql://root@127.0.0.1/parcd",
            &[
                "--to",
                "is not a database parcd supports",
                "Fix: use sqlite://PATH",
            ][..],
        ),
        (
            from_missing.as_str(),
            new_file.as_str(),
            &[
                "--from",
                "no such SQLite file",
                "Fix: give the file the daemon uses",
            ][..],
        ),
        (
            "postgres://postgres@127.0.0.1:5432/",
            new_file.as_str(),
            &["--from", "names no database", "Fix:"][..],
        ),
        (
            new_file.as_str(),
            new_file.as_str(),
            &[
                "--from and --to name the same database",
                "new, empty database",
            ][..],
        ),
    ] {
        let out = migrate(from, to).await;
        let (stdout, stderr) = text(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{from} {to}: {stdout}\n{stderr}"
        );
        for needle in needles {
            assert!(stderr.contains(needle), "missing {needle} in:\n{stderr}");
        }
    }
    assert!(!missing.exists() && !dir.path().join("new.db").exists());

    // A server that is not there: the option, and what the connection said.
    let source = EmptyDb::fresh(Backend::Sqlite).await;
    create_schema(&source).await;
    let closed = format!("postgres://parcd:s3cret-pw@127.0.0.1:{}/parcd", free_port());
    let out = migrate(&source.url, &closed).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for needle in [
        "--to",
        "unavailable",
        "refused",
        "Fix: give a database that exists",
    ] {
        assert!(stderr.contains(needle), "missing {needle} in:\n{stderr}");
    }
    assert!(
        !stderr.contains("s3cret-pw"),
        "the password leaked: {stderr}"
    );

    // Half a move is a usage error that names the other half.
    let out = run(&["migrate", "--from", &source.url], &[]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--to"), "{stderr}");
}
