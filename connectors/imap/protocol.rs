//! The IMAP4rev1 wire (RFC 3501): tagged commands, responses framed with their literals,
//! and the tokens of an untagged response.
//!
//! Why not async-imap: its parser (imap-proto 0.17) does not know `STATUS … SIZE`
//! (RFC 8438) nor the STATUS answers of `LIST … RETURN (STATUS …)` (RFC 5819), the two
//! commands that give a folder's size in one round trip, and a response it cannot parse
//! leaves its session unusable (shared/research/protocols.md §2.4). Only a few commands
//! are needed here (CAPABILITY, STARTTLS, AUTHENTICATE, LIST, STATUS, EXAMINE, FETCH,
//! UID SEARCH/FETCH, GETQUOTAROOT, LOGOUT), all read through one generic reader: atoms,
//! quoted strings, literals, NIL and parenthesised lists.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// A response larger than this is refused: a server streaming without end must not take
/// the daemon's memory (a FETCH line of one message's BODYSTRUCTURE is a few KiB).
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// One token of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Atom(String),
    /// A quoted string or a literal.
    Str(Vec<u8>),
    Nil,
    List(Vec<Value>),
}

impl Value {
    /// The text of an atom or a string.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Atom(a) => Some(a.clone()),
            Value::Str(s) => Some(String::from_utf8_lossy(s).into_owned()),
            _ => None,
        }
    }

    pub fn number(&self) -> Option<u64> {
        match self {
            Value::Atom(a) => a.parse().ok(),
            _ => None,
        }
    }

    pub fn list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// True for an atom equal to `word`, whatever its case.
    pub fn is(&self, word: &str) -> bool {
        matches!(self, Value::Atom(a) if a.eq_ignore_ascii_case(word))
    }
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    No,
    Bad,
}

/// A tagged completion, with its response code (`[AUTHENTICATIONFAILED]`,
/// `[NONEXISTENT]`…) but not its human text, which may name a mailbox or a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub status: Status,
    pub code: Option<String>,
}

impl Done {
    /// `NO [NONEXISTENT]` or `NO` without a code: for the error messages.
    pub fn describe(&self) -> String {
        let word = match self.status {
            Status::Ok => "OK",
            Status::No => "NO",
            Status::Bad => "BAD",
        };
        match &self.code {
            Some(c) => format!("{word} [{c}]"),
            None => word.to_string(),
        }
    }
}

/// What went wrong on the wire.
#[derive(Debug)]
pub enum WireError {
    Io(std::io::Error),
    /// The server closed the connection (after a `BYE`, or without one).
    Closed {
        bye: bool,
    },
    TimedOut,
    /// The server sent something that is not IMAP.
    Garbled(String),
}

impl From<std::io::Error> for WireError {
    fn from(e: std::io::Error) -> Self {
        WireError::Io(e)
    }
}

/// One connection's reader and writer.
pub struct Wire<S> {
    io: BufReader<S>,
    next_tag: u32,
    timeout: Duration,
}

/// A response: the first line's kind and its raw bytes (literals inline).
pub enum Response {
    /// `* …`: the tokens after the `*`.
    Untagged(Vec<u8>),
    /// `+ …`: the server waits for more of the command.
    Continue,
    Tagged {
        tag: String,
        done: Done,
    },
}

impl<S: AsyncRead + AsyncWrite + Unpin> Wire<S> {
    pub fn new(stream: S, timeout: Duration) -> Self {
        Wire {
            io: BufReader::new(stream),
            next_tag: 0,
            timeout,
        }
    }

    /// Bytes read from the server but not yet handed out: must be none when STARTTLS
    /// switches the stream (else they were injected before the handshake).
    pub fn buffered(&self) -> usize {
        self.io.buffer().len()
    }

    pub fn into_inner(self) -> S {
        self.io.into_inner()
    }

    /// Reads one whole response, its literals included.
    pub async fn read(&mut self) -> Result<Response, WireError> {
        let timeout = self.timeout;
        tokio::time::timeout(timeout, self.read_raw())
            .await
            .map_err(|_| WireError::TimedOut)?
    }

    async fn read_raw(&mut self) -> Result<Response, WireError> {
        let mut raw = Vec::new();
        loop {
            let start = raw.len();
            self.io.read_until(b'\n', &mut raw).await?;
            if !raw.ends_with(b"\n") {
                // End of stream, before a line's end: the connection was cut.
                let bye = raw.starts_with(b"* BYE");
                return Err(WireError::Closed { bye });
            }
            if raw.len() > MAX_RESPONSE_BYTES {
                return Err(WireError::Garbled(format!(
                    "a response longer than {} MiB",
                    MAX_RESPONSE_BYTES / 1024 / 1024
                )));
            }
            match literal_length(&raw[start..]) {
                Some(len) if raw.len() + len <= MAX_RESPONSE_BYTES => {
                    let at = raw.len();
                    raw.resize(at + len, 0);
                    self.io.read_exact(&mut raw[at..]).await.map_err(|e| {
                        if e.kind() == std::io::ErrorKind::UnexpectedEof {
                            WireError::Closed { bye: false }
                        } else {
                            WireError::Io(e)
                        }
                    })?;
                }
                Some(_) => {
                    return Err(WireError::Garbled("a literal larger than allowed".into()));
                }
                None => break,
            }
        }
        while raw.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            raw.pop();
        }
        if let Some(rest) = raw.strip_prefix(b"* ") {
            if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"BYE") {
                // The server is leaving; what it said is its reason, not for a log.
                return Err(WireError::Closed { bye: true });
            }
            return Ok(Response::Untagged(rest.to_vec()));
        }
        if raw.starts_with(b"+") {
            return Ok(Response::Continue);
        }
        let text = String::from_utf8_lossy(&raw);
        let mut parts = text.splitn(3, ' ');
        let tag = parts.next().unwrap_or("").to_string();
        let word = parts.next().unwrap_or("");
        let status = if word.eq_ignore_ascii_case("OK") {
            Status::Ok
        } else if word.eq_ignore_ascii_case("NO") {
            Status::No
        } else if word.eq_ignore_ascii_case("BAD") {
            Status::Bad
        } else {
            return Err(WireError::Garbled(
                "a line that is not an IMAP response".into(),
            ));
        };
        let code = parts.next().and_then(response_code);
        Ok(Response::Tagged {
            tag,
            done: Done { status, code },
        })
    }

    /// Sends `command` (without tag nor CRLF); returns its tag.
    pub async fn send(&mut self, command: &[u8]) -> Result<String, WireError> {
        self.next_tag += 1;
        let tag = format!("p{}", self.next_tag);
        let mut line = Vec::with_capacity(command.len() + tag.len() + 3);
        line.extend_from_slice(tag.as_bytes());
        line.push(b' ');
        line.extend_from_slice(command);
        line.extend_from_slice(b"\r\n");
        self.write_line(&line).await?;
        Ok(tag)
    }

    /// Writes raw bytes (a continuation's answer).
    pub async fn write_line(&mut self, line: &[u8]) -> Result<(), WireError> {
        let timeout = self.timeout;
        let io = self.io.get_mut();
        tokio::time::timeout(timeout, async {
            io.write_all(line).await?;
            io.flush().await
        })
        .await
        .map_err(|_| WireError::TimedOut)??;
        Ok(())
    }

    /// Runs one command, handing each untagged response to `on_untagged` as it comes
    /// (a FETCH of a large folder is never held whole), until its tagged completion.
    pub async fn run(
        &mut self,
        command: &[u8],
        mut on_untagged: impl FnMut(&[Value]),
    ) -> Result<Done, WireError> {
        let tag = self.send(command).await?;
        loop {
            match self.read().await? {
                Response::Untagged(raw) => {
                    let tokens = tokens(&raw)
                        .map_err(|e| WireError::Garbled(format!("an unreadable response ({e})")))?;
                    on_untagged(&tokens);
                }
                Response::Continue => {
                    return Err(WireError::Garbled(
                        "a continuation request to a command that sends none".into(),
                    ));
                }
                Response::Tagged { tag: t, done } if t == tag => return Ok(done),
                Response::Tagged { .. } => {
                    return Err(WireError::Garbled(
                        "a completion for another command".into(),
                    ));
                }
            }
        }
    }
}

/// `{123}` or `{123+}` at the end of a line: the length of the literal that follows.
fn literal_length(line: &[u8]) -> Option<usize> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|b| *b == b'{')?;
    let digits = &inner[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The response code of a status response's text: `[NONEXISTENT] Mailbox…` → `NONEXISTENT`.
fn response_code(text: &str) -> Option<String> {
    let rest = text.strip_prefix('[')?;
    let end = rest.find(']')?;
    let code = &rest[..end];
    // Only the code's name: its arguments may be a folder's name.
    Some(code.split(' ').next().unwrap_or(code).to_ascii_uppercase())
}

/// The tokens of an untagged response (what follows `* `). Status responses
/// (`OK [UIDVALIDITY 3] …`) give their word, then the bracketed code's tokens as a list.
pub fn tokens(raw: &[u8]) -> Result<Vec<Value>, String> {
    let mut p = Parser { s: raw, i: 0 };
    let first = p.atom_or_value()?;
    let status_word = ["OK", "NO", "BAD", "PREAUTH"].iter().any(|w| first.is(w));
    if status_word {
        let mut out = vec![first];
        p.skip_spaces();
        if p.peek() == Some(b'[') {
            let end = raw[p.i..]
                .iter()
                .position(|b| *b == b']')
                .ok_or("an unclosed response code")?;
            let inside = &raw[p.i + 1..p.i + end];
            out.push(Value::List(tokens_of(inside)?));
        }
        return Ok(out);
    }
    let mut out = vec![first];
    loop {
        p.skip_spaces();
        if p.i >= p.s.len() {
            return Ok(out);
        }
        out.push(p.value()?);
    }
}

fn tokens_of(raw: &[u8]) -> Result<Vec<Value>, String> {
    let mut p = Parser { s: raw, i: 0 };
    let mut out = Vec::new();
    loop {
        p.skip_spaces();
        if p.i >= p.s.len() {
            return Ok(out);
        }
        out.push(p.value()?);
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    fn atom_or_value(&mut self) -> Result<Value, String> {
        self.value()
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            None => Err("a response that ends too early".into()),
            Some(b'(') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_spaces();
                    match self.peek() {
                        None => return Err("an unclosed list".into()),
                        Some(b')') => {
                            self.i += 1;
                            return Ok(Value::List(items));
                        }
                        Some(_) => items.push(self.value()?),
                    }
                }
            }
            Some(b'"') => {
                self.i += 1;
                let mut out = Vec::new();
                loop {
                    match self.peek() {
                        None => return Err("an unclosed quoted string".into()),
                        Some(b'\\') => {
                            let c = self.s.get(self.i + 1).copied().ok_or("a dangling escape")?;
                            out.push(c);
                            self.i += 2;
                        }
                        Some(b'"') => {
                            self.i += 1;
                            return Ok(Value::Str(out));
                        }
                        Some(c) => {
                            out.push(c);
                            self.i += 1;
                        }
                    }
                }
            }
            Some(b'{') => {
                let close = self.s[self.i..]
                    .iter()
                    .position(|b| *b == b'}')
                    .ok_or("an unclosed literal length")?
                    + self.i;
                let digits = std::str::from_utf8(&self.s[self.i + 1..close])
                    .map_err(|_| "a literal length that is not a number")?;
                let len: usize = digits
                    .trim_end_matches('+')
                    .parse()
                    .map_err(|_| "a literal length that is not a number")?;
                let mut start = close + 1;
                if self.s.get(start) == Some(&b'\r') {
                    start += 1;
                }
                if self.s.get(start) == Some(&b'\n') {
                    start += 1;
                }
                let end = start + len;
                if end > self.s.len() {
                    return Err("a literal cut short".into());
                }
                self.i = end;
                Ok(Value::Str(self.s[start..end].to_vec()))
            }
            Some(_) => {
                let start = self.i;
                // Brackets belong to atoms such as `BODY[]`; a `[` opens a section whose
                // spaces do not end the atom.
                let mut depth = 0usize;
                while let Some(c) = self.peek() {
                    match c {
                        b'[' => depth += 1,
                        b']' => depth = depth.saturating_sub(1),
                        b' ' | b'(' | b')' if depth == 0 => break,
                        b'"' | b'{' if depth == 0 => break,
                        _ => {}
                    }
                    self.i += 1;
                }
                if self.i == start {
                    return Err("an empty atom".into());
                }
                let atom = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                if atom.eq_ignore_ascii_case("NIL") {
                    Ok(Value::Nil)
                } else {
                    Ok(Value::Atom(atom))
                }
            }
        }
    }
}

/// A quoted string for a command: `"` and `\` escaped. `None` for text a quoted string
/// cannot carry (CR, LF, NUL).
pub fn quoted(text: &str) -> Option<String> {
    if text.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return None;
    }
    Some(format!(
        "\"{}\"",
        text.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

/// Decodes a folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): `Envoy&AOk-s` →
/// `Envoyés`. An invalid sequence is kept as written.
pub fn decode_folder_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(dash) = after.find('-') else {
            out.push_str(&rest[amp..]);
            return out;
        };
        let encoded = &after[..dash];
        if encoded.is_empty() {
            out.push('&');
        } else {
            match decode_mutf7_run(encoded) {
                Some(s) => out.push_str(&s),
                None => out.push_str(&rest[amp..amp + 2 + dash]),
            }
        }
        rest = &after[dash + 1..];
    }
    out.push_str(rest);
    out
}

fn decode_mutf7_run(encoded: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut units = Vec::new();
    for c in encoded.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b',' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 16 {
            nbits -= 16;
            units.push(((bits >> nbits) & 0xFFFF) as u16);
        }
    }
    String::from_utf16(&units).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<Value> {
        tokens(s.as_bytes()).unwrap()
    }

    fn atom(s: &str) -> Value {
        Value::Atom(s.into())
    }

    #[test]
    fn list_status_and_fetch_responses_tokenise() {
        assert_eq!(
            t(r#"LIST (\HasNoChildren \Sent) "/" Sent"#),
            vec![
                atom("LIST"),
                Value::List(vec![atom("\\HasNoChildren"), atom("\\Sent")]),
                Value::Str(b"/".to_vec()),
                atom("Sent"),
            ]
        );
        assert_eq!(
            t("STATUS \"Dossier \\\"A\\\"\" (MESSAGES 6 SIZE 168012)")[1],
            Value::Str(b"Dossier \"A\"".to_vec())
        );
        let f = t("12 FETCH (UID 40 RFC822.SIZE 3021 BODY[HEADER.FIELDS (FROM)] {5}\r\nabcde)");
        let items = f[2].list().unwrap();
        assert_eq!(items[2], Value::Atom("RFC822.SIZE".into()));
        assert_eq!(items[4], Value::Atom("BODY[HEADER.FIELDS (FROM)]".into()));
        assert_eq!(items[5], Value::Str(b"abcde".to_vec()));
        assert_eq!(t("LIST () NIL INBOX")[2], Value::Nil);
    }

    #[test]
    fn status_responses_give_their_code_not_their_text() {
        let v = t("OK [UIDVALIDITY 1733500000] UIDs valid");
        assert_eq!(
            v,
            vec![
                atom("OK"),
                Value::List(vec![atom("UIDVALIDITY"), atom("1733500000")])
            ]
        );
        assert_eq!(
            response_code("[NONEXISTENT] Mailbox doesn't exist: Secret"),
            Some("NONEXISTENT".into())
        );
        assert_eq!(response_code("Logged in"), None);
    }

    #[test]
    fn literal_lengths_are_found_at_the_end_of_a_line_only() {
        assert_eq!(literal_length(b"* 1 FETCH (BODY[] {42}\r\n"), Some(42));
        assert_eq!(literal_length(b"* LIST () \"/\" {7+}\r\n"), Some(7));
        assert_eq!(literal_length(b"* OK {not}\r\n"), None);
        assert_eq!(literal_length(b"* OK done\r\n"), None);
    }

    #[test]
    fn folder_names_decode_from_modified_utf7() {
        assert_eq!(
            decode_folder_name("&AMk-l&AOk-ments envoy&AOk-s"),
            "Éléments envoyés"
        );
        assert_eq!(decode_folder_name("Sent"), "Sent");
        assert_eq!(
            decode_folder_name("R&AOk-sum&AOk- &- notes"),
            "Résumé & notes"
        );
        assert_eq!(quoted("a\"b\\c").unwrap(), r#""a\"b\\c""#);
        assert_eq!(quoted("a\r\nb"), None);
    }

    #[tokio::test]
    async fn a_response_with_a_literal_is_read_whole_and_a_cut_connection_is_closed() {
        let (client, mut server) = tokio::io::duplex(4096);
        let mut w = Wire::new(client, Duration::from_secs(5));
        server
            .write_all(b"* LIST () \"/\" {4}\r\nA Bc\r\np1 OK done\r\n* 1 FETCH (RFC822.SIZE 9")
            .await
            .unwrap();
        let mut names = Vec::new();
        let done = w
            .run(b"LIST \"\" \"*\"", |v| names.push(v[3].clone()))
            .await
            .unwrap();
        assert_eq!(done.status, Status::Ok);
        assert_eq!(names, vec![Value::Str(b"A Bc".to_vec())]);
        drop(server);
        match w.read().await {
            Err(WireError::Closed { bye: false }) => {}
            _ => panic!("a cut connection must read as closed"),
        }
    }
}
