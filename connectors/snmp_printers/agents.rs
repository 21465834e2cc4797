//! Real SNMP agents for the contract tests, each on a free 127.0.0.1 UDP port and killed
//! when the test drops it: snmpsimd serving `testdata/*.snmprec` (the community is the
//! file's name), and net-snmp's snmpd with a private config for SNMPv3 (its own host
//! tables, and a few Printer-MIB objects set by `override`).

use std::net::UdpSocket;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use secrecy::SecretString;

use super::params::{AuthProtocol, Credentials, PrivProtocol, SecurityLevel, Target, V3};
use super::session::Session;

const MISSING: &str = "install snmpsim/snmpd: tests/run.sh does it (apt-get install snmpsim snmpd)";
/// snmpsimd indexes its data files before it answers (4–5 s here; more on a loaded machine).
const READY_WITHIN: Duration = Duration::from_secs(60);

pub const V3_USER: &str = "parcdv3";
pub const V3_AUTH: &str = "auth-pass-4271";
pub const V3_PRIV: &str = "priv-pass-9313";
pub const SNMPD_SERIAL: &str = "SN-SNMPD-0042";
pub const SNMPD_PAGES: u64 = 1234;

/// A running agent.
pub struct Agent {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Agent {
    pub fn target(&self) -> Target {
        Target {
            host: "127.0.0.1".into(),
            port: self.port,
            listed: true,
        }
    }

    /// snmpsimd serving every file of `testdata/`.
    pub async fn snmpsim() -> Agent {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        let cache = dir.path().join("cache");
        std::fs::create_dir(&data).unwrap();
        std::fs::create_dir(&cache).unwrap();
        let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("snmp_printers/testdata");
        for entry in std::fs::read_dir(&testdata).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "snmprec") {
                let to = data.join(path.file_name().unwrap());
                std::fs::copy(&path, &to).unwrap();
                set_mode(&to, 0o644);
            }
        }
        // As root snmpsimd drops to nobody, who must read the data and write the cache.
        set_mode(dir.path(), 0o755);
        set_mode(&data, 0o755);
        set_mode(&cache, 0o777);
        let port = free_port();
        let mut cmd = Command::new(binary("snmpsimd"));
        cmd.arg(format!("--data-dir={}", data.display()))
            .arg(format!("--cache-dir={}", cache.display()))
            .arg(format!("--agent-udpv4-endpoint=127.0.0.1:{port}"));
        if is_root() {
            cmd.args(["--process-user=nobody", "--process-group=nogroup"]);
        }
        let agent = spawn(cmd, port, dir);
        agent
            .wait_ready(&Credentials::V2c {
                community: SecretString::from("hp-mono"),
            })
            .await;
        agent
    }

    /// net-snmp's snmpd answering SNMPv3 authPriv (SHA, AES) as [`v3`] says.
    pub async fn snmpd() -> Agent {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port = free_port();
        let conf = dir.path().join("snmpd.conf");
        std::fs::write(
            &conf,
            format!(
                "agentAddress udp:127.0.0.1:{port}\n\
                 createUser {V3_USER} SHA \"{V3_AUTH}\" AES \"{V3_PRIV}\"\n\
                 rouser {V3_USER} priv\n\
                 sysName parcd-test-snmpd\n\
                 override 1.3.6.1.2.1.43.10.2.1.3.1.1 integer 7\n\
                 override 1.3.6.1.2.1.43.10.2.1.4.1.1 counter {SNMPD_PAGES}\n\
                 override 1.3.6.1.2.1.43.5.1.1.17.1 octet_str \"{SNMPD_SERIAL}\"\n"
            ),
        )
        .unwrap();
        let persist = dir.path().join("persist");
        std::fs::create_dir(&persist).unwrap();
        let mut cmd = Command::new(binary("snmpd"));
        // -C: no /etc/snmp config; -f: stay in the foreground, so the test owns it.
        cmd.args(["-f", "-Lo", "-C", "-c"])
            .arg(&conf)
            .arg("-p")
            .arg(dir.path().join("snmpd.pid"))
            .arg(format!("--persistentDir={}", persist.display()));
        let agent = spawn(cmd, port, dir);
        agent.wait_ready(&v3(V3_AUTH)).await;
        agent
    }

    async fn wait_ready(&self, credentials: &Credentials) {
        let started = Instant::now();
        loop {
            let answered =
                match Session::open(&self.target(), credentials, Duration::from_millis(300), 0)
                    .await
                {
                    Ok(mut s) => s.get(&[super::oids::SYS_NAME.to_vec()]).await.is_ok(),
                    Err(_) => false,
                };
            if answered {
                return;
            }
            assert!(
                started.elapsed() < READY_WITHIN,
                "the SNMP agent on 127.0.0.1:{} did not answer within {READY_WITHIN:?}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The SNMPv3 credentials of [`Agent::snmpd`], with `auth` as the authentication password.
pub fn v3(auth: &str) -> Credentials {
    Credentials::V3(V3 {
        user: V3_USER.into(),
        level: SecurityLevel::AuthPriv,
        auth_protocol: AuthProtocol::Sha1,
        auth_password: Some(SecretString::from(auth)),
        priv_protocol: PrivProtocol::Aes128,
        priv_password: Some(SecretString::from(V3_PRIV)),
        context: String::new(),
    })
}

fn spawn(mut cmd: Command, port: u16, dir: tempfile::TempDir) -> Agent {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}; {MISSING}"));
    Agent {
        child,
        port,
        _dir: dir,
    }
}

fn binary(name: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"] {
        let path = Path::new(dir).join(name);
        if path.exists() {
            return path;
        }
    }
    panic!("{name} is not installed: {MISSING}");
}

/// A UDP port nothing listens on now (the agent binds it right after).
pub fn free_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").expect("a loopback UDP port");
    s.local_addr().unwrap().port()
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
