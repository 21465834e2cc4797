//! snmpsimd, the real SNMP agent the printer tests run against: started on a 127.0.0.1 UDP
//! port serving `.snmprec` data files (the community of each is its file name), killed on
//! drop. Used by the connector's contract tests and by the daemon's end-to-end tests.
//!
//! [`agent`] is the other kind: an SNMP agent in this process serving simulated printers,
//! for `parcd demo` on a machine without snmpsimd.

pub mod agent;

use std::net::{Ipv4Addr, UdpSocket};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// What to do when the agent is missing.
pub const MISSING: &str =
    "install snmpsim/snmpd: tests/run.sh does it (apt-get install snmpsim snmpd)";

/// A running snmpsimd.
pub struct Snmpsim {
    child: Child,
    /// The loopback address it answers on, 127.0.0.1 unless started with [`Snmpsim::start_at`].
    pub ip: Ipv4Addr,
    /// The UDP port it answers on.
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Snmpsim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Snmpsim {
    /// Serves `files` (community → `.snmprec` text) on `port`. It answers once it has
    /// indexed them, a few seconds later: callers poll until it does.
    pub fn start(files: &[(&str, &str)], port: u16) -> Snmpsim {
        Snmpsim::start_at(files, Ipv4Addr::LOCALHOST, port)
    }

    /// As [`Snmpsim::start`], on another loopback address (`127.0.0.2`…): all of
    /// 127.0.0.0/8 is the loopback on Linux, so agents can stand for printers at distinct
    /// addresses on one port, as an inventory records them.
    ///
    /// # Panics
    /// When `ip` is not a loopback address: tests never listen beyond this host.
    pub fn start_at(files: &[(&str, &str)], ip: Ipv4Addr, port: u16) -> Snmpsim {
        assert!(ip.is_loopback(), "{ip} is not a loopback address");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        let cache = dir.path().join("cache");
        std::fs::create_dir(&data).expect("the data directory");
        std::fs::create_dir(&cache).expect("the cache directory");
        for (community, text) in files {
            let file = data.join(format!("{community}.snmprec"));
            std::fs::write(&file, text).expect("a data file");
            set_mode(&file, 0o644);
        }
        // As root snmpsimd drops to nobody, who must read the data and write the cache.
        set_mode(dir.path(), 0o755);
        set_mode(&data, 0o755);
        set_mode(&cache, 0o777);
        let mut cmd = Command::new(binary("snmpsimd"));
        cmd.arg(format!("--data-dir={}", data.display()))
            .arg(format!("--cache-dir={}", cache.display()))
            .arg(format!("--agent-udpv4-endpoint={ip}:{port}"));
        if is_root() {
            cmd.args(["--process-user=nobody", "--process-group=nogroup"]);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start snmpsimd: {e}; {MISSING}"));
        Snmpsim {
            child,
            ip,
            port,
            _dir: dir,
        }
    }
}

/// The path of an agent's binary, or a panic saying how to install it.
pub fn binary(name: &str) -> std::path::PathBuf {
    for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"] {
        let path = Path::new(dir).join(name);
        if path.exists() {
            return path;
        }
    }
    panic!("{name} is not installed: {MISSING}");
}

/// A UDP port nothing listens on now (an agent binds it right after).
pub fn free_udp_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").expect("a loopback UDP port");
    s.local_addr().expect("a bound socket").port()
}

/// Whether this process runs as root (agents then drop their privileges).
pub fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("permissions set");
}
