//! Connector errors: typed, with a bounded `error_type` for metrics labels.

use thiserror::Error;

/// Bounded set of error kinds, used as the `error_type` label of
/// `parcd_source_errors_total`. Never add a variant per message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorType {
    Timeout,
    Connect,
    Auth,
    Http,
    Decode,
    Protocol,
    RateLimited,
    Config,
}

impl ErrorType {
    pub const ALL: [ErrorType; 8] = [
        ErrorType::Timeout,
        ErrorType::Connect,
        ErrorType::Auth,
        ErrorType::Http,
        ErrorType::Decode,
        ErrorType::Protocol,
        ErrorType::RateLimited,
        ErrorType::Config,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Timeout => "timeout",
            ErrorType::Connect => "connect",
            ErrorType::Auth => "auth",
            ErrorType::Http => "http",
            ErrorType::Decode => "decode",
            ErrorType::Protocol => "protocol",
            ErrorType::RateLimited => "rate_limited",
            ErrorType::Config => "config",
        }
    }
}

/// Everything that can go wrong while reading a source. Messages never carry a secret:
/// tokens and passwords are kept out of every variant.
#[derive(Debug, Clone, Error)]
pub enum ConnectorError {
    #[error("request to {endpoint} timed out after {seconds} s")]
    Timeout { endpoint: String, seconds: u64 },

    #[error("cannot reach {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },

    #[error("authentication refused: {0}")]
    Auth(String),

    #[error("{endpoint} answered HTTP {status}: {detail}")]
    Http {
        endpoint: String,
        status: u16,
        detail: String,
    },

    #[error("{endpoint} sent a body that is not what the API documents: {detail}")]
    Decode { endpoint: String, detail: String },

    #[error("{endpoint}: {detail}")]
    Protocol { endpoint: String, detail: String },

    /// The source asked parcd to slow down (HTTP 429). The core waits at least
    /// `retry_after` before the next attempt.
    #[error("{endpoint} asked to slow down (HTTP 429){}", retry_after.map(|d| format!(", retry after {} s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        endpoint: String,
        retry_after: Option<std::time::Duration>,
    },

    #[error("invalid configuration: {0}")]
    Config(String),
}

impl ConnectorError {
    /// The bounded label for metrics.
    pub fn error_type(&self) -> ErrorType {
        match self {
            ConnectorError::Timeout { .. } => ErrorType::Timeout,
            ConnectorError::Connect { .. } => ErrorType::Connect,
            ConnectorError::Auth(_) => ErrorType::Auth,
            ConnectorError::Http { .. } => ErrorType::Http,
            ConnectorError::Decode { .. } => ErrorType::Decode,
            ConnectorError::Protocol { .. } => ErrorType::Protocol,
            ConnectorError::RateLimited { .. } => ErrorType::RateLimited,
            ConnectorError::Config(_) => ErrorType::Config,
        }
    }

    /// How long the source asked to be left alone, when it said.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            ConnectorError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
/// The innermost cause of an error: what the network or the parser actually said.
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

impl ConnectorError {
    /// An HTTP client's failure, for a source whose requests wait `timeout` at most.
    pub fn from_transport(
        endpoint: &str,
        timeout: std::time::Duration,
        e: &reqwest::Error,
    ) -> Self {
        if e.is_timeout() {
            ConnectorError::Timeout {
                endpoint: endpoint.to_string(),
                seconds: timeout.as_secs(),
            }
        } else if cut_short(e) {
            // A connection closed halfway through the answer is the network's fault (or a
            // proxy's, or a restarting server's), not a malformed payload: retried like a
            // refused connection, and said so rather than "not what the API documents".
            ConnectorError::Connect {
                endpoint: endpoint.to_string(),
                reason: format!(
                    "the connection closed before the answer was complete ({})",
                    root_cause(e)
                ),
            }
        } else if e.is_connect() || e.is_request() || e.is_body() {
            ConnectorError::Connect {
                endpoint: endpoint.to_string(),
                reason: root_cause(e),
            }
        } else {
            ConnectorError::Decode {
                endpoint: endpoint.to_string(),
                detail: root_cause(e),
            }
        }
    }
}

/// Whether an HTTP client's error is an answer cut short: its causes hold an I/O error of a
/// connection that went away (an end of file before the `Content-Length` or the last chunk,
/// a reset). reqwest reports such a body as one it could not decode (`is_decode`), hyper's
/// I/O error underneath says what happened.
fn cut_short(e: &reqwest::Error) -> bool {
    use std::io::ErrorKind;
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ErrorKind::UnexpectedEof
                    | ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
            )
        {
            return true;
        }
        cause = c.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server on 127.0.0.1 that answers one request with `answer`, then closes.
    async fn answering(answer: &'static [u8]) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(answer).await;
        });
        format!("http://{addr}/")
    }

    async fn read(answer: &'static [u8]) -> ConnectorError {
        let url = answering(answer).await;
        let timeout = std::time::Duration::from_secs(10);
        let e = async { reqwest::Client::new().get(&url).send().await?.bytes().await }
            .await
            .expect_err("the answer is cut");
        ConnectorError::from_transport(&url, timeout, &e)
    }

    #[tokio::test]
    async fn an_answer_cut_before_its_length_or_last_chunk_is_a_connection_error() {
        for answer in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[[\"doveadmResponse\""[..],
            &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n[[\"doveadm"[..],
        ] {
            let e = read(answer).await;
            assert_eq!(e.error_type(), ErrorType::Connect, "{e}");
            assert!(
                e.to_string()
                    .contains("closed before the answer was complete"),
                "{e}"
            );
        }
    }
}
