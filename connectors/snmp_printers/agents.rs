//! Real SNMP agents for the contract tests, each on a free 127.0.0.1 UDP port and killed
//! when the test drops it: snmpsimd serving `testdata/*.snmprec` (the community is the
//! file's name), and net-snmp's snmpd with a private config for SNMPv3 (its own host
//! tables, and a few Printer-MIB objects set by `override`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use parcd_fakes::snmp_printers::{MISSING, Snmpsim, binary};
use secrecy::SecretString;

use super::params::{AuthProtocol, Credentials, PrivProtocol, SecurityLevel, Target, V3};
use super::session::Session;

/// snmpsimd indexes its data files before it answers (4–5 s here; more on a loaded machine).
const READY_WITHIN: Duration = Duration::from_secs(60);

pub const V3_USER: &str = "parcdv3";
pub const V3_AUTH: &str = "auth-pass-4271";
pub const V3_PRIV: &str = "priv-pass-9313";
pub const SNMPD_SERIAL: &str = "SN-SNMPD-0042";
pub const SNMPD_PAGES: u64 = 1234;

/// A running agent.
pub struct Agent {
    pub port: u16,
    _process: Process,
}

enum Process {
    Snmpsim {
        _agent: Snmpsim,
    },
    Snmpd {
        child: Child,
        _dir: tempfile::TempDir,
    },
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Process::Snmpd { child, .. } = self {
            let _ = child.kill();
            let _ = child.wait();
        }
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
        let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("snmp_printers/testdata");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&testdata).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "snmprec") {
                let community = path.file_stem().unwrap().to_string_lossy().into_owned();
                files.push((community, std::fs::read_to_string(&path).unwrap()));
            }
        }
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(c, t)| (c.as_str(), t.as_str()))
            .collect();
        let sim = Snmpsim::start(&files, free_port());
        let agent = Agent {
            port: sim.port,
            _process: Process::Snmpsim { _agent: sim },
        };
        agent
            .wait_ready(&Credentials::V2c {
                community: SecretString::from("hp-mono"),
            })
            .await;
        agent
    }

    /// snmpsimd serving `files` (community, .snmprec text), ready for `files[0]`'s community.
    pub async fn snmpsim_with(files: &[(&str, &str)]) -> Agent {
        let sim = Snmpsim::start(files, free_port());
        let agent = Agent {
            port: sim.port,
            _process: Process::Snmpsim { _agent: sim },
        };
        agent
            .wait_ready(&Credentials::V2c {
                community: SecretString::from(files[0].0),
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
        port,
        _process: Process::Snmpd { child, _dir: dir },
    }
}

pub use parcd_fakes::snmp_printers::free_udp_port as free_port;

/// A relay on a free 127.0.0.1 port in front of an agent, counting the requests it passes
/// and the objects the agent answers: what reading a printer costs its agent, whatever the
/// machine's load. [`Relay::switch_to`] puts another agent behind the same address, as
/// when a printer is swapped. Stops when dropped.
pub struct Relay {
    pub port: u16,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    answered: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    agent_port: std::sync::Arc<std::sync::atomic::AtomicU16>,
    task: tokio::task::JoinHandle<()>,
}

/// The order in which requests reach a test's targets, by label.
pub type Arrivals = std::sync::Arc<std::sync::Mutex<Vec<&'static str>>>;

impl Relay {
    pub async fn start(agent_port: u16) -> Relay {
        Relay::start_noting(agent_port, 0, None).await
    }

    /// A relay on a port above `above` (the connector polls its targets in the order of
    /// their ports) that also notes each request it passes in `note`'s log, under its label.
    pub async fn start_noting(
        agent_port: u16,
        above: u16,
        note: Option<(Arrivals, &'static str)>,
    ) -> Relay {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering::Relaxed};
        use tokio::net::UdpSocket;
        let mut front = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        for _ in 0..10_000 {
            if front.local_addr().unwrap().port() > above {
                break;
            }
            front = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        }
        let port = front.local_addr().unwrap().port();
        assert!(port > above, "a port above {above}");
        let back = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let answered = Arc::new(AtomicUsize::new(0));
        let agent = Arc::new(AtomicU16::new(agent_port));
        let (counted, objects, to) = (requests.clone(), answered.clone(), agent.clone());
        let task = tokio::spawn(async move {
            let (mut ask, mut answer) = (vec![0u8; 65536], vec![0u8; 65536]);
            let mut client = None;
            loop {
                tokio::select! {
                    Ok((n, from)) = front.recv_from(&mut ask) => {
                        client = Some(from);
                        counted.fetch_add(1, Relaxed);
                        if let Some((log, label)) = &note {
                            log.lock().unwrap().push(label);
                        }
                        let _ = back.send_to(&ask[..n], ("127.0.0.1", to.load(Relaxed))).await;
                    }
                    Ok((n, _)) = back.recv_from(&mut answer) => {
                        if let Ok(pdu) = snmp2::Pdu::from_bytes(&answer[..n]) {
                            objects.fetch_add(pdu.varbinds.clone().count(), Relaxed);
                        }
                        if let Some(c) = client {
                            let _ = front.send_to(&answer[..n], c).await;
                        }
                    }
                }
            }
        });
        Relay {
            port,
            requests,
            answered,
            agent_port: agent,
            task,
        }
    }

    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Requests passed so far.
    pub fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Objects in the agent's answers so far.
    pub fn answered(&self) -> usize {
        self.answered.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// From now on, requests go to the agent on `agent_port`.
    pub fn switch_to(&self, agent_port: u16) {
        self.agent_port
            .store(agent_port, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}
