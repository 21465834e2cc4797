//! The fake's files against what real spreadsheet exports look like.

use std::collections::BTreeSet;

use super::*;

fn fleet(devices: usize) -> Fleet {
    Fleet::generate(&FleetSpec { devices, seed: 3 })
}

#[test]
fn generation_is_deterministic_and_the_mix_is_realistic() {
    let a = fleet(3_000);
    assert_eq!(a, fleet(3_000));
    assert_ne!(
        a,
        Fleet::generate(&FleetSpec {
            devices: 3_000,
            seed: 4
        })
    );
    let ids: BTreeSet<&str> = a.devices.iter().map(Device::external_id).collect();
    assert_eq!(ids.len(), 3_000, "inventory numbers are unique");
    let classes: BTreeSet<&str> = a.devices.iter().map(Device::class).collect();
    for class in [
        "laptop",
        "desktop",
        "monitor",
        "smartphone",
        "tablet",
        "printer",
        "mfp",
        "copier",
        "server",
        "network",
        "thin_client",
        "desk_phone",
        "other",
    ] {
        assert!(classes.contains(class), "no {class}");
    }
    let phases: BTreeSet<&str> = a.devices.iter().map(Device::phase).collect();
    for phase in [
        "ordered",
        "in_stock",
        "in_service",
        "in_repair",
        "retired",
        "reused",
        "recycled",
    ] {
        assert!(phases.contains(phase), "no {phase}");
    }
    let statuses: BTreeSet<&str> = a.devices.iter().map(|d| d.status.as_str()).collect();
    assert!(statuses.contains("Au rebut") && statuses.contains("") && statuses.contains("DEEE"));
    let refurbished = a.devices.iter().filter(|d| d.refurbished).count();
    assert!((200..600).contains(&refurbished), "{refurbished}");
    let dates: Vec<_> = a.devices.iter().filter_map(|d| d.purchase_date).collect();
    let oldest = dates.iter().min().unwrap();
    let newest = dates.iter().max().unwrap();
    assert!(*newest <= generated_on() && (*newest - *oldest).num_days() > 7 * 365);
    assert!(a.devices.iter().any(|d| d.amount_cents.is_none()));
    assert!(
        a.devices
            .iter()
            .any(|d| d.amount_cents.is_some_and(|c| c >= 100_000))
    );
    assert!(a.devices.iter().any(|d| d.user.is_some()));
}

#[test]
fn amounts_and_dates_are_written_the_french_and_the_english_way() {
    let mut d = fleet(1).devices.remove(0);
    d.amount_cents = Some(123_456_789);
    d.purchase_date = chrono::NaiveDate::from_ymd_opt(2024, 3, 5);
    assert_eq!(d.amount_text(Dialect::French), "1\u{a0}234\u{a0}567,89 €");
    assert_eq!(d.amount_text(Dialect::English), "1,234,567.89");
    d.amount_cents = Some(5);
    assert_eq!(d.amount_text(Dialect::French), "0,05 €");
    d.amount_cents = None;
    assert_eq!(d.amount_text(Dialect::English), "");
    assert_eq!(d.date_text(Dialect::French), "05/03/2024");
    assert_eq!(d.date_text(Dialect::English), "2024-03-05");
    assert_eq!(Device::headers(Dialect::French)[0], "N° d'inventaire");
    assert_eq!(
        Device::headers(Dialect::English).len(),
        d.cells(Dialect::English).len()
    );
}

#[test]
fn csv_files_carry_their_title_separator_and_encoding() {
    let f = fleet(50);
    let french = f.to_csv(&CsvOptions {
        encoding: TextEncoding::Windows1252,
        title: Some("Inventaire du parc".into()),
        ..CsvOptions::default()
    });
    assert!(
        french.starts_with(b"Inventaire du parc\r\n\r\nN\xb0 d'inventaire;Num\xe9ro de s\xe9rie;")
    );
    assert!(french.contains(&0xa0), "a no-break space between thousands");
    assert!(
        french.windows(2).any(|w| w == b" \x80"),
        "the euro sign in Windows-1252"
    );
    assert!(std::str::from_utf8(&french).is_err());
    let english = f.to_csv(&CsvOptions {
        dialect: Dialect::English,
        delimiter: b',',
        encoding: TextEncoding::Utf8Bom,
        title: None,
    });
    assert!(english.starts_with(b"\xEF\xBB\xBFAsset tag,Serial number,Name,Category,"));
    let text = std::str::from_utf8(&english).unwrap();
    assert_eq!(
        text.matches("\r\n").count(),
        51,
        "a line break inside a comment is \\n"
    );
    let tab = f.to_csv(&CsvOptions {
        delimiter: b'\t',
        ..CsvOptions::default()
    });
    assert!(tab.starts_with("N° d'inventaire\tNuméro de série\t".as_bytes()));
}

#[test]
fn xlsx_files_are_the_same_bytes_for_the_same_fleet() {
    let f = fleet(200);
    let opts = XlsxOptions {
        sheet_before: Some("Notice".into()),
        title: Some("Inventaire".into()),
        ..XlsxOptions::default()
    };
    let a = f.to_xlsx(&opts).unwrap();
    assert!(a.starts_with(b"PK\x03\x04"));
    assert_eq!(a, f.to_xlsx(&opts).unwrap());
    assert_ne!(a, f.to_xlsx(&XlsxOptions::default()).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parc.xlsx");
    f.write_xlsx(&path, &opts).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), a);
    let bad = f.to_xlsx(&XlsxOptions {
        sheet: "a/b".into(),
        ..XlsxOptions::default()
    });
    assert!(bad.is_err(), "a sheet name Excel refuses");
}
