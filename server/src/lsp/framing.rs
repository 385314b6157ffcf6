//! A guard in front of the protocol library's reader. tower-lsp-server stops reading for good
//! after one undecodable message (its framed reader ends at the first error), so one bad frame
//! from an editor would end the session. This task reads stdin itself, re-synchronises on the
//! next `Content-Length` header after garbage, drops frames that are not JSON (with a line on
//! stderr) and forwards only well-formed frames.
//!
//! A body is one JSON value, so a wrong `Content-Length` is recovered from the JSON itself:
//! when the declared length is too long (the value ends early and the next header, or nothing
//! yet, follows it) or too short (the value runs past it), the message is the JSON value.
//! Without this a too-long length would stall the server until later messages filled it.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Frames larger than this are skipped rather than buffered.
const MAX_FRAME: usize = 256 * 1024 * 1024;
/// A header line longer than this is garbage; it is dropped without waiting for its end.
const MAX_HEADER_LINE: usize = 64 * 1024;
/// How far past a too-short declared length a message may run and still be recovered.
const MAX_OVERRUN: usize = 16 * 1024 * 1024;
const READ_CHUNK: usize = 64 * 1024;

/// Copy well-formed frames from `input` to `output` until `input` ends.
pub async fn forward_frames(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut input = Input::new(input);
    loop {
        let Some(length) = input.header().await else {
            return;
        };
        let Some(length) = length else {
            eprintln!("chainwarden lsp: skipped a message without a valid Content-Length");
            continue;
        };
        if length > MAX_FRAME {
            eprintln!("chainwarden lsp: skipped a message of {length} bytes (too large)");
            if !input.skip(length).await {
                return;
            }
            continue;
        }
        let Some(body) = input.body(length).await else {
            return;
        };
        let Some(body) = body else {
            continue;
        };
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        if output.write_all(header.as_bytes()).await.is_err()
            || output.write_all(&body).await.is_err()
            || output.flush().await.is_err()
        {
            return;
        }
    }
}

/// Buffered input that can look ahead as far as it needs before consuming.
struct Input<R> {
    reader: R,
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf`.
    pos: usize,
    eof: bool,
}

impl<R: AsyncRead + Unpin> Input<R> {
    fn new(reader: R) -> Self {
        Input {
            reader,
            buf: Vec::new(),
            pos: 0,
            eof: false,
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > READ_CHUNK && self.pos * 2 > self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    /// Read more bytes; false at the end of the input (or on a read error).
    async fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        self.buf.reserve(READ_CHUNK);
        let n = self.reader.read_buf(&mut self.buf).await.unwrap_or(0);
        self.eof = n == 0;
        n > 0
    }

    /// One line, without its `\n`; `None` at the end of the input.
    async fn line(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', self.unread()) {
                let line = self.unread()[..i].to_vec();
                self.consume(i + 1);
                return Some(line);
            }
            if self.unread().len() > MAX_HEADER_LINE {
                // Keep a tail in case a header starts in it.
                let keep = "Content-Length:".len();
                let drop = self.unread().len() - keep;
                eprintln!("chainwarden lsp: skipped input that is not a message header");
                self.consume(drop);
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    /// Header lines up to the blank line: `Some(length)` (`Some(None)` when the headers had
    /// no valid `Content-Length`); `None` at the end of the input.
    async fn header(&mut self) -> Option<Option<usize>> {
        let mut length: Option<usize> = None;
        let mut saw_header = false;
        loop {
            let line = self.line().await?;
            let line = String::from_utf8_lossy(&line);
            let trimmed = line.trim();
            if trimmed.is_empty() {
                if saw_header {
                    return Some(length);
                }
                continue;
            }
            // Anything before a Content-Length on its line is garbage.
            if let Some(i) = trimmed.find("Content-Length:") {
                saw_header = true;
                length = trimmed[i + "Content-Length:".len()..].trim().parse().ok();
            } else if trimmed.starts_with("Content-Type:") {
                saw_header = true;
            } else {
                eprintln!("chainwarden lsp: skipped input that is not a message header");
                saw_header = false;
                length = None;
            }
        }
    }

    /// Discard `n` bytes; false if the input ends first.
    async fn skip(&mut self, mut n: usize) -> bool {
        loop {
            let take = n.min(self.unread().len());
            self.consume(take);
            n -= take;
            if n == 0 {
                return true;
            }
            if !self.fill().await {
                return false;
            }
        }
    }

    /// The body of a frame that declared `length` bytes: `Some(Some(json))`, or `Some(None)`
    /// when it is not JSON and was dropped; `None` at the end of the input.
    async fn body(&mut self, length: usize) -> Option<Option<Vec<u8>>> {
        loop {
            let data = self.unread();
            let complete = data.len() >= length;
            if complete && is_json(&data[..length]) {
                let body = data[..length].to_vec();
                self.consume(length);
                return Some(Some(body));
            }
            // Looking for the value's own end is only worth it when the declared length is
            // off: the bytes so far end like a finished message, or overran the length.
            if complete || ends_like_a_message(data) {
                match first_value(data) {
                    Value::Complete(end) if followed_by_next_message(&data[end..]) => {
                        eprintln!(
                            "chainwarden lsp: a message declared {length} bytes but its JSON \
                             is {end}; read it as {end}"
                        );
                        let body = data[..end].to_vec();
                        self.consume(end);
                        return Some(Some(body));
                    }
                    Value::Incomplete if data.len() < length.saturating_add(MAX_OVERRUN) => {}
                    _ if complete => {
                        eprintln!(
                            "chainwarden lsp: skipped a message that is not valid JSON ({length} bytes)"
                        );
                        self.consume(length);
                        return Some(None);
                    }
                    _ => {}
                }
            }
            if !self.fill().await {
                return None;
            }
        }
    }
}

enum Value {
    /// A JSON value ends at this offset.
    Complete(usize),
    /// The bytes so far start a JSON value that has not ended yet (or are only whitespace).
    Incomplete,
    Invalid,
}

fn first_value(data: &[u8]) -> Value {
    let mut values =
        serde_json::Deserializer::from_slice(data).into_iter::<serde::de::IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => Value::Complete(values.byte_offset()),
        Some(Err(e)) if e.is_eof() => Value::Incomplete,
        Some(Err(_)) => Value::Invalid,
        None => Value::Incomplete,
    }
}

fn is_json(data: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(data).is_ok()
}

/// After a message's JSON: nothing yet, or whitespace and then (the start of) a header.
fn followed_by_next_message(rest: &[u8]) -> bool {
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let rest = &rest[start..];
    let n = rest.len().min(b"Content-".len());
    rest[..n].eq_ignore_ascii_case(&b"Content-"[..n])
}

/// Cheap test before parsing a partial body: the bytes end with `}` or `]` (and whitespace),
/// or hold a header after one.
fn ends_like_a_message(data: &[u8]) -> bool {
    memchr::memrchr2(b'}', b']', data).is_some_and(|i| followed_by_next_message(&data[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run(input: &[u8]) -> String {
        let mut out = Vec::new();
        forward_frames(input, &mut out).await;
        String::from_utf8(out).unwrap()
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const GOOD: &str = r#"{"jsonrpc":"2.0","method":"x"}"#;

    #[tokio::test]
    async fn drops_bad_frames_and_resynchronises() {
        let input = format!(
            "Content-Length: 5\r\n\r\n{{{{{{{{{{garbage line\r\n\r\n{}\
             Content-Length: 4\r\n\r\n[1, 2 not json\r\nContent-Length: x\r\n\r\n{}",
            frame(GOOD),
            frame(GOOD)
        );
        let out = run(input.as_bytes()).await;
        assert_eq!(out, frame(GOOD).repeat(2));
    }

    #[tokio::test]
    async fn a_too_short_length_is_read_to_the_end_of_its_json() {
        let input = format!("Content-Length: 3\r\n\r\n{GOOD}{}", frame(GOOD));
        assert_eq!(run(input.as_bytes()).await, frame(GOOD).repeat(2));
        // Counted in characters rather than bytes.
        let wide = r#"{"jsonrpc":"2.0","method":"x","params":{"text":"é😀"}}"#;
        let chars = wide.chars().count();
        let input = format!("Content-Length: {chars}\r\n\r\n{wide}{}", frame(GOOD));
        assert_eq!(run(input.as_bytes()).await, frame(wide) + &frame(GOOD));
    }

    #[tokio::test]
    async fn a_too_long_length_does_not_swallow_the_next_message() {
        let n = GOOD.len() + 40;
        let input = format!(
            "Content-Length: {n}\r\n\r\n{GOOD}{}{}",
            frame(GOOD),
            frame(GOOD)
        );
        assert_eq!(run(input.as_bytes()).await, frame(GOOD).repeat(3));
    }

    #[tokio::test]
    async fn a_too_long_length_does_not_wait_for_bytes_that_never_come() {
        // The client sends one message with a length too long and waits for the answer.
        let (mut client, server) = tokio::io::duplex(1024);
        let (out_tx, mut out_rx) = tokio::io::duplex(1024);
        let task = tokio::spawn(forward_frames(server, out_tx));
        let n = GOOD.len() + 10;
        client
            .write_all(format!("Content-Length: {n}\r\n\r\n{GOOD}").as_bytes())
            .await
            .unwrap();
        let mut got = vec![0; frame(GOOD).len()];
        out_rx.read_exact(&mut got).await.unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), frame(GOOD));
        drop(client);
        task.await.unwrap();
    }

    #[tokio::test]
    async fn messages_split_across_reads_are_whole() {
        let big = format!(
            r#"{{"jsonrpc":"2.0","method":"x","params":{{"text":"{}"}}}}"#,
            "a}] ".repeat(100_000)
        );
        let input = format!("{}{}", frame(&big), frame(GOOD));
        let (mut client, server) = tokio::io::duplex(4096);
        let mut out = Vec::new();
        let writer = tokio::spawn(async move {
            for piece in input.as_bytes().chunks(1000) {
                client.write_all(piece).await.unwrap();
            }
        });
        forward_frames(server, &mut out).await;
        writer.await.unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), frame(&big) + &frame(GOOD));
    }

    #[tokio::test]
    async fn an_endless_header_line_is_dropped() {
        let input = format!("{}{}", "x".repeat(200_000), frame(GOOD));
        assert_eq!(run(input.as_bytes()).await, frame(GOOD));
    }
}
