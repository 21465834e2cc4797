//! One IMAP connection: TCP, then TLS (implicit, or STARTTLS), the capabilities, the
//! login, and the commands a round sends, each turned into figures or a typed error.
//!
//! Errors name the server (`imap://host:port`) and the command, with the server's response
//! code (`NO [AUTHENTICATIONFAILED]`), never its human text nor the command's arguments:
//! both may hold a user or folder name.

use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use base64::Engine as _;
use secrecy::ExposeSecret;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;

use super::params::{ImapParams, Login, TlsMode};
use super::protocol::{Done, Response, Status, Value, Wire, WireError, quoted};
use crate::error::ConnectorError;

/// The stream under the IMAP wire: plain until TLS starts.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// One folder as LIST (and, with LIST-STATUS, STATUS) gave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folder {
    /// As the server writes it (modified UTF-7): what commands send back.
    pub name: String,
    /// `\Sent`, `\Trash`, `\Noselect`…, lower case without the backslash.
    pub flags: Vec<String>,
    pub messages: Option<u64>,
    pub size: Option<u64>,
    pub uidnext: Option<u64>,
    pub uidvalidity: Option<u64>,
}

impl Folder {
    pub fn selectable(&self) -> bool {
        !self
            .flags
            .iter()
            .any(|f| f == "noselect" || f == "nonexistent")
    }
}

/// What a folder's STATUS or EXAMINE said it holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Opened {
    pub exists: u64,
    pub uidvalidity: Option<u64>,
    pub uidnext: Option<u64>,
}

/// A STORAGE quota, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub used_bytes: u64,
    pub limit_bytes: u64,
}

/// A command that failed on one folder: the folder went away, or the server refused it.
#[derive(Debug)]
pub enum FolderError {
    /// `NO [NONEXISTENT]` (or `NO` after the folder was listed): gone since LIST.
    Gone,
    Other(ConnectorError),
}

impl From<ConnectorError> for FolderError {
    fn from(e: ConnectorError) -> Self {
        FolderError::Other(e)
    }
}

pub struct Session {
    wire: Wire<Stream>,
    endpoint: String,
    caps: BTreeSet<String>,
    secs: u64,
}

/// The rustls configuration: the system's roots and the `ca_file`'s.
pub fn tls_config(
    p: &ImapParams,
) -> Result<Arc<tokio_rustls::rustls::ClientConfig>, ConnectorError> {
    use tokio_rustls::rustls::{
        self, RootCertStore, pki_types::CertificateDer, pki_types::pem::PemObject,
    };
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A system certificate rustls cannot read is not ours to fix.
        let _ = roots.add(cert);
    }
    if let Some(pem) = &p.ca_pem {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| {
                ConnectorError::Config(format!(
                    "ca_file holds a certificate that does not read: {e}"
                ))
            })?;
            roots.add(cert).map_err(|e| {
                ConnectorError::Config(format!("ca_file holds a certificate rustls refuses: {e}"))
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectorError::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

impl Session {
    fn wire_error(&self, command: &str, e: WireError) -> ConnectorError {
        wire_error(&self.endpoint, command, e, self.secs)
    }

    /// Connects, starts TLS as configured, reads the greeting and the capabilities.
    pub async fn open(
        p: &ImapParams,
        tls: &Arc<tokio_rustls::rustls::ClientConfig>,
    ) -> Result<Session, ConnectorError> {
        let endpoint = p.endpoint();
        let secs = p.timeout.as_secs();
        let tcp = tokio::time::timeout(p.timeout, TcpStream::connect((p.host.as_str(), p.port)))
            .await
            .map_err(|_| ConnectorError::Timeout {
                endpoint: endpoint.clone(),
                seconds: secs,
            })?
            .map_err(|e| ConnectorError::Connect {
                endpoint: endpoint.clone(),
                reason: e.to_string(),
            })?;
        let _ = tcp.set_nodelay(true);
        let stream = match p.tls {
            TlsMode::Implicit => Stream::Tls(Box::new(handshake(p, tls, tcp).await?)),
            TlsMode::None => Stream::Plain(tcp),
            TlsMode::StartTls => {
                let mut w = Wire::new(tcp, p.timeout);
                greeting(&mut w, &endpoint, secs).await?;
                let caps = capabilities(&mut w, &endpoint, secs).await?;
                if !caps.contains("STARTTLS") {
                    return Err(ConnectorError::Protocol {
                        endpoint,
                        detail: "the server does not offer STARTTLS: set tls = \"implicit\" \
                                 (port 993) if it speaks TLS from the start"
                            .into(),
                    });
                }
                let done = w
                    .run(b"STARTTLS", |_| {})
                    .await
                    .map_err(|e| wire_error(&endpoint, "STARTTLS", e, secs))?;
                if done.status != Status::Ok {
                    return Err(ConnectorError::Protocol {
                        endpoint,
                        detail: format!("STARTTLS answered {}", done.describe()),
                    });
                }
                if w.buffered() > 0 {
                    return Err(ConnectorError::Protocol {
                        endpoint,
                        detail: "bytes arrived before the TLS handshake (a STARTTLS \
                                 injection?); the connection is not trusted"
                            .into(),
                    });
                }
                Stream::Tls(Box::new(handshake(p, tls, w.into_inner()).await?))
            }
        };
        let mut wire = Wire::new(stream, p.timeout);
        if p.tls != TlsMode::StartTls {
            greeting(&mut wire, &endpoint, secs).await?;
        }
        // After STARTTLS, what the server said before TLS is not trusted (RFC 3501 §6.2.1).
        let caps = capabilities(&mut wire, &endpoint, secs).await?;
        Ok(Session {
            wire,
            endpoint,
            caps,
            secs,
        })
    }

    pub fn has(&self, cap: &str) -> bool {
        self.caps.contains(cap)
    }

    fn expect_ok(&self, command: &str, done: &Done) -> Result<(), ConnectorError> {
        match done.status {
            Status::Ok => Ok(()),
            _ => Err(ConnectorError::Protocol {
                endpoint: self.endpoint.clone(),
                detail: format!("{command} answered {}", done.describe()),
            }),
        }
    }

    /// Logs in as `user`: itself with its password, or through the master user
    /// (SASL PLAIN's authorisation identity, RFC 4616). `what` names the mailbox in errors
    /// without naming it (`the mailbox on line 3 of mailboxes_file`).
    pub async fn login(
        &mut self,
        login: &Login,
        user: &str,
        what: &str,
    ) -> Result<(), ConnectorError> {
        let (authzid, authcid, password) = match login {
            Login::Master {
                user: master,
                password,
            } => (user, master.as_str(), password),
            Login::Own { password } => ("", user, password),
        };
        let endpoint = self.endpoint.clone();
        let refused = |code: String| {
            let via = match login {
                Login::Master { .. } => " through the master user",
                Login::Own { .. } => "",
            };
            let with = if code.is_empty() {
                String::new()
            } else {
                format!(" with {code}")
            };
            let fix = match login {
                Login::Master { .. } => {
                    "check master_user and master_password, and that the mailbox exists"
                }
                Login::Own { .. } => {
                    "check its password in accounts_file, and that the mailbox exists"
                }
            };
            ConnectorError::Auth(format!(
                "the IMAP server {endpoint} refused the login of {what}{via}{with}: {fix}"
            ))
        };
        let done = if self.has("AUTH=PLAIN") {
            let mut sasl = Vec::new();
            sasl.extend_from_slice(authzid.as_bytes());
            sasl.push(0);
            sasl.extend_from_slice(authcid.as_bytes());
            sasl.push(0);
            sasl.extend_from_slice(password.expose_secret().as_bytes());
            let b64 = base64::engine::general_purpose::STANDARD.encode(&sasl);
            if self.has("SASL-IR") {
                let mut cmd = b"AUTHENTICATE PLAIN ".to_vec();
                cmd.extend_from_slice(b64.as_bytes());
                self.wire.run(&cmd, |_| {}).await
            } else {
                self.plain_with_continuation(b64.as_bytes()).await
            }
        } else if matches!(login, Login::Master { .. }) {
            return Err(ConnectorError::Protocol {
                endpoint: self.endpoint.clone(),
                detail: "the server offers no AUTH=PLAIN, which a master user login needs".into(),
            });
        } else if self.has("LOGINDISABLED") {
            return Err(ConnectorError::Protocol {
                endpoint: self.endpoint.clone(),
                detail: "the server refuses LOGIN and offers no AUTH=PLAIN (LOGINDISABLED): \
                         use TLS (tls = \"implicit\" or \"starttls\")"
                    .into(),
            });
        } else {
            let (Some(u), Some(pw)) = (quoted(authcid), quoted(password.expose_secret())) else {
                return Err(refused("a character LOGIN cannot carry".into()));
            };
            self.wire
                .run(format!("LOGIN {u} {pw}").as_bytes(), |_| {})
                .await
        };
        let done = done.map_err(|e| match e {
            WireError::Closed { .. } => refused("the connection closed".into()),
            e => self.wire_error("AUTHENTICATE", e),
        })?;
        match done.status {
            Status::Ok => {}
            _ => return Err(refused(done.describe())),
        }
        // The capabilities after login are the ones that count (STATUS=SIZE, QUOTA…).
        self.caps = capabilities(&mut self.wire, &self.endpoint, self.secs).await?;
        Ok(())
    }

    async fn plain_with_continuation(&mut self, b64: &[u8]) -> Result<Done, WireError> {
        let tag = self.wire.send(b"AUTHENTICATE PLAIN").await?;
        loop {
            match self.wire.read().await? {
                Response::Continue => {
                    let mut line = b64.to_vec();
                    line.extend_from_slice(b"\r\n");
                    self.wire.write_line(&line).await?;
                }
                Response::Untagged(_) => {}
                Response::Tagged { tag: t, done } if t == tag => return Ok(done),
                Response::Tagged { .. } => {
                    return Err(WireError::Garbled(
                        "a completion for another command".into(),
                    ));
                }
            }
        }
    }

    /// Every folder; with LIST-STATUS, their figures too, in the same round trip.
    pub async fn list(&mut self, with_size: bool) -> Result<Vec<Folder>, ConnectorError> {
        let mut items = vec!["MESSAGES", "UIDNEXT", "UIDVALIDITY"];
        if with_size {
            items.push("SIZE");
        }
        let status = self.has("LIST-STATUS");
        let mut cmd = String::from("LIST \"\" \"*\"");
        if status {
            cmd.push_str(&format!(
                " RETURN ({}STATUS ({}))",
                if self.has("SPECIAL-USE") {
                    "SPECIAL-USE "
                } else {
                    ""
                },
                items.join(" ")
            ));
        }
        let mut folders: Vec<Folder> = Vec::new();
        let mut statuses: Vec<(String, StatusFigures)> = Vec::new();
        let done = self
            .wire
            .run(cmd.as_bytes(), |v| {
                if v.first().is_some_and(|f| f.is("LIST")) && v.len() >= 4 {
                    let flags = v[1]
                        .list()
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(Value::text)
                        .map(|f| f.trim_start_matches('\\').to_ascii_lowercase())
                        .collect();
                    if let Some(name) = v[3].text() {
                        folders.push(Folder {
                            name,
                            flags,
                            ..Folder::default()
                        });
                    }
                } else if v.first().is_some_and(|f| f.is("STATUS"))
                    && v.len() >= 3
                    && let Some(name) = v[1].text()
                {
                    statuses.push((name, status_figures(&v[2])));
                }
            })
            .await
            .map_err(|e| self.wire_error("LIST", e))?;
        self.expect_ok("LIST", &done)?;
        for (name, s) in statuses {
            if let Some(f) = folders.iter_mut().find(|f| f.name == name) {
                f.messages = s.messages;
                f.size = s.size;
                f.uidnext = s.uidnext;
                f.uidvalidity = s.uidvalidity;
            }
        }
        Ok(folders)
    }

    /// STATUS of one folder: messages, and size when the server offers STATUS=SIZE.
    pub async fn status(
        &mut self,
        folder: &Folder,
        with_size: bool,
    ) -> Result<Folder, FolderError> {
        let name = quoted(&folder.name).ok_or(FolderError::Gone)?;
        let items = if with_size {
            "MESSAGES UIDNEXT UIDVALIDITY SIZE"
        } else {
            "MESSAGES UIDNEXT UIDVALIDITY"
        };
        let mut got = None;
        let done = self
            .wire
            .run(format!("STATUS {name} ({items})").as_bytes(), |v| {
                if v.first().is_some_and(|f| f.is("STATUS")) && v.len() >= 3 {
                    got = Some(status_figures(&v[2]));
                }
            })
            .await
            .map_err(|e| self.wire_error("STATUS", e))?;
        folder_outcome(&self.endpoint, "STATUS", &done)?;
        let s = got.unwrap_or_default();
        Ok(Folder {
            messages: s.messages,
            size: s.size,
            uidnext: s.uidnext,
            uidvalidity: s.uidvalidity,
            ..folder.clone()
        })
    }

    /// Opens a folder read-only.
    pub async fn examine(&mut self, folder: &Folder) -> Result<Opened, FolderError> {
        let name = quoted(&folder.name).ok_or(FolderError::Gone)?;
        let mut o = Opened::default();
        let done = self
            .wire
            .run(format!("EXAMINE {name}").as_bytes(), |v| {
                if v.len() >= 2 && v[1].is("EXISTS") {
                    o.exists = v[0].number().unwrap_or(0);
                } else if v.first().is_some_and(|f| f.is("OK"))
                    && let Some(code) = v.get(1).and_then(Value::list)
                    && code.len() >= 2
                {
                    if code[0].is("UIDVALIDITY") {
                        o.uidvalidity = code[1].number();
                    } else if code[0].is("UIDNEXT") {
                        o.uidnext = code[1].number();
                    }
                }
            })
            .await
            .map_err(|e| self.wire_error("EXAMINE", e))?;
        folder_outcome(&self.endpoint, "EXAMINE", &done)?;
        Ok(o)
    }

    /// The sum of `RFC822.SIZE` of the open folder's messages: a server without
    /// STATUS=SIZE, at the cost of one line per message.
    pub async fn sum_sizes(&mut self) -> Result<(u64, u64), ConnectorError> {
        let (mut n, mut bytes) = (0u64, 0u64);
        let done = self
            .wire
            .run(b"FETCH 1:* (RFC822.SIZE)", |v| {
                if let Some(size) = fetch_item(v, "RFC822.SIZE").and_then(Value::number) {
                    n += 1;
                    bytes += size;
                }
            })
            .await
            .map_err(|e| self.wire_error("FETCH RFC822.SIZE", e))?;
        self.expect_ok("FETCH RFC822.SIZE", &done)?;
        Ok((n, bytes))
    }

    /// The UIDs at or above `from` in the open folder, ascending.
    pub async fn uids_from(&mut self, from: u64) -> Result<Vec<u64>, ConnectorError> {
        let mut uids = Vec::new();
        let done = self
            .wire
            .run(format!("UID SEARCH UID {from}:*").as_bytes(), |v| {
                if v.first().is_some_and(|f| f.is("SEARCH")) {
                    uids.extend(v[1..].iter().filter_map(Value::number));
                }
            })
            .await
            .map_err(|e| self.wire_error("UID SEARCH", e))?;
        self.expect_ok("UID SEARCH", &done)?;
        // `n:*` always holds the last message, even below n (RFC 3501 §6.4.8).
        uids.retain(|u| *u >= from);
        uids.sort_unstable();
        uids.dedup();
        Ok(uids)
    }

    /// Size and BODYSTRUCTURE of the messages `uids` of the open folder, handed to
    /// `each` as they come.
    pub async fn structures(
        &mut self,
        uids: &[u64],
        mut each: impl FnMut(u64, &Value),
    ) -> Result<(), ConnectorError> {
        if uids.is_empty() {
            return Ok(());
        }
        let set = uid_set(uids);
        let done = self
            .wire
            .run(
                format!("UID FETCH {set} (UID RFC822.SIZE BODYSTRUCTURE)").as_bytes(),
                |v| {
                    if let (Some(size), Some(bs)) = (
                        fetch_item(v, "RFC822.SIZE").and_then(Value::number),
                        fetch_item(v, "BODYSTRUCTURE"),
                    ) {
                        each(size, bs);
                    }
                },
            )
            .await
            .map_err(|e| self.wire_error("UID FETCH BODYSTRUCTURE", e))?;
        self.expect_ok("UID FETCH BODYSTRUCTURE", &done)
    }

    /// The STORAGE quota of the mailbox's INBOX root, when the server has QUOTA.
    pub async fn quota(&mut self) -> Result<Option<Quota>, ConnectorError> {
        if !self.has("QUOTA") {
            return Ok(None);
        }
        let mut quota = None;
        let done = self
            .wire
            .run(b"GETQUOTAROOT \"INBOX\"", |v| {
                if quota.is_none()
                    && v.first().is_some_and(|f| f.is("QUOTA"))
                    && let Some(res) = v.get(2).and_then(Value::list)
                {
                    for r in res.chunks(3) {
                        if r.len() == 3 && r[0].is("STORAGE") {
                            // RFC 9208: STORAGE is in units of 1024 octets.
                            if let (Some(u), Some(l)) = (r[1].number(), r[2].number()) {
                                quota = Some(Quota {
                                    used_bytes: u * 1024,
                                    limit_bytes: l * 1024,
                                });
                            }
                        }
                    }
                }
            })
            .await
            .map_err(|e| self.wire_error("GETQUOTAROOT", e))?;
        match done.status {
            Status::Ok => Ok(quota),
            // No quota root for this mailbox: unlimited.
            _ => Ok(None),
        }
    }

    /// Ends the session politely; its answer does not matter.
    pub async fn logout(mut self) {
        let _ = self.wire.send(b"LOGOUT").await;
    }
}

/// The server's greeting: OK, else why not.
async fn greeting<S: AsyncRead + AsyncWrite + Unpin>(
    w: &mut Wire<S>,
    endpoint: &str,
    secs: u64,
) -> Result<(), ConnectorError> {
    match w.read().await {
        Ok(Response::Untagged(raw)) if raw.len() >= 2 && raw[..2].eq_ignore_ascii_case(b"OK") => {
            Ok(())
        }
        Ok(Response::Untagged(raw)) if raw.starts_with(b"PREAUTH") => {
            Err(ConnectorError::Protocol {
                endpoint: endpoint.to_string(),
                detail: "the server greets with PREAUTH (already logged in): parcd logs in itself"
                    .into(),
            })
        }
        Ok(_) => Err(ConnectorError::Protocol {
            endpoint: endpoint.to_string(),
            detail: "the server's greeting is not an IMAP greeting (is it an IMAP port?)".into(),
        }),
        Err(WireError::Closed { bye: true }) => Err(ConnectorError::Connect {
            endpoint: endpoint.to_string(),
            reason: "the server refused the connection (BYE): too many connections?".into(),
        }),
        Err(e) => Err(wire_error(endpoint, "greeting", e, secs)),
    }
}

/// CAPABILITY, upper case.
async fn capabilities<S: AsyncRead + AsyncWrite + Unpin>(
    w: &mut Wire<S>,
    endpoint: &str,
    secs: u64,
) -> Result<BTreeSet<String>, ConnectorError> {
    let mut caps = BTreeSet::new();
    let done = w
        .run(b"CAPABILITY", |v| {
            if v.first().is_some_and(|f| f.is("CAPABILITY")) {
                caps.extend(
                    v[1..]
                        .iter()
                        .filter_map(Value::text)
                        .map(|c| c.to_ascii_uppercase()),
                );
            }
        })
        .await
        .map_err(|e| wire_error(endpoint, "CAPABILITY", e, secs))?;
    if done.status != Status::Ok {
        return Err(ConnectorError::Protocol {
            endpoint: endpoint.to_string(),
            detail: format!("CAPABILITY answered {}", done.describe()),
        });
    }
    Ok(caps)
}

async fn handshake(
    p: &ImapParams,
    tls: &Arc<tokio_rustls::rustls::ClientConfig>,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, ConnectorError> {
    let endpoint = p.endpoint();
    let name = ServerName::try_from(p.host.clone()).map_err(|_| {
        ConnectorError::Config(format!("host \"{}\" is not a name TLS can check", p.host))
    })?;
    let connector = TlsConnector::from(Arc::clone(tls));
    tokio::time::timeout(p.timeout, connector.connect(name, tcp))
        .await
        .map_err(|_| ConnectorError::Timeout {
            endpoint: endpoint.clone(),
            seconds: p.timeout.as_secs(),
        })?
        .map_err(|e| ConnectorError::Connect {
            endpoint,
            reason: format!(
                "TLS handshake failed: {}{}",
                crate::error::root_cause(&e),
                if p.ca_pem.is_none() {
                    " (a certificate of the DSI's own CA needs ca_file)"
                } else {
                    ""
                }
            ),
        })
}

fn wire_error(endpoint: &str, command: &str, e: WireError, secs: u64) -> ConnectorError {
    match e {
        WireError::TimedOut => ConnectorError::Timeout {
            endpoint: format!("{endpoint} ({command})"),
            seconds: secs,
        },
        WireError::Closed { bye } => ConnectorError::Connect {
            endpoint: endpoint.to_string(),
            reason: format!(
                "the connection was closed during {command}{}",
                if bye { " (the server said BYE)" } else { "" }
            ),
        },
        WireError::Io(e) => ConnectorError::Connect {
            endpoint: endpoint.to_string(),
            reason: format!("{command}: {e}"),
        },
        WireError::Garbled(what) => ConnectorError::Protocol {
            endpoint: endpoint.to_string(),
            detail: format!("{command}: {what}"),
        },
    }
}

/// A folder command's completion: OK, gone, or refused.
fn folder_outcome(endpoint: &str, command: &str, done: &Done) -> Result<(), FolderError> {
    match (done.status, done.code.as_deref()) {
        (Status::Ok, _) => Ok(()),
        (Status::No, Some("NONEXISTENT")) | (Status::No, None) => Err(FolderError::Gone),
        _ => Err(FolderError::Other(ConnectorError::Protocol {
            endpoint: endpoint.to_string(),
            detail: format!("{command} of a folder answered {}", done.describe()),
        })),
    }
}

#[derive(Default)]
struct StatusFigures {
    messages: Option<u64>,
    size: Option<u64>,
    uidnext: Option<u64>,
    uidvalidity: Option<u64>,
}

/// `(MESSAGES 6 SIZE 168012 UIDNEXT 7 UIDVALIDITY 1733500000)`.
fn status_figures(v: &Value) -> StatusFigures {
    let mut s = StatusFigures::default();
    for pair in v.list().unwrap_or(&[]).chunks(2) {
        if let [k, val] = pair {
            let n = val.number();
            match k.text().unwrap_or_default().to_ascii_uppercase().as_str() {
                "MESSAGES" => s.messages = n,
                "SIZE" => s.size = n,
                "UIDNEXT" => s.uidnext = n,
                "UIDVALIDITY" => s.uidvalidity = n,
                _ => {}
            }
        }
    }
    s
}

/// An item of `* n FETCH (…)`.
fn fetch_item<'a>(v: &'a [Value], name: &str) -> Option<&'a Value> {
    if v.len() < 3 || !v[1].is("FETCH") {
        return None;
    }
    let items = v[2].list()?;
    items
        .chunks(2)
        .find(|kv| kv.len() == 2 && kv[0].is(name))
        .map(|kv| &kv[1])
}

/// `3,5:9,12`: ascending UIDs as ranges, so a command stays short.
fn uid_set(uids: &[u64]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        i += 1;
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::protocol::tokens;

    #[test]
    fn uid_sets_are_ranges() {
        assert_eq!(uid_set(&[3, 5, 6, 7, 9, 10, 12]), "3,5:7,9:10,12");
        assert_eq!(uid_set(&[1]), "1");
    }

    #[test]
    fn status_and_fetch_items_are_read_by_name() {
        let v =
            tokens(b"STATUS INBOX (MESSAGES 5 RECENT 5 UIDNEXT 6 UNSEEN 5 SIZE 167499)").unwrap();
        let s = status_figures(&v[2]);
        assert_eq!(
            (s.messages, s.size, s.uidnext),
            (Some(5), Some(167499), Some(6))
        );
        let f = tokens(b"4 FETCH (UID 17 RFC822.SIZE 3021 FLAGS (\\Seen))").unwrap();
        assert_eq!(
            fetch_item(&f, "RFC822.SIZE").and_then(Value::number),
            Some(3021)
        );
        assert_eq!(fetch_item(&f, "BODYSTRUCTURE"), None);
    }
}
