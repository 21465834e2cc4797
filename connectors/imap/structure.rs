//! The bytes of a message that are attachments, from its `BODYSTRUCTURE` (RFC 3501 §7.4.2).
//!
//! A leaf part counts as an attachment when its disposition says `attachment`, when it has
//! a file name (`filename` of the disposition, `name` of the content type), or when it is
//! neither text nor a multipart container (images, PDFs, archives, an attached message):
//! an inline image weighs what an attached one does. Its size is the part's encoded size
//! (base64 for most), which is what the server stores. Text parts without a file name are
//! the message's body.

use super::protocol::Value;

/// Attachment bytes of one message's body structure.
pub fn attachment_bytes(body: &Value) -> u64 {
    let Some(fields) = body.list() else {
        return 0;
    };
    if fields.first().and_then(Value::list).is_some() {
        // multipart: the parts, then the subtype and its extension data.
        return fields
            .iter()
            .take_while(|f| f.list().is_some())
            .map(attachment_bytes)
            .sum();
    }
    let kind = fields
        .first()
        .and_then(Value::text)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let subtype = fields
        .get(1)
        .and_then(Value::text)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let size = fields
        .get(6)
        .and_then(|v| v.number().or_else(|| v.text()?.parse().ok()))
        .unwrap_or(0);
    // The fields before the extension data: basic 7, text adds lines, message/rfc822 adds
    // envelope, body and lines.
    let basic = match (kind.as_str(), subtype.as_str()) {
        ("text", _) => 8,
        ("message", "rfc822") | ("message", "global") => 10,
        _ => 7,
    };
    // body-ext-1part: md5, then the disposition.
    let disposition = fields.get(basic + 1).and_then(Value::list);
    let attached = disposition
        .and_then(|d| d.first())
        .and_then(Value::text)
        .is_some_and(|d| d.eq_ignore_ascii_case("attachment"));
    let disposition_name = disposition
        .and_then(|d| d.get(1))
        .is_some_and(|params| has_param(params, &["filename", "filename*"]));
    let type_name = fields
        .get(2)
        .is_some_and(|params| has_param(params, &["name", "name*"]));
    if attached || disposition_name || type_name || kind != "text" {
        size
    } else {
        0
    }
}

fn has_param(params: &Value, names: &[&str]) -> bool {
    params.list().is_some_and(|l| {
        l.chunks(2).any(|kv| {
            kv.first()
                .and_then(Value::text)
                .is_some_and(|k| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::protocol::tokens;

    fn bs(s: &str) -> Value {
        tokens(format!("1 FETCH (BODYSTRUCTURE {s})").as_bytes()).unwrap()[2]
            .list()
            .unwrap()[1]
            .clone()
    }

    #[test]
    fn a_plain_text_message_has_no_attachment() {
        let v =
            bs(r#"("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 1520 30 NIL NIL NIL NIL)"#);
        assert_eq!(attachment_bytes(&v), 0);
    }

    #[test]
    fn a_pdf_attached_to_a_text_counts_its_encoded_size() {
        // As Dovecot 2.3 answers for the test messages with an attachment.
        let v = bs(concat!(
            r#"(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 410 6 NIL NIL NIL NIL)"#,
            r#"("application" "pdf" ("name" "cr.pdf") NIL NIL "base64" 40530 NIL ("attachment" ("filename" "cr.pdf")) NIL NIL)"#,
            r#" "mixed" ("boundary" "parcd-b") NIL NIL NIL)"#
        ));
        assert_eq!(attachment_bytes(&v), 40530);
    }

    #[test]
    fn inline_images_and_attached_messages_count_an_html_alternative_does_not() {
        let v = bs(concat!(
            r#"((("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 200 5 NIL NIL NIL NIL)"#,
            r#"("text" "html" ("charset" "utf-8") NIL NIL "quoted-printable" 900 20 NIL NIL NIL NIL) "alternative" ("boundary" "a") NIL NIL NIL)"#,
            r#"("image" "png" NIL "<logo>" NIL "base64" 5000 NIL ("inline" NIL) NIL NIL)"#,
            r#"("message" "rfc822" NIL NIL NIL "7bit" 3000 NIL ("text" "plain" NIL NIL NIL "7bit" 10 1 NIL NIL NIL NIL) 60 NIL NIL NIL NIL)"#,
            r#"("text" "csv" ("charset" "utf-8" "name" "budget.csv") NIL NIL "base64" 700 10 NIL ("attachment" ("filename" "budget.csv")) NIL NIL)"#,
            r#" "mixed" ("boundary" "b") NIL NIL NIL)"#
        ));
        assert_eq!(attachment_bytes(&v), 5000 + 3000 + 700);
    }
}
