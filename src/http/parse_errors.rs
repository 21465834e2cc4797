//! hyper answers a request it cannot read by itself, before any handler or layer sees it: a
//! head larger than its buffer or with too many headers (431), a URI over its 64 KiB (414),
//! a malformed request line or header (400). Its answer has the status and an empty body,
//! then the connection closes. [`Explained`] wraps a connection's stream and gives such an
//! answer the JSON body `{"error": "…"}` every other refusal of parcd has, saying what was
//! wrong and what to send instead.
//!
//! It recognises hyper's automatic answer by its form, which no handler of parcd produces:
//! one of those three statuses, `content-length: 0`, and nothing after the head.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Longer than any head hyper writes by itself (its status line, `content-length: 0` and
/// `date`).
const MAX_AUTOMATIC_HEAD: usize = 256;

/// A connection's stream whose hyper-made error answers carry an explanation.
pub struct Explained<T> {
    inner: T,
    /// The answer being written in place of hyper's: its bytes, how many are written, and
    /// the length of hyper's answer, reported written once ours is.
    replacing: Option<(Vec<u8>, usize, usize)>,
}

impl<T> Explained<T> {
    pub fn new(inner: T) -> Explained<T> {
        Explained {
            inner,
            replacing: None,
        }
    }
}

/// The answer to write instead of `head`, when `head` is one of hyper's own.
fn explained(head: &[u8]) -> Option<Vec<u8>> {
    // Every answer passes here: most are told apart by their first bytes or their size.
    if head.len() > MAX_AUTOMATIC_HEAD || !head.starts_with(b"HTTP/1.1 4") {
        return None;
    }
    let text = std::str::from_utf8(head).ok()?;
    if !text.ends_with("\r\n\r\n")
        || !text
            .to_ascii_lowercase()
            .contains("\r\ncontent-length: 0\r\n")
    {
        return None;
    }
    let (status, error) = if text.starts_with("HTTP/1.1 431 ") {
        (
            "431 Request Header Fields Too Large",
            format!(
                "the request's headers are over the {} bytes (or 100 headers) parcd reads: send fewer or shorter headers, such as cookies",
                super::guard::MAX_HEADER_BYTES
            ),
        )
    } else if text.starts_with("HTTP/1.1 414 ") {
        (
            "414 URI Too Long",
            format!(
                "the request's URI is over the {} bytes parcd reads",
                super::guard::MAX_URI_BYTES
            ),
        )
    } else if text.starts_with("HTTP/1.1 400 ") {
        (
            "400 Bad Request",
            "the request is not valid HTTP/1.1: check its request line and that each header is `Name: value`".to_string(),
        )
    } else {
        return None;
    };
    let body = serde_json::json!({ "error": error }).to_string();
    Some(
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

impl<T: AsyncRead + Unpin> AsyncRead for Explained<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Explained<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacing.is_none()
            && let Some(answer) = explained(buf)
        {
            this.replacing = Some((answer, 0, buf.len()));
        }
        let Some((answer, written, reported)) = &mut this.replacing else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        while *written < answer.len() {
            let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &answer[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        let reported = *reported;
        this.replacing = None;
        Poll::Ready(Ok(reported))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    // No vectored writes: hyper then writes each answer's head as one buffer, which is what
    // `explained` reads.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_own_empty_answers_are_explained() {
        let hyper_431 = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 05:00:00 GMT\r\n\r\n";
        let answer = String::from_utf8(explained(hyper_431).unwrap()).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(
            json["error"].as_str().unwrap().contains("headers"),
            "{json}"
        );

        let bad = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        assert!(explained(bad).is_some());
        // A handler's own refusal has its body already; a success is left alone.
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 20\r\n\r\n";
        assert!(explained(ours).is_none());
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert!(explained(ok).is_none());
        let with_body =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n{}";
        assert!(explained(with_body).is_none());
    }

    #[tokio::test]
    async fn a_head_over_the_buffer_gets_a_json_431_from_a_real_connection() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (client, server) = tokio::io::duplex(1 << 16);
        let service = hyper::service::service_fn(|_req| async {
            Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("served")))
        });
        let serving = tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.max_buf_size(8192);
            let _ = builder
                .serve_connection(
                    hyper_util::rt::TokioIo::new(Explained::new(server)),
                    service,
                )
                .await;
        });
        let mut client = client;
        let mut request = b"GET / HTTP/1.1\r\nhost: parcd\r\n".to_vec();
        for i in 0..200 {
            request.extend_from_slice(format!("x-filler-{i}: {}\r\n", "y".repeat(40)).as_bytes());
        }
        request.extend_from_slice(b"\r\n");
        // The answer comes once hyper has read its buffer's worth, before the rest is sent.
        let _ = client.write_all(&request).await;
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.unwrap();
        serving.await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 431 ") && answer.contains("\"error\""),
            "{answer}"
        );
    }
}
