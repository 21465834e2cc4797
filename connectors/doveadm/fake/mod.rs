//! A real Dovecot (Debian's `dovecot-imapd`, 2.3) for the mail tests: its own base_dir,
//! configuration, users (a passwd-file) and Maildirs in a temporary directory, IMAP and
//! doveadm's HTTP API on 127.0.0.1 ports of their own, killed on drop. Not a fake: the
//! contract tests, the daemon's end-to-end tests and the benchmark read a real server.
//!
//! It runs as root (as CI does): Dovecot's processes drop to the `dovecot` user, which owns
//! the Maildirs.
//!
//! [`sim`] is the other kind: a simulated doveadm API in this process, for `parcd demo` on
//! a machine without Dovecot.

pub mod sim;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What to do when Dovecot is missing.
pub const MISSING: &str =
    "install Dovecot: tests/run.sh does it (apt-get install dovecot-imapd dovecot-core)";

/// The doveadm API key and password of every test server.
pub const API_KEY: &str = "parcd-test-doveadm-key-7291";
/// The doveadm password (HTTP Basic, user `doveadm`).
pub const PASSWORD: &str = "parcd-test-doveadm-pw-5518";

/// One user of the passwd-file.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// The login: an address or a bare user name.
    pub name: String,
    /// The IMAP password.
    pub password: String,
    /// A quota rule of the user's own (`1M`), else the server's default (100M); `"0"` is
    /// unlimited.
    pub quota: Option<String>,
}

impl TestUser {
    /// A user with the default quota and the password `pw-<name>`.
    pub fn new(name: &str) -> TestUser {
        TestUser {
            name: name.to_string(),
            password: format!("pw-{name}"),
            quota: None,
        }
    }
}

/// A certificate and its key, PEM files, for the doveadm listener's TLS.
#[derive(Debug, Clone)]
pub struct Tls {
    /// The server certificate (chain).
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
}

/// A running Dovecot.
pub struct Dovecot {
    child: Option<Child>,
    dir: tempfile::TempDir,
    /// doveadm's HTTP API, on 127.0.0.1.
    pub http_port: u16,
    /// IMAP (plain, STARTTLS when TLS is set), on 127.0.0.1.
    pub imap_port: u16,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A free TCP port on 127.0.0.1 (free when this returns; taken again soon after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// The path of a Dovecot binary, or a panic saying how to install it.
pub fn binary(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} not found; {MISSING}")
}

fn set_mode(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", p.display()));
}

impl Dovecot {
    /// Starts a Dovecot serving `users`, and waits until doveadm's API answers.
    pub fn start(users: &[TestUser], tls: Option<&Tls>) -> Dovecot {
        Dovecot::start_with(users, tls, "")
    }

    /// [`Dovecot::start`] with `extra` lines at the end of the configuration (a master
    /// passdb, `imap_capability`…).
    pub fn start_with(users: &[TestUser], tls: Option<&Tls>, extra: &str) -> Dovecot {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = dir.path();
        set_mode(root, 0o755);
        for d in ["run", "state", "mail"] {
            std::fs::create_dir(root.join(d)).expect("a Dovecot directory");
        }
        let mut passwd = String::new();
        for u in users {
            passwd.push_str(&format!("{}:{{PLAIN}}{}::::::", u.name, u.password));
            if let Some(q) = &u.quota {
                passwd.push_str(&format!("userdb_quota_rule=*:storage={q}"));
            }
            passwd.push('\n');
        }
        std::fs::write(root.join("users"), passwd).expect("the passwd-file");
        set_mode(&root.join("users"), 0o644);
        let (http_port, imap_port) = (free_port(), free_port());
        let ssl = match tls {
            Some(t) => format!(
                "ssl = yes\nssl_cert = <{}\nssl_key = <{}\n",
                t.cert.display(),
                t.key.display()
            ),
            None => "ssl = no\n".to_string(),
        };
        let http_ssl = if tls.is_some() { "    ssl = yes\n" } else { "" };
        let r = root.display();
        let conf = format!(
            "base_dir = {r}/run\n\
             state_dir = {r}/state\n\
             instance_name = parcd-test-{http_port}\n\
             listen = 127.0.0.1\n\
             protocols = imap\n\
             {ssl}\
             disable_plaintext_auth = no\n\
             auth_mechanisms = plain login\n\
             log_path = {r}/dovecot.log\n\
             mail_uid = dovecot\n\
             mail_gid = dovecot\n\
             first_valid_uid = 1\n\
             mail_location = maildir:{r}/mail/%u/Maildir\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {r}/users\n}}\n\
             userdb {{\n  driver = passwd-file\n  args = username_format=%u {r}/users\n  \
             default_fields = uid=dovecot gid=dovecot home={r}/mail/%u\n}}\n\
             mail_plugins = $mail_plugins quota\n\
             protocol imap {{\n  mail_plugins = $mail_plugins imap_quota\n}}\n\
             plugin {{\n  quota = count:User quota\n  quota_rule = *:storage=100M\n  quota_vsizes = yes\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {imap_port}\n  }}\n  \
             inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
             doveadm_api_key = {API_KEY}\n\
             doveadm_password = {PASSWORD}\n\
             service doveadm {{\n  inet_listener http {{\n    address = 127.0.0.1\n    port = {http_port}\n{http_ssl}  }}\n}}\n\
             service auth-worker {{\n  idle_kill = 3 secs\n}}\n{extra}"
        );
        // `service auth-worker { idle_kill = 3 secs }` above: Dovecot 2.3.19 ends an allUsers
        // command only when the auth worker that listed the users is idle-killed (a minute
        // by default), which would hold a test's round that long
        // (connectors/doveadm/README.md, Scale).
        std::fs::write(root.join("dovecot.conf"), conf).expect("dovecot.conf");
        let status = Command::new("chown")
            .args(["-R", "dovecot:dovecot"])
            .arg(root.join("mail"))
            .status()
            .expect("chown");
        assert!(status.success(), "chown of the Maildirs failed");
        let child = Command::new(binary("dovecot"))
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start dovecot: {e}; {MISSING}"));
        let mut d = Dovecot {
            child: Some(child),
            dir,
            http_port,
            imap_port,
        };
        d.wait_ready();
        d
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                panic!(
                    "dovecot exited ({status}): {err}{}",
                    std::fs::read_to_string(self.dir.path().join("dovecot.log"))
                        .unwrap_or_default()
                );
            }
            if self.listening() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "dovecot did not listen on 127.0.0.1:{} within 30 s",
            self.http_port
        );
    }

    fn listening(&self) -> bool {
        let up = |port| TcpStream::connect(("127.0.0.1", port)).is_ok();
        up(self.http_port) && up(self.imap_port)
    }

    fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.listening() {
            assert!(
                Instant::now() < deadline,
                "dovecot did not listen again within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The configuration file, for `doveadm -c`.
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("dovecot.conf")
    }

    /// The Maildirs' root: `<mail_dir>/<user>/Maildir`. Mail written there directly (the
    /// benchmark's ten thousand mailboxes) must be chowned to `dovecot` ([`Dovecot::chown_mail`]).
    pub fn mail_dir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Gives the Maildirs to the `dovecot` user, as Dovecot's processes run as it.
    pub fn chown_mail(&self) {
        let status = Command::new("chown")
            .args(["-R", "dovecot:dovecot"])
            .arg(self.mail_dir())
            .status()
            .expect("chown");
        assert!(status.success(), "chown of the Maildirs failed");
    }

    /// Appends `lines` to the configuration and has Dovecot read it again (`doveadm reload`).
    pub fn reconfigure(&self, lines: &str) {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.config())
            .expect("dovecot.conf");
        f.write_all(lines.as_bytes()).expect("dovecot.conf written");
        self.doveadm(&["reload"], None);
        // The master restarts its services; the listeners stay open.
        self.wait_listening();
    }

    /// `http://127.0.0.1:PORT` (or `https://` when started with TLS).
    pub fn url(&self, tls: bool) -> String {
        let scheme = if tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.http_port)
    }

    fn doveadm(&self, args: &[&str], stdin: Option<&[u8]>) {
        let mut cmd = Command::new(binary("doveadm"));
        cmd.arg("-c").arg(self.config()).args(args);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("doveadm");
        if let Some(bytes) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(bytes)
                .expect("a message to doveadm save");
        }
        let out = child.wait_with_output().expect("doveadm");
        assert!(
            out.status.success(),
            "doveadm {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Creates `folder` for `user` (nothing when it exists).
    pub fn create_folder(&self, user: &str, folder: &str) {
        if folder != "INBOX" {
            let mut cmd = Command::new(binary("doveadm"));
            // Exit code 65 when it exists already: fine.
            let _ = cmd
                .arg("-c")
                .arg(self.config())
                .args(["mailbox", "create", "-u", user, folder])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }

    /// Delivers `message` into `user`'s `folder` (created when missing), as `doveadm save`.
    pub fn save(&self, user: &str, folder: &str, message: &[u8]) {
        self.create_folder(user, folder);
        self.doveadm(&["save", "-u", user, "-m", folder], Some(message));
    }

    /// Empties and recreates `user`'s INBOX as a restore or a migration would: its
    /// messages and indexes are removed, so Dovecot creates INBOX afresh at its next use,
    /// with UIDs from 1 under a new UIDVALIDITY (the next of the mailbox list's
    /// `dovecot-uidvalidity`, which is kept, so never the old one). The other folders stay.
    pub fn recreate_inbox(&self, user: &str) {
        let maildir = self.mail_dir().join(user).join("Maildir");
        for entry in std::fs::read_dir(&maildir).expect("the user's Maildir") {
            let path = entry.expect("a Maildir entry").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            // INBOX is the Maildir's root: cur/, new/, tmp/, its UID list and indexes
            // (`.Sent` and the other folders are directories of their own).
            if ["cur", "new", "tmp"].contains(&name.as_ref()) {
                std::fs::remove_dir_all(&path).expect("an INBOX directory removed");
            } else if name == "dovecot-uidlist" || name.starts_with("dovecot.index") {
                std::fs::remove_file(&path).expect("an INBOX file removed");
            }
        }
    }

    /// Kills the server (a stopped mail server, for the tests of its absence).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SIGTERM lets the master stop its children (kill() would orphan them).
            let _ = Command::new("kill").arg(c.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A message with CRLF line ends (so Dovecot's virtual size is its length), a text body of
/// `body_bytes` and, when given, one base64 attachment of `attachment_bytes` raw bytes.
pub fn message(subject: &str, body_bytes: usize, attachment_bytes: Option<usize>) -> Vec<u8> {
    let mut m = String::new();
    m.push_str("From: Service informatique <dsi@example.invalid>\r\n");
    m.push_str("To: Agent <agent@example.invalid>\r\n");
    m.push_str(&format!("Subject: {subject}\r\n"));
    m.push_str("Date: Mon, 07 Dec 2026 09:00:00 +0000\r\n");
    m.push_str("MIME-Version: 1.0\r\n");
    let body: String = "Bonjour, voici le compte rendu. "
        .chars()
        .cycle()
        .take(body_bytes)
        .collect::<String>();
    let body = wrap(&body, 76);
    match attachment_bytes {
        None => {
            m.push_str("Content-Type: text/plain; charset=utf-8\r\n\r\n");
            m.push_str(&body);
        }
        Some(n) => {
            m.push_str("Content-Type: multipart/mixed; boundary=\"parcd-b\"\r\n\r\n");
            m.push_str("--parcd-b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
            m.push_str(&body);
            m.push_str("--parcd-b\r\nContent-Type: application/pdf; name=\"cr.pdf\"\r\n");
            m.push_str("Content-Disposition: attachment; filename=\"cr.pdf\"\r\n");
            m.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
            let raw: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            m.push_str(&wrap(&base64(&raw), 76));
            m.push_str("--parcd-b--\r\n");
        }
    }
    m.into_bytes()
}

fn wrap(s: &str, width: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for line in chars.chunks(width) {
        out.extend(line);
        out.push_str("\r\n");
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_crlf_line_ends_only_and_grow_with_their_attachment() {
        let plain = message("a", 100, None);
        let with = message("a", 100, Some(3000));
        let text = String::from_utf8(with.clone()).unwrap();
        assert!(!text.replace("\r\n", "").contains('\n'));
        assert!(with.len() > plain.len() + 4000);
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
    }
}
