//! The embedded database on a disk that fills up: a small filesystem of its own (tmpfs,
//! mounted by the test; the tests run as root in CI) holds the SQLite file. At start parcd
//! says at once that the disk is full; during a run a write that does not fit fails that
//! sync only, the stored fleet stays whole and served, and the next sync after space is
//! freed stores the change.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::helpers::{ParcdProcess, config_text, eventually, free_port, glpi, parcd, sample, sum};

/// A tmpfs of `kib` KiB, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(kib: u64) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs and needs root (CI runs as root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills what is left with a file, `fill`.
    fn fill(&self) -> PathBuf {
        let fill = self.path().join("fill");
        // dd stops with "No space left on device", which is the point.
        let _ = Command::new("dd")
            .args(["if=/dev/zero", "bs=4k"])
            .arg(format!("of={}", fill.display()))
            .stderr(Stdio::null())
            .status();
        fill
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_said_at_start_and_survived_during_a_run() {
    let disk = SmallDisk::mount(8 * 1024);
    let url = format!("sqlite://{}", disk.path().join("parcd.db").display());

    // At start, on a full disk: one clear message, at once.
    let fill = disk.fill();
    let out = parcd()
        .arg("migrate")
        .env("PARCD__DATABASE__URL", &url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is full (") && err.contains("free some space"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.contains("full")).count(),
        1,
        "said once: {err}"
    );
    std::fs::remove_file(&fill).unwrap();

    // Running, then the disk fills.
    let sim = glpi(300).await;
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("parcd.toml");
    let text = config_text(&url, &sim.base_url(), r#"schedule = "* * * * * *""#)
        .replace("127.0.0.1:0", &format!("127.0.0.1:{port}"))
        + "\n[log]\nformat = \"json\"\n";
    std::fs::write(&file, text).unwrap();
    let parcd_run = ParcdProcess::run(&file, port);
    let metrics = || parcd_run.metrics();
    let base = parcd_run.base.clone();
    let up = r#"parcd_source_up{source="glpi"}"#;
    let store_errors = r#"parcd_source_errors_total{error_type="store",source="glpi"}"#;
    let n = sim.with_fleet(|f| f.len()) as f64;
    eventually(60, "the fleet is stored", || async {
        let t = metrics().await;
        sample(&t, up) == Some(1.0) && sum(&t, "parcd_assets") == n
    })
    .await;

    let destroyed = |t: &str| -> f64 {
        t.lines()
            .filter(|l| l.starts_with("parcd_assets{") && l.contains("phase=\"destroyed\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let before = destroyed(&metrics().await);
    let fill = disk.fill();
    // Changes in GLPI that the next polls must write: a new page of history.
    let now = chrono::Local::now().naive_local() + chrono::Duration::hours(1);
    let changed = sim.with_fleet(|f| {
        let ids = f.ids("Computer");
        for id in &ids[..40] {
            f.set_state("Computer", *id, "Détruit", now);
        }
        ids[..40].to_vec()
    });
    eventually(60, "the failed writes show", || async {
        let t = metrics().await;
        sample(&t, up) == Some(0.0) && sample(&t, store_errors).is_some_and(|v| v >= 1.0)
    })
    .await;
    let t = metrics().await;
    assert_eq!(
        sum(&t, "parcd_assets"),
        n,
        "the stored fleet is still served"
    );
    let r = reqwest::get(format!("{base}/api/v1/sources"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "reads go on while writes fail");

    // Space again: the next sync stores the changes.
    std::fs::remove_file(&fill).unwrap();
    eventually(
        60,
        "the changes are stored once the disk has room",
        || async {
            let t = metrics().await;
            sample(&t, up) == Some(1.0) && destroyed(&t) == before + changed.len() as f64
        },
    )
    .await;

    let logs = parcd_run.stop().await;
    assert!(
        logs.lines()
            .any(|l| l.contains("sync failed") && l.contains("full")),
        "the failed sync says the disk is full: {logs}"
    );
}
