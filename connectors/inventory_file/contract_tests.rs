//! The inventory file connector against files written by its fake: every dialect and format
//! a DSI exports, the sync's life (unchanged, modified, changed under a sync), the rows it
//! leaves out, and every way a file is wrong.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use parcd_fakes::inventory_file::{
    CsvOptions, Dialect, Fleet, FleetSpec, TextEncoding, XlsxOptions,
};
use serde_json::json;

use super::{InventoryFileConnector, InventoryFileParams};
use crate::params::Params;
use crate::record::AssetRecord;
use crate::{Connector, ConnectorError, Cursor, ErrorType, Page, PollRequest, SyncMode};

fn fleet(devices: usize) -> Fleet {
    Fleet::generate(&FleetSpec { devices, seed: 21 })
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn params(path: &Path, extra: serde_json::Value) -> InventoryFileParams {
    let mut table = json!({"path": path.to_str().unwrap(), "page_size": 100});
    for (k, v) in extra.as_object().unwrap() {
        table[k] = v.clone();
    }
    let mut p = Params::new("sources[0]", table.as_object().unwrap().clone());
    let params = InventoryFileParams::from_params(&mut p).expect("valid params");
    let issues = p.finish();
    assert!(issues.is_empty(), "{issues:?}");
    params
}

fn connector(path: &Path, extra: serde_json::Value) -> InventoryFileConnector {
    InventoryFileConnector::new(params(path, extra))
}

async fn poll(c: &InventoryFileConnector, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
    c.poll(PollRequest {
        mode: SyncMode::Full,
        cursor,
        inventory: &[],
    })
    .await
}

async fn sync(
    c: &InventoryFileConnector,
    cursor: Option<Cursor>,
) -> Result<(Vec<Page>, Cursor), ConnectorError> {
    crate::framework::conformance::sync(c, SyncMode::Full, cursor, 10_000)
        .await
        .map(|(read, cursor)| (read.pages, cursor))
}

fn records(pages: &[Page]) -> Vec<&AssetRecord> {
    pages.iter().flat_map(|p| p.records.iter()).collect()
}

/// The file's record count is the hint from the page where the parse reached the file's
/// end (the last page at the latest): a page before has none, never a wrong one.
fn assert_hint(pages: &[Page], records: u64) {
    assert_eq!(pages.last().and_then(|p| p.total_hint), Some(records));
    let known = pages.iter().position(|p| p.total_hint.is_some()).unwrap();
    assert!(pages[..known].iter().all(|p| p.total_hint.is_none()));
    assert!(pages[known..].iter().all(|p| p.total_hint == Some(records)));
}

/// Every device of `fleet` is a record with its fields, class and phase.
fn assert_reads_the_fleet(pages: &[Page], fleet: &Fleet) {
    let recs = records(pages);
    assert_eq!(recs.len(), fleet.devices.len());
    assert_eq!(pages.iter().map(|p| p.rejected).sum::<u64>(), 0);
    assert_hint(pages, fleet.devices.len() as u64);
    let by_id: HashMap<&str, &AssetRecord> =
        recs.iter().map(|r| (r.external_id.as_str(), *r)).collect();
    assert_eq!(by_id.len(), recs.len(), "no device twice");
    let mut refurbished = 0;
    for d in &fleet.devices {
        let r = by_id[d.external_id()];
        let id = d.external_id();
        assert_eq!(r.inventory_number.as_deref(), Some(id));
        assert_eq!(r.serial, d.serial, "{id}");
        assert_eq!(r.name, d.name, "{id}");
        assert_eq!(r.type_name.as_deref(), Some(d.category.as_str()), "{id}");
        assert_eq!(
            r.manufacturer.as_deref(),
            Some(d.manufacturer.as_str()),
            "{id}"
        );
        assert_eq!(r.model.as_deref(), Some(d.model.as_str()), "{id}");
        assert_eq!(r.entity.as_deref(), Some(d.entity.as_str()), "{id}");
        assert_eq!(r.location.as_deref(), Some(d.site.as_str()), "{id}");
        assert_eq!(
            r.status,
            Some(d.status.clone()).filter(|s| !s.is_empty()),
            "{id}"
        );
        assert_eq!(r.phase.as_str(), d.phase(), "{id} {:?}", d.status);
        assert!(r.status_mapped, "{id}");
        assert_eq!(r.class.as_str(), d.class(), "{id} {:?}", d.category);
        let p = r.purchase.clone().unwrap_or_default();
        assert_eq!(p.buy_date, d.purchase_date, "{id}");
        assert_eq!(p.amount_cents, d.amount_cents, "{id}");
        assert_eq!(p.amount_unreadable, None, "{id}");
        let mut comment: Vec<&str> = Vec::new();
        if d.refurbished {
            refurbished += 1;
            comment.push("Reconditionné: Oui");
        }
        comment.extend(d.comment.as_deref());
        let comment = (!comment.is_empty()).then(|| comment.join("\n"));
        assert_eq!(p.comment, comment, "{id}");
        if let Some(user) = &d.user {
            let text = serde_json::to_string(r).unwrap();
            assert!(!text.contains(user.as_str()), "the user is read: {text}");
        }
    }
    assert!(refurbished > 0, "the fleet has refurbished devices");
}

#[tokio::test]
async fn the_inventory_file_connector_passes_the_conformance_harness() {
    let dir = tempfile::tempdir().unwrap();
    let f = fleet(250);
    let good = params(
        &write(dir.path(), "parc.csv", &f.to_csv(&CsvOptions::default())),
        json!({}),
    );
    let gone_path = write(dir.path(), "parti.csv", &f.to_csv(&CsvOptions::default()));
    let gone = params(&gone_path, json!({}));
    std::fs::remove_file(&gone_path).unwrap();
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend([0; 504]);
    let xls = params(&write(dir.path(), "parc.xls", &ole), json!({}));
    let header_only = params(
        &write(
            dir.path(),
            "vide.csv",
            "N° d'inventaire;Catégorie\r\n".as_bytes(),
        ),
        json!({}),
    );
    crate::framework::conformance::assert_conformance(crate::framework::conformance::Case {
        good: &good,
        failing: vec![
            (&gone, ErrorType::Connect),
            (&xls, ErrorType::Protocol),
            (&header_only, ErrorType::Protocol),
        ],
        secrets: vec![],
    })
    .await;
}

#[tokio::test]
async fn a_french_semicolon_windows_1252_csv_reads_every_device() {
    let dir = tempfile::tempdir().unwrap();
    let f = fleet(700);
    let bytes = f.to_csv(&CsvOptions {
        encoding: TextEncoding::Windows1252,
        title: Some("Inventaire du parc informatique — Val-de-Brume".into()),
        ..CsvOptions::default()
    });
    let c = connector(&write(dir.path(), "parc.csv", &bytes), json!({}));
    assert!(!c.incremental(), "a file is read whole");
    let (pages, _) = sync(&c, None).await.unwrap();
    assert_eq!(pages.len(), 7, "page_size rows a page");
    assert_reads_the_fleet(&pages, &f);
}

#[tokio::test]
async fn an_english_comma_utf8_bom_csv_reads_every_device() {
    let dir = tempfile::tempdir().unwrap();
    let f = fleet(300);
    let bytes = f.to_csv(&CsvOptions {
        dialect: Dialect::English,
        delimiter: b',',
        encoding: TextEncoding::Utf8Bom,
        title: None,
    });
    let c = connector(&write(dir.path(), "assets.csv", &bytes), json!({}));
    let (pages, _) = sync(&c, None).await.unwrap();
    assert_reads_the_fleet(&pages, &f);
}

#[tokio::test]
async fn a_tab_separated_file_reads_every_device_detected_or_named() {
    let dir = tempfile::tempdir().unwrap();
    let f = fleet(150);
    let bytes = f.to_csv(&CsvOptions {
        delimiter: b'\t',
        ..CsvOptions::default()
    });
    let path = write(dir.path(), "parc.txt", &bytes);
    for extra in [json!({}), json!({"delimiter": "tab", "encoding": "utf-8"})] {
        let (pages, _) = sync(&connector(&path, extra), None).await.unwrap();
        assert_reads_the_fleet(&pages, &f);
    }
}

#[tokio::test]
async fn an_xlsx_with_a_title_and_a_notice_sheet_reads_every_device_with_typed_cells() {
    let dir = tempfile::tempdir().unwrap();
    let f = fleet(400);
    for dialect in [Dialect::French, Dialect::English] {
        let bytes = f
            .to_xlsx(&XlsxOptions {
                dialect,
                sheet: "Matériels".into(),
                sheet_before: Some("Notice".into()),
                title: Some("Inventaire du parc".into()),
            })
            .unwrap();
        let path = write(dir.path(), "parc.xlsx", &bytes);
        for extra in [json!({}), json!({"sheet": "Matériels"})] {
            let (pages, _) = sync(&connector(&path, extra), None).await.unwrap();
            assert_reads_the_fleet(&pages, &f);
        }
    }
    // A workbook saved under another extension is still read as one.
    let bytes = f.to_xlsx(&XlsxOptions::default()).unwrap();
    let (pages, _) = sync(
        &connector(&write(dir.path(), "parc.dat", &bytes), json!({})),
        None,
    )
    .await
    .unwrap();
    assert_reads_the_fleet(&pages, &f);
}

#[tokio::test]
async fn an_unchanged_file_gives_an_unchanged_page_and_a_modified_one_new_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fleet(250);
    let path = write(dir.path(), "parc.csv", &f.to_csv(&CsvOptions::default()));
    let c = connector(&path, json!({}));
    let (_, resting) = sync(&c, None).await.unwrap();

    let page = poll(&c, Some(&resting)).await.unwrap();
    assert!(page.done && page.unchanged, "{page:?}");
    assert!(page.records.is_empty());
    assert_eq!(page.cursor, resting);
    // A restarted connector knows it too: the cursor is all it needs.
    let fresh = connector(&path, json!({}));
    assert!(poll(&fresh, Some(&resting)).await.unwrap().unchanged);

    f.devices[3].status = "DEEE".into();
    f.devices.truncate(200);
    f.write_csv(&path, &CsvOptions::default()).unwrap();
    let (pages, rest2) = sync(&c, Some(resting.clone())).await.unwrap();
    assert!(pages.iter().all(|p| !p.unchanged));
    assert_reads_the_fleet(&pages, &f);
    assert_eq!(records(&pages)[3].phase.as_str(), "recycled");
    assert_ne!(rest2, resting);

    // A new mapping reads the unchanged file again.
    let remapped = connector(&path, json!({"status_map": {"DEEE": "destroyed"}}));
    let (pages, _) = sync(&remapped, Some(rest2.clone())).await.unwrap();
    assert_eq!(records(&pages).len(), 200);
    assert_eq!(records(&pages)[3].phase.as_str(), "destroyed");
    // The page size is no mapping: it does not.
    let bigger_pages = connector(&path, json!({"page_size": 1000}));
    assert!(poll(&bigger_pages, Some(&rest2)).await.unwrap().unchanged);
}

#[tokio::test]
async fn a_file_changed_during_a_sync_fails_that_poll_then_is_read_from_its_first_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fleet(250);
    let path = write(dir.path(), "parc.csv", &f.to_csv(&CsvOptions::default()));
    let c = connector(&path, json!({}));
    let first = poll(&c, None).await.unwrap();
    assert_eq!(first.records.len(), 100);
    assert!(!first.done);

    f.devices.remove(0);
    f.devices[0].status = "Vendu".into();
    f.write_csv(&path, &CsvOptions::default()).unwrap();
    let e = poll(&c, Some(&first.cursor)).await.unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Protocol, "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains(path.to_str().unwrap()) && msg.contains("changed during the sync"),
        "{msg}"
    );

    // The core retries with the same cursor: the new version, from its first row.
    let (pages, _) = sync(&c, Some(first.cursor.clone())).await.unwrap();
    assert_eq!(
        records(&pages)[0].external_id,
        f.devices[0].inventory_number
    );
    assert_eq!(records(&pages)[0].phase.as_str(), "reused");
    assert_reads_the_fleet(&pages, &f);
}

#[tokio::test]
async fn rows_without_identity_or_category_and_repeated_identities_are_rejected_page_by_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fleet(250);
    f.devices[10].inventory_number.clear();
    f.devices[20].category = " ".into();
    f.devices[30].inventory_number = f.devices[5].inventory_number.clone();
    f.devices[210].inventory_number = f.devices[5].inventory_number.clone();
    let path = write(dir.path(), "parc.csv", &f.to_csv(&CsvOptions::default()));
    let (pages, _) = sync(&connector(&path, json!({})), None).await.unwrap();
    let rejected: Vec<u64> = pages.iter().map(|p| p.rejected).collect();
    assert_eq!(rejected, vec![3, 0, 1]);
    let recs = records(&pages);
    assert_eq!(recs.len(), 246);
    assert_hint(&pages, 246);
    let kept = recs
        .iter()
        .find(|r| r.external_id == f.devices[5].inventory_number)
        .unwrap();
    assert_eq!(
        kept.serial, f.devices[5].serial,
        "the first row with the id is kept"
    );
}

/// The pages come while the file is parsed; what only the whole file tells still holds:
/// pages of rejected rows wait for a device, and the last row's page is the last page.
#[tokio::test]
async fn pages_of_rejected_rows_wait_for_a_device_and_the_last_page_ends_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fleet(300);
    for d in &mut f.devices[..150] {
        d.category = String::new();
    }
    let path = write(dir.path(), "parc.csv", &f.to_csv(&CsvOptions::default()));
    let (pages, _) = sync(&connector(&path, json!({})), None).await.unwrap();
    let rejected: Vec<u64> = pages.iter().map(|p| p.rejected).collect();
    assert_eq!(
        rejected,
        vec![100, 50, 0],
        "three pages of 100 rows, the last one done"
    );
    assert!(pages[..2].iter().all(|p| !p.done) && pages[2].done);
    assert_eq!(records(&pages).len(), 150);
    assert_eq!(
        records(&pages)[0].external_id,
        f.devices[150].inventory_number
    );
    assert_hint(&pages, 150);

    // A fresh connector resumed in the middle parses again and goes on from the cursor.
    let c = connector(&path, json!({}));
    let (rest, _) = sync(&c, Some(pages[0].cursor.clone())).await.unwrap();
    assert_eq!(
        rest.iter().map(|p| p.rejected).collect::<Vec<_>>(),
        vec![50, 0]
    );
    assert_eq!(records(&rest).len(), 150);
}

#[tokio::test]
async fn configured_columns_and_statuses_override_detection_and_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Code;Genre;Situation administrative;Pôle;Service\r\n\
                A-1;Portable;Au rebut;DSI;Accueil\r\n\
                A-2;Ecran plat;Prêté;DRH;Paie\r\n";
    let path = write(dir.path(), "parc.csv", text.as_bytes());
    let e = poll(&connector(&path, json!({})), None).await.unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Protocol);
    let msg = e.to_string();
    assert!(
        msg.contains("\"Code\", \"Genre\"") || msg.contains("no header row"),
        "{msg}"
    );

    let c = connector(
        &path,
        json!({
            "columns": {"inventory_number": "Code", "category": "Genre",
                        "status": "Situation administrative", "entity": "Pôle"},
            "status_map": {"Au rebut": "recycled", "Prêté": "in_service"},
        }),
    );
    let (pages, _) = sync(&c, None).await.unwrap();
    let recs = records(&pages);
    let got: Vec<(&str, &str, &str, Option<&str>)> = recs
        .iter()
        .map(|r| {
            (
                r.external_id.as_str(),
                r.class.as_str(),
                r.phase.as_str(),
                r.entity.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("A-1", "laptop", "recycled", Some("DSI")),
            ("A-2", "monitor", "in_service", Some("DRH")),
        ]
    );
    assert!(recs.iter().all(|r| r.location.is_none()));
}

async fn failure(path: &Path, extra: serde_json::Value) -> ConnectorError {
    let c = connector(path, extra);
    let e = poll(&c, None).await.expect_err("the poll must fail");
    let check = c.check().await.expect_err("check() must fail too");
    assert_eq!(check.error_type(), e.error_type(), "{check}");
    let msg = e.to_string();
    assert!(
        msg.contains(path.to_str().unwrap()),
        "the message names the file: {msg}"
    );
    e
}

#[tokio::test]
async fn every_broken_file_is_a_protocol_error_naming_the_file_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let f = fleet(30);
    let xlsx = f
        .to_xlsx(&XlsxOptions {
            sheet_before: Some("Notice".into()),
            ..XlsxOptions::default()
        })
        .unwrap();
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend([0; 504]);
    let mut encrypted = ole.clone();
    encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    let mut ods = b"PK\x03\x04".to_vec();
    ods.extend([0; 26]);
    ods.extend(b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet");
    let latin = f.to_csv(&CsvOptions {
        encoding: TextEncoding::Windows1252,
        ..CsvOptions::default()
    });
    let cases: Vec<(&str, Vec<u8>, serde_json::Value, &str)> = vec![
        ("empty.csv", Vec::new(), json!({}), "the file is empty"),
        (
            "header.csv",
            "N° d'inventaire;Catégorie\r\n\r\n".into(),
            json!({}),
            "has no rows under it",
        ),
        (
            "title.csv",
            "Parc informatique\r\nexport;du;jour\r\n1;2;3\r\n".into(),
            json!({}),
            "no header row in the first 10 rows",
        ),
        (
            "nocat.csv",
            "N° d'inventaire;Nom;Statut\r\nA;B;C\r\n".into(),
            json!({}),
            "no category",
        ),
        ("parc.xls", ole, json!({}), "Excel 97-2003"),
        ("protege.xlsx", encrypted, json!({}), "password-protected"),
        ("parc.ods", ods, json!({}), "OpenDocument"),
        (
            "latin.csv",
            latin,
            json!({"encoding": "utf-8"}),
            "not valid UTF-8 (line 1)",
        ),
        (
            "feuille.xlsx",
            xlsx.clone(),
            json!({"sheet": "Inventaire"}),
            "no sheet named \"Inventaire\"; its sheets are: \"Notice\", \"Parc\"",
        ),
        (
            "coupe.xlsx",
            xlsx[..xlsx.len() / 2].to_vec(),
            json!({}),
            "not a readable XLSX workbook",
        ),
        (
            "web.xlsx",
            b"<html><body><table>".to_vec(),
            json!({}),
            "is named .xlsx but holds a web page",
        ),
        (
            "quote.csv",
            "N° d'inventaire;Catégorie;Commentaire\r\nA;Écran;\"ouvert\r\nB;Écran;ok\r\n".into(),
            json!({}),
            "quoted field opened on line 2 is never closed",
        ),
        (
            "rejets.csv",
            "N° d'inventaire;Catégorie\r\n;Écran\r\nA;\r\n".into(),
            json!({}),
            "none of the 2 rows could be read as a device",
        ),
    ];
    for (name, bytes, extra, wanted) in cases {
        let path = write(dir.path(), name, &bytes);
        let e = failure(&path, extra).await;
        assert_eq!(e.error_type(), ErrorType::Protocol, "{name}: {e}");
        assert!(e.to_string().contains(wanted), "{name}: {e}");
    }
}

#[tokio::test]
async fn a_missing_file_is_a_connect_error_and_a_foreign_cursor_a_protocol_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "parc.csv",
        &fleet(10).to_csv(&CsvOptions::default()),
    );
    let c = connector(&path, json!({}));
    let e = poll(&c, Some(&Cursor("{\"watermark\": \"x\"}".into())))
        .await
        .unwrap_err();
    assert_eq!(e.error_type(), ErrorType::Protocol, "{e}");
    assert!(e.to_string().contains(path.to_str().unwrap()), "{e}");
    let (_, resting) = sync(&c, None).await.unwrap();
    // Deleted after the config was read: each poll fails until it is back.
    std::fs::remove_file(&path).unwrap();
    for cursor in [None, Some(&resting)] {
        let e = poll(&c, cursor).await.unwrap_err();
        assert_eq!(e.error_type(), ErrorType::Connect, "{e}");
        assert!(e.to_string().contains(path.to_str().unwrap()), "{e}");
    }
    assert_eq!(
        c.check().await.unwrap_err().error_type(),
        ErrorType::Connect
    );
}

#[test]
fn the_kind_is_registered_and_its_config_issues_come_all_at_once() {
    assert!(crate::known_kinds().contains(&"inventory_file"));
    let mut p = Params::new(
        "sources[3]",
        json!({"path": "/nonexistent/parc.xlsx", "encoding": "ebcdic", "page_size": 200_000,
               "columns": {"owner": "Utilisateur"}})
        .as_object()
        .unwrap()
        .clone(),
    );
    assert!(crate::ConnectorConfig::from_params("inventory_file", &mut p).is_none());
    let keys: Vec<String> = p.finish().into_iter().map(|i| i.key).collect();
    assert_eq!(
        keys,
        vec![
            "sources[3].path",
            "sources[3].encoding",
            "sources[3].page_size",
            "sources[3].columns.owner",
        ]
    );
}
