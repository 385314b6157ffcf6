//! A guard in front of the protocol library's reader. tower-lsp-server stops reading for good
//! after one undecodable message (its framed reader ends at the first error), so one bad frame
//! from an editor would end the session. This task reads stdin itself, re-synchronises on the
//! next `Content-Length` header after garbage, drops frames that are not JSON (with a line on
//! stderr) and forwards only well-formed frames.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// Frames larger than this are skipped rather than buffered.
const MAX_FRAME: usize = 256 * 1024 * 1024;

/// Copy well-formed frames from `input` to `output` until `input` ends.
pub async fn forward_frames(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut input = BufReader::new(input);
    loop {
        let mut length: Option<usize> = None;
        let mut saw_header = false;
        // Header lines up to the blank line; anything before a Content-Length is garbage.
        loop {
            let mut line = Vec::new();
            match input.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = String::from_utf8_lossy(&line);
            let trimmed = line.trim();
            if trimmed.is_empty() {
                if saw_header {
                    break;
                }
                continue;
            }
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
        let Some(length) = length else {
            eprintln!("chainwarden lsp: skipped a message without a valid Content-Length");
            continue;
        };
        if length > MAX_FRAME {
            eprintln!("chainwarden lsp: skipped a message of {length} bytes (too large)");
            let mut sink = (&mut input).take(length as u64);
            if tokio::io::copy(&mut sink, &mut tokio::io::sink())
                .await
                .is_err()
            {
                return;
            }
            continue;
        }
        let mut body = vec![0; length];
        if input.read_exact(&mut body).await.is_err() {
            return;
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
            eprintln!("chainwarden lsp: skipped a message that is not valid JSON ({length} bytes)");
            continue;
        }
        let header = format!("Content-Length: {length}\r\n\r\n");
        if output.write_all(header.as_bytes()).await.is_err()
            || output.write_all(&body).await.is_err()
            || output.flush().await.is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run(input: &[u8]) -> String {
        let mut out = Vec::new();
        forward_frames(input, &mut out).await;
        String::from_utf8(out).unwrap()
    }

    #[tokio::test]
    async fn drops_bad_frames_and_resynchronises() {
        let good = r#"{"jsonrpc":"2.0","method":"x"}"#;
        let input = format!(
            "Content-Length: 5\r\n\r\n{{{{{{{{{{garbage line\r\n\r\nContent-Length: {n}\r\n\r\n{good}\
             Content-Length: 3\r\n\r\n{good}Content-Length: {n}\r\n\r\n{good}",
            n = good.len()
        );
        let out = run(input.as_bytes()).await;
        let expect = format!("Content-Length: {}\r\n\r\n{good}", good.len());
        assert_eq!(out, expect.repeat(2));
    }
}
