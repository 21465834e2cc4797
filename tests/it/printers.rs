//! A printer known to two sources is one device: GLPI inventories it, a real SNMP agent
//! (snmpsimd, on a free 127.0.0.1 port) answers for it, and the daemon stores the agent's
//! page counter as readings joined to GLPI's printer by its serial number, without adding a
//! device or vanishing one.

use parcd::config::Config;
use parcd_fakes::snmp_printers::{Snmpsim, free_udp_port};

use crate::helpers::{
    Daemon, TestDb, config_text, eventually, glpi, glpi_asset_has_reading, metrics_text, sample,
    sum,
};
use crate::on_both_backends;

const PAGES: u64 = 48_213;

/// A mono laser printer at hrDevice 1 with `serial`, having counted `pages`, served by
/// snmpsimd on `port` under the community `parc`.
pub(crate) fn printer_agent(port: u16, serial: &str, pages: u64) -> Snmpsim {
    Snmpsim::start(&[("parc", &printer_data(serial, pages))], port)
}

/// The `.snmprec` data of that printer.
pub(crate) fn printer_data(serial: &str, pages: u64) -> String {
    format!(
        "1.3.6.1.2.1.1.1.0|4|HP LaserJet Pro M404dn\n\
         1.3.6.1.2.1.1.5.0|4|PRN-MAIRIE-01\n\
         1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.5\n\
         1.3.6.1.2.1.25.3.2.1.3.1|4|HP LaserJet Pro M404dn\n\
         1.3.6.1.2.1.25.3.2.1.5.1|2|2\n\
         1.3.6.1.2.1.25.3.5.1.1.1|2|3\n\
         1.3.6.1.2.1.43.5.1.1.17.1|4|{serial}\n\
         1.3.6.1.2.1.43.10.2.1.2.1.1|2|4\n\
         1.3.6.1.2.1.43.10.2.1.3.1.1|2|7\n\
         1.3.6.1.2.1.43.10.2.1.4.1.1|65|{pages}\n"
    )
}

async fn an_snmp_printer_joins_its_glpi_record_by_serial(db: TestDb) {
    let sim = glpi(120).await;
    let (printer, serial, n) = sim.with_fleet(|f| {
        let id = f.ids("Printer")[0];
        let serial = f
            .asset("Printer", id)
            .and_then(|a| a.serial.clone())
            .expect("the fake's printers have serials");
        (id, serial, f.len() as f64)
    });
    let agent = printer_agent(free_udp_port(), &serial, PAGES);
    // snmpsimd indexes its data before it answers; until then the SNMP source fails and
    // is retried, as with any printer that does not answer yet.
    let text = config_text(&db.url, &sim.base_url(), r#"schedule = "* * * * * *""#)
        + &format!(
            r#"
        [[sources]]
        name = "imprimantes"
        kind = "snmp_printers"
        targets = ["127.0.0.1:{port}", "127.0.0.1:{silent}"]
        community = "parc"
        schedule = "* * * * * *"
        jitter_seconds = 0
        retry_initial_seconds = 1
        retry_max_seconds = 2
        "#,
            port = agent.port,
            // Nothing listens there: a printer switched off.
            silent = free_udp_port(),
        );
    let daemon = Daemon::start(Config::from_toml(&text).expect("valid configuration")).await;
    let config = text;
    let base = format!("http://{}", daemon.addr);
    let external_id = format!("Printer/{printer}");
    eventually(
        90,
        "the printer's counter is joined to its GLPI record",
        || {
            glpi_asset_has_reading(&db.store, &external_id, |r| {
                r.quantity == "printed_pages" && r.value == PAGES as f64
            })
        },
    )
    .await;
    let readings = db
        .store
        .readings_of_asset("glpi", &external_id)
        .await
        .unwrap();
    assert!(
        readings.iter().all(|r| r.source == "imprimantes"),
        "{readings:?}"
    );
    assert!(
        readings
            .iter()
            .any(|r| r.quantity == "responding" && r.value == 1.0),
        "{readings:?}"
    );

    // One device, two sources: the SNMP source adds none, and the fleet is GLPI's.
    eventually(30, "the fleet is published", || async {
        sum(&metrics_text(&base).await, "parcd_assets") == n
    })
    .await;
    let text = metrics_text(&base).await;
    assert_eq!(
        sample(&text, r#"parcd_source_up{source="imprimantes"}"#),
        Some(1.0)
    );
    assert!(
        sample(
            &text,
            r#"parcd_source_readings_read_total{source="imprimantes"}"#
        )
        .is_some_and(|v| v >= 1.0),
        "{text}"
    );
    assert_eq!(db.store.asset_totals("imprimantes").await.unwrap(), (0, 0));
    // The round's printers: one answered, the one switched off did not, and the source as a
    // whole is up.
    eventually(30, "the round's printers are counted", || async {
        let t = metrics_text(&base).await;
        sample(&t, r#"parcd_source_devices_polled{source="imprimantes"}"#) == Some(2.0)
            && sample(
                &t,
                r#"parcd_source_devices_responding{source="imprimantes"}"#,
            ) == Some(1.0)
    })
    .await;
    assert_eq!(db.store.asset_totals("glpi").await.unwrap(), (n as i64, 0));
    assert!(!text.contains("community"), "no secret in metrics");

    // Pages printed: the first reading is a baseline; more prints add their pages; a reset
    // (a counter lower than before) adds nothing; the pages after it count again.
    let all = r#"parcd_print_pages_total{colour="all",source="imprimantes"}"#;
    assert_eq!(sample(&text, all), Some(0.0), "a baseline prints nothing");
    let port = agent.port;
    drop(agent);
    let pages_stored = |value: u64| {
        glpi_asset_has_reading(&db.store, &external_id, move |r| {
            r.quantity == "printed_pages" && r.value == value as f64
        })
    };
    for (counter, printed) in [(PAGES + 500, 500.0), (100, 500.0), (160, 560.0)] {
        let agent = printer_agent(port, &serial, counter);
        eventually(60, &format!("the counter at {counter} is read"), || {
            pages_stored(counter)
        })
        .await;
        eventually(30, &format!("{printed} pages printed"), || async {
            sample(&metrics_text(&base).await, all) == Some(printed)
        })
        .await;
        drop(agent);
    }
    assert!(matches!(daemon.stop().await, Some(Ok(()))));

    // A restart goes on from the stored readings, not from 0.
    let daemon = Daemon::start(Config::from_toml(&config).expect("valid configuration")).await;
    let base = format!("http://{}", daemon.addr);
    assert_eq!(sample(&metrics_text(&base).await, all), Some(560.0));
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

/// Two sources whose every printer is silent: one whose only target is a port nothing
/// listens on, one whose agent answered and then stopped. Each round stores the printers'
/// `responding = 0` (and nothing else), so the printing figures show them not answering,
/// while the source counts as failed, with its error type.
async fn a_round_where_no_printer_answers_stores_them_silent_and_fails_the_source(db: TestDb) {
    let agent = printer_agent(free_udp_port(), "SN-ARRET-0001", 1_000);
    let closed = free_udp_port();
    let source = |name: &str, port: u16| {
        format!(
            r#"
        [[sources]]
        name = "{name}"
        kind = "snmp_printers"
        targets = ["127.0.0.1:{port}"]
        community = "parc"
        timeout_ms = 300
        retries = 0
        schedule = "* * * * * *"
        jitter_seconds = 0
        retry_initial_seconds = 1
        retry_max_seconds = 1
        "#
        )
    };
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[database]\nurl = \"{}\"\n{}{}",
        db.url,
        source("eteinte", closed),
        source("arretee", agent.port)
    );
    let daemon = Daemon::start(Config::from_toml(&text).expect("valid configuration")).await;
    let base = format!("http://{}", daemon.addr);
    let responding = r#"parcd_printers_responding{class="printer",entity="unassigned"}"#;
    let printers = r#"parcd_printers{class="printer",entity="unassigned"}"#;
    eventually(90, "the stopping printer answers", || async {
        sample(&metrics_text(&base).await, responding) == Some(1.0)
    })
    .await;
    let up = |name: &str| format!(r#"parcd_source_up{{source="{name}"}}"#);
    assert_eq!(
        sample(&metrics_text(&base).await, &up("arretee")),
        Some(1.0)
    );

    // The port nothing listens on: the round stores its silence and fails as `connect`.
    let silent_stored = |source: &'static str, subject: String| {
        let store = db.store.clone();
        async move {
            store
                .readings_as_of("responding", i64::MAX)
                .await
                .unwrap()
                .iter()
                .any(|r| r.source == source && r.subject == subject && r.value == 0.0)
        }
    };
    let eteinte = format!("127.0.0.1:{closed}");
    eventually(30, "the closed port's silence is stored", || {
        silent_stored("eteinte", eteinte.clone())
    })
    .await;
    let t = metrics_text(&base).await;
    assert_eq!(sample(&t, &up("eteinte")), Some(0.0), "{t}");
    assert!(
        sample(
            &t,
            r#"parcd_source_errors_total{error_type="connect",source="eteinte"}"#
        )
        .is_some_and(|v| v >= 1.0),
        "{t}"
    );
    assert_eq!(
        sample(&t, r#"parcd_source_devices_polled{source="eteinte"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&t, r#"parcd_source_devices_responding{source="eteinte"}"#),
        Some(0.0)
    );

    // The agent stops: its printer's last reading says it does not answer, and the figures
    // follow, while its page counter stays as last read.
    drop(agent);
    let arretee = format!("127.0.0.1:{}", daemon_port(&text, "arretee"));
    eventually(30, "the stopped printer's silence is stored", || {
        silent_stored("arretee", arretee.clone())
    })
    .await;
    eventually(30, "the printer reads as not answering", || async {
        sample(&metrics_text(&base).await, responding) == Some(0.0)
    })
    .await;
    let t = metrics_text(&base).await;
    assert_eq!(sample(&t, printers), Some(1.0), "{t}");
    assert_eq!(sample(&t, &up("arretee")), Some(0.0), "{t}");
    // A stopped agent's port refuses (connect); a printer switched off never answers
    // (timeout): either is the source's error.
    let errors: f64 = ["connect", "timeout"]
        .iter()
        .filter_map(|e| {
            sample(
                &t,
                &format!(r#"parcd_source_errors_total{{error_type="{e}",source="arretee"}}"#),
            )
        })
        .sum();
    assert!(errors >= 1.0, "{t}");
    // A silent round stores its `responding = 0` and nothing else: the printer's other
    // quantities stop at its last answer.
    let series = |quantity: &'static str| {
        let store = db.store.clone();
        let arretee = arretee.clone();
        async move {
            store
                .reading_series(quantity, 0, i64::MAX)
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.source == "arretee" && r.subject == arretee)
                .map(|r| (r.at, r.value))
                .collect::<Vec<_>>()
        }
    };
    let answers = series("responding").await;
    let last_answer = answers
        .iter()
        .filter(|(_, v)| *v == 1.0)
        .map(|(at, _)| *at)
        .max();
    let silences = answers.iter().filter(|(_, v)| *v == 0.0).count();
    assert!(last_answer.is_some() && silences >= 1, "{answers:?}");
    for quantity in ["printed_pages", "printer_status", "supply_replacements"] {
        let rows = series(quantity).await;
        assert!(!rows.is_empty(), "{quantity}");
        assert!(
            rows.iter().all(|(at, _)| Some(*at) <= last_answer),
            "{quantity} read after the printer stopped: {rows:?}"
        );
    }
    assert!(
        series("printed_pages")
            .await
            .iter()
            .all(|(_, v)| *v == 1_000.0)
    );
    // A failed round is no success of the source.
    let sources = crate::helpers::get_json(&format!("{base}/api/v1/sources")).await;
    let row = sources
        .as_array()
        .or_else(|| sources["sources"].as_array())
        .and_then(|a| a.iter().find(|s| s["name"] == "eteinte"))
        .cloned()
        .unwrap_or_default();
    assert!(row["last_success_at"].is_null(), "{row}");
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

/// The port of `source`'s only target in `text`.
fn daemon_port(text: &str, source: &str) -> u16 {
    let from = text.find(&format!("name = \"{source}\"")).unwrap();
    let rest = &text[from..];
    let at = rest.find("127.0.0.1:").unwrap() + "127.0.0.1:".len();
    rest[at..]
        .split('"')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap()
}

on_both_backends! {
    snmp_printer_joined => an_snmp_printer_joins_its_glpi_record_by_serial;
    snmp_round_all_silent => a_round_where_no_printer_answers_stores_them_silent_and_fails_the_source;
}
