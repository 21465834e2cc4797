//! One SNMP session with one printer, over snmp2: what the library leaves to its caller, a
//! timeout on every request, retries, reads of many objects and table columns in one
//! GETBULK, and errors said per target without a secret.
//!
//! snmp2 answers with values borrowed from its receive buffer; they are copied into
//! [`Value`] at once, so that the next request can reuse the session.

use std::time::Duration;

use secrecy::ExposeSecret;
use snmp2::v3;
use snmp2::{AsyncSession, Oid};

mod columns;

pub use columns::Columns;

use super::params::{AuthProtocol, Credentials, PrivProtocol, SecurityLevel, Target};
use crate::error::ConnectorError;

/// A value as the agent sent it, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Integer(i64),
    /// Counter32, Gauge32/Unsigned32, TimeTicks, Counter64.
    Unsigned(u64),
    Bytes(Vec<u8>),
    Oid(Vec<u64>),
    /// noSuchObject or noSuchInstance: the agent does not hold it.
    Missing,
    EndOfMibView,
    /// Null, IpAddress, Opaque and the rest: nothing a printer reading uses.
    Other,
}

impl Value {
    fn from_snmp(v: &snmp2::Value<'_>) -> Value {
        use snmp2::Value as V;
        match v {
            V::Integer(i) => Value::Integer(*i),
            V::Counter32(n) | V::Unsigned32(n) | V::Timeticks(n) => Value::Unsigned(u64::from(*n)),
            V::Counter64(n) => Value::Unsigned(*n),
            V::OctetString(b) => Value::Bytes(b.to_vec()),
            V::ObjectIdentifier(o) => Value::Oid(oid_parts(o)),
            V::NoSuchObject | V::NoSuchInstance => Value::Missing,
            V::EndOfMibView => Value::EndOfMibView,
            _ => Value::Other,
        }
    }
}

/// Objects one GETBULK asks for at most (non-repeaters, and columns × rows): snmpsim and
/// pysnmp cut larger asks to 64, and the answer stays near one Ethernet frame.
const ANSWER_VARBINDS: u32 = 64;
/// Rows asked of each column that goes on past a first request (fewer when the columns are
/// many: [`ANSWER_VARBINDS`] in all).
pub const MORE_ROWS: u32 = 16;
/// error-status tooBig: the answer would not fit the agent's message size.
const TOO_BIG: u32 = 1;
/// A stale answer (to a request that timed out) is read and dropped this many times at most.
const STALE_ANSWERS: u32 = 4;

fn oid_parts(o: &Oid<'_>) -> Vec<u64> {
    o.iter().map(|i| i.collect()).unwrap_or_default()
}

type Answer = Vec<(Vec<u64>, Value)>;

enum Request<'a> {
    Get(&'a [Vec<u64>]),
    Bulk {
        oids: &'a [Vec<u64>],
        /// The first `non_repeaters` OIDs get one GETNEXT, the others `rows`.
        non_repeaters: u32,
        rows: u32,
    },
}

enum Failure {
    Snmp(snmp2::Error),
    /// The agent answered with a non-zero error-status (tooBig, genErr…).
    Status(u32),
}

impl From<snmp2::Error> for Failure {
    fn from(e: snmp2::Error) -> Self {
        Failure::Snmp(e)
    }
}

/// A session with one printer.
pub struct Session {
    inner: AsyncSession,
    endpoint: String,
    timeout: Duration,
    retries: u32,
    v3: bool,
}

impl Session {
    /// Resolves the target and, for SNMPv3, discovers its engine (the first exchange).
    pub async fn open(
        target: &Target,
        credentials: &Credentials,
        timeout: Duration,
        retries: u32,
    ) -> Result<Session, ConnectorError> {
        let endpoint = target.id();
        let addr = (target.host.as_str(), target.port);
        let resolve = async {
            match credentials {
                Credentials::V2c { community } => {
                    AsyncSession::new_v2c(addr, community.expose_secret().as_bytes(), 1).await
                }
                Credentials::V3(v3) => AsyncSession::new_v3(addr, 1, security(v3)).await,
            }
        };
        // A name that does not resolve waits on DNS, which has its own, longer, timeouts.
        let inner = match tokio::time::timeout(timeout * (retries + 1), resolve).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(ConnectorError::Connect {
                    endpoint,
                    reason: format!("cannot resolve or open a socket: {e}"),
                });
            }
            Err(_) => {
                return Err(ConnectorError::Connect {
                    endpoint,
                    reason: "the name did not resolve in time".into(),
                });
            }
        };
        let mut s = Session {
            inner,
            endpoint,
            timeout,
            retries,
            v3: matches!(credentials, Credentials::V3(_)),
        };
        if s.v3 {
            s.discover().await?;
        }
        Ok(s)
    }

    /// `host:port`, for messages.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn discover(&mut self) -> Result<(), ConnectorError> {
        for _ in 0..=self.retries {
            match tokio::time::timeout(self.timeout, self.inner.init()).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) => return Err(self.error(e)),
                Err(_) => continue,
            }
        }
        Err(self.silent())
    }

    /// GET of a few objects in one request; the values come in the order asked.
    pub async fn get(&mut self, oids: &[Vec<u64>]) -> Result<Vec<Value>, ConnectorError> {
        let answer = self
            .request(Request::Get(oids))
            .await?
            .map_err(|status| self.refused(status))?;
        if answer.len() != oids.len() {
            return Err(self.protocol(format!(
                "asked for {} objects, the answer holds {}",
                oids.len(),
                answer.len()
            )));
        }
        Ok(answer.into_iter().map(|(_, v)| v).collect())
    }

    /// GETs of any number of objects, as many a request as one answer holds
    /// ([`ANSWER_VARBINDS`], fewer for an agent that finds that too big); the values come
    /// in the order asked.
    pub async fn get_all(&mut self, oids: &[Vec<u64>]) -> Result<Vec<Value>, ConnectorError> {
        let mut values = Vec::with_capacity(oids.len());
        let mut per_request = ANSWER_VARBINDS as usize;
        let mut rest = oids;
        while !rest.is_empty() {
            let (ask, after) = rest.split_at(per_request.min(rest.len()));
            match self.request(Request::Get(ask)).await? {
                Ok(answer) if answer.len() == ask.len() => {
                    values.extend(answer.into_iter().map(|(_, v)| v));
                    rest = after;
                }
                Ok(answer) => {
                    return Err(self.protocol(format!(
                        "asked for {} objects, the answer holds {}",
                        ask.len(),
                        answer.len()
                    )));
                }
                Err(TOO_BIG) if per_request > 1 => per_request /= 2,
                Err(status) => return Err(self.refused(status)),
            }
        }
        Ok(values)
    }

    /// One GETBULK: `objects` read as a GET would read them, and up to `rows` more rows of
    /// every open column of `columns`. Each object is asked as the GETNEXT of the OID just
    /// before it (a non-repeater), whose answer is the object itself when the agent holds
    /// it and a later one when it does not; the few the answer leaves undecided (something
    /// in between, or cut from the answer) are read by a GET. With no open column, it is a
    /// GET. The objects' values come in the order asked.
    pub async fn bulk(
        &mut self,
        objects: &[Vec<u64>],
        columns: &mut Columns,
        rows: u32,
    ) -> Result<Vec<Value>, ConnectorError> {
        let open = columns.open();
        if open.is_empty() {
            return if objects.is_empty() {
                Ok(Vec::new())
            } else {
                self.get(objects).await
            };
        }
        let non_repeaters = objects.len() as u32;
        let mut rows = rows
            .min(ANSWER_VARBINDS.saturating_sub(non_repeaters) / open.len() as u32)
            .max(1);
        let mut asked: Vec<Vec<u64>> = objects.iter().map(|o| just_before(o)).collect();
        asked.extend(columns.starts(&open));
        let answer = loop {
            let req = Request::Bulk {
                oids: &asked,
                non_repeaters,
                rows,
            };
            match self.request(req).await? {
                Ok(answer) => break answer,
                Err(TOO_BIG) if rows > 1 => rows /= 2,
                // Too big even one row at a time: the objects alone, the columns after.
                Err(TOO_BIG) => return self.get(objects).await,
                Err(status) => return Err(self.refused(status)),
            }
        };
        let (head, tail) = answer.split_at(objects.len().min(answer.len()));
        let mut values = Vec::with_capacity(objects.len());
        let mut undecided = Vec::new();
        for (n, wanted) in objects.iter().enumerate() {
            match head.get(n) {
                Some((oid, value)) if oid == wanted => values.push(value.clone()),
                // Nothing between the OID before and one past it: the agent does not hold it.
                Some((oid, value)) if *value == Value::EndOfMibView || oid > wanted => {
                    values.push(Value::Missing)
                }
                _ => {
                    values.push(Value::Missing);
                    undecided.push(n);
                }
            }
        }
        columns
            .take(&open, tail)
            .map_err(|detail| self.protocol(detail))?;
        if !undecided.is_empty() {
            let again: Vec<Vec<u64>> = undecided.iter().map(|n| objects[*n].clone()).collect();
            for (n, value) in undecided.into_iter().zip(self.get(&again).await?) {
                values[n] = value;
            }
        }
        Ok(values)
    }

    /// Reads every open column of `columns` to its end, side by side, as many rows per
    /// GETBULK as [`ANSWER_VARBINDS`] allows. An agent that finds an answer too big gets
    /// fewer rows, then fewer columns, per request.
    pub async fn finish(&mut self, columns: &mut Columns) -> Result<(), ConnectorError> {
        let (mut max_rows, mut max_columns) = (MORE_ROWS, usize::MAX);
        loop {
            let mut open = columns.open();
            if open.is_empty() {
                return Ok(());
            }
            open.truncate(max_columns);
            let rows = (ANSWER_VARBINDS / open.len() as u32).clamp(1, max_rows);
            let starts = columns.starts(&open);
            let req = Request::Bulk {
                oids: &starts,
                non_repeaters: 0,
                rows,
            };
            match self.request(req).await? {
                // An agent with nothing more to say ends every column asked.
                Ok(answer) if answer.is_empty() => columns.end(&open),
                Ok(answer) => columns
                    .take(&open, &answer)
                    .map_err(|detail| self.protocol(detail))?,
                Err(TOO_BIG) if rows > 1 => max_rows = rows / 2,
                Err(TOO_BIG) if open.len() > 1 => max_columns = open.len() / 2,
                Err(status) => return Err(self.refused(status)),
            }
        }
    }

    /// The agent's answer, or the error-status it answered instead (tooBig, genErr…).
    async fn request(&mut self, req: Request<'_>) -> Result<Result<Answer, u32>, ConnectorError> {
        let mut stale = 0;
        let mut tries = 0;
        loop {
            let sent = tokio::time::timeout(self.timeout, send(&mut self.inner, &req)).await;
            match sent {
                Ok(Ok(answer)) => return Ok(Ok(answer)),
                // The answer to a request given up on came late: read the next one.
                Ok(Err(Failure::Snmp(snmp2::Error::RequestIdMismatch)))
                    if stale < STALE_ANSWERS =>
                {
                    stale += 1
                }
                // The agent's engine clock moved on: snmp2 took the new one, ask again.
                Ok(Err(Failure::Snmp(snmp2::Error::AuthUpdated))) if stale < STALE_ANSWERS => {
                    stale += 1
                }
                Ok(Err(Failure::Snmp(e))) => return Err(self.error(e)),
                Ok(Err(Failure::Status(status))) => return Ok(Err(status)),
                Err(_) => {
                    tries += 1;
                    if tries > self.retries {
                        return Err(self.silent());
                    }
                }
            }
        }
    }

    fn refused(&self, status: u32) -> ConnectorError {
        self.protocol(format!("the agent answered error-status {status}"))
    }

    fn protocol(&self, detail: String) -> ConnectorError {
        ConnectorError::Protocol {
            endpoint: self.endpoint.clone(),
            detail,
        }
    }

    fn silent(&self) -> ConnectorError {
        let total = self.timeout * (self.retries + 1);
        ConnectorError::Timeout {
            endpoint: format!(
                "{} ({} tries of {} ms unanswered: printer off or unreachable, or {} refused)",
                self.endpoint,
                self.retries + 1,
                self.timeout.as_millis(),
                if self.v3 {
                    "the SNMPv3 user"
                } else {
                    "the community"
                }
            ),
            seconds: total.as_secs_f64().ceil() as u64,
        }
    }

    fn error(&self, e: snmp2::Error) -> ConnectorError {
        use snmp2::Error as E;
        let endpoint = self.endpoint.clone();
        match e {
            E::AuthFailure(kind) => ConnectorError::Auth(format!(
                "{endpoint}: SNMPv3 refused ({kind:?}): check the user, the protocols and the \
                 passwords"
            )),
            // A v3 agent answers a wrong password with a Report, not a Response.
            E::AsnWrongType if self.v3 => ConnectorError::Auth(format!(
                "{endpoint}: the agent answered with a report: check the SNMPv3 user, \
                 protocols and passwords"
            )),
            E::Send | E::Receive => ConnectorError::Connect {
                endpoint,
                reason: "the request was refused (nothing listens on that port?)".into(),
            },
            E::AsnParse
            | E::AsnInvalidLen
            | E::AsnWrongType
            | E::AsnUnsupportedType
            | E::AsnEof
            | E::AsnIntOverflow => ConnectorError::Decode {
                endpoint,
                detail: format!("an SNMP answer that does not decode: {e}"),
            },
            other => ConnectorError::Protocol {
                endpoint,
                detail: other.to_string(),
            },
        }
    }
}

async fn send(s: &mut AsyncSession, req: &Request<'_>) -> Result<Answer, Failure> {
    let oids = |oids: &[Vec<u64>]| {
        oids.iter()
            .map(|o| Oid::from(o).map_err(|_| snmp2::Error::ValueOutOfRange))
            .collect::<Result<Vec<_>, _>>()
    };
    let pdu = match req {
        Request::Get(asked) => {
            let owned = oids(asked)?;
            let refs: Vec<&Oid<'_>> = owned.iter().collect();
            s.get_many(&refs).await?
        }
        Request::Bulk {
            oids: asked,
            non_repeaters,
            rows,
        } => {
            let owned = oids(asked)?;
            let refs: Vec<&Oid<'_>> = owned.iter().collect();
            s.getbulk(&refs, *non_repeaters, *rows).await?
        }
    };
    if pdu.error_status != 0 {
        return Err(Failure::Status(pdu.error_status));
    }
    Ok(pdu
        .varbinds
        .clone()
        .map(|(o, v)| (oid_parts(&o), Value::from_snmp(&v)))
        .collect())
}

fn security(v3: &super::params::V3) -> v3::Security {
    let auth_password = v3
        .auth_password
        .as_ref()
        .map(|p| p.expose_secret().as_bytes().to_vec())
        .unwrap_or_default();
    let auth = match v3.level {
        SecurityLevel::NoAuthNoPriv => v3::Auth::NoAuthNoPriv,
        SecurityLevel::AuthNoPriv => v3::Auth::AuthNoPriv,
        SecurityLevel::AuthPriv => v3::Auth::AuthPriv {
            cipher: match v3.priv_protocol {
                PrivProtocol::Des => v3::Cipher::Des,
                PrivProtocol::Aes128 => v3::Cipher::Aes128,
                PrivProtocol::Aes192 => v3::Cipher::Aes192,
                PrivProtocol::Aes256 => v3::Cipher::Aes256,
            },
            privacy_password: v3
                .priv_password
                .as_ref()
                .map(|p| p.expose_secret().as_bytes().to_vec())
                .unwrap_or_default(),
        },
    };
    let protocol = match v3.auth_protocol {
        AuthProtocol::Md5 => v3::AuthProtocol::Md5,
        AuthProtocol::Sha1 => v3::AuthProtocol::Sha1,
        AuthProtocol::Sha224 => v3::AuthProtocol::Sha224,
        AuthProtocol::Sha256 => v3::AuthProtocol::Sha256,
        AuthProtocol::Sha384 => v3::AuthProtocol::Sha384,
        AuthProtocol::Sha512 => v3::AuthProtocol::Sha512,
    };
    v3::Security::new(v3.user.as_bytes(), &auth_password)
        .with_auth_protocol(protocol)
        .with_auth(auth)
        .with_context_name(&v3.context)
}

/// The OID whose GETNEXT is `oid` when the agent holds `oid`: a scalar's object (`.0`
/// comes right after it), else the same with the last arc one lower (the row before, for
/// tables of integer indexes). Whatever the agent holds in between is said by the answer.
fn just_before(oid: &[u64]) -> Vec<u64> {
    match oid.split_last() {
        Some((0, object)) => object.to_vec(),
        Some((last, object)) => {
            let mut before = object.to_vec();
            before.push(last - 1);
            before
        }
        None => Vec::new(),
    }
}

/// `1.3.6.1…`, for messages.
pub fn dotted(oid: &[u64]) -> String {
    oid.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}
