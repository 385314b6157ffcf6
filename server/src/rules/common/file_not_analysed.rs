//! `file-not-analysed`: a supported file the shells did not analyse, because it is binary, not
//! UTF-8, or over the analysis limit. The engine never sees such a file; the CLI and the language
//! server ask [`Skipped::of`] before analysing and report [`Skipped::finding`] instead, so that a
//! gate never passes on a file it did not read.

use crate::finding::Finding;

pub const ID: &str = "file-not-analysed";

/// Why a supported file was not analysed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skipped {
    /// It holds NUL bytes.
    Binary,
    /// It is not valid UTF-8; the first bad byte is at this offset.
    NotUtf8 { valid_up_to: usize },
    /// It is larger than the limit of the shell that read it.
    TooLarge { len: usize, limit: usize },
}

impl Skipped {
    /// Why the bytes of a supported file cannot be analysed, if they cannot; `limit` is the most
    /// bytes the shell analyses (`None`: no limit).
    pub fn of(bytes: &[u8], limit: Option<usize>) -> Option<Skipped> {
        if memchr::memchr(0, bytes).is_some() {
            return Some(Skipped::Binary);
        }
        if let Err(e) = std::str::from_utf8(bytes) {
            return Some(Skipped::NotUtf8 {
                valid_up_to: e.valid_up_to(),
            });
        }
        match limit {
            Some(limit) if bytes.len() > limit => Some(Skipped::TooLarge {
                len: bytes.len(),
                limit,
            }),
            _ => None,
        }
    }

    /// [`Skipped::of`] for text already known to be UTF-8.
    pub fn of_text(text: &str, limit: Option<usize>) -> Option<Skipped> {
        if memchr::memchr(0, text.as_bytes()).is_some() {
            return Some(Skipped::Binary);
        }
        match limit {
            Some(limit) if text.len() > limit => Some(Skipped::TooLarge {
                len: text.len(),
                limit,
            }),
            _ => None,
        }
    }

    pub fn message(&self) -> String {
        match *self {
            Skipped::Binary => "not analysed: binary file (it contains NUL bytes)".to_string(),
            Skipped::NotUtf8 { valid_up_to } => format!(
                "not analysed: not valid UTF-8 text (first bad byte at offset {valid_up_to})"
            ),
            Skipped::TooLarge { len, limit } => format!(
                "not analysed: file too large ({} KiB; the limit here is {} KiB)",
                len.div_ceil(1024),
                limit / 1024
            ),
        }
    }

    /// The finding, at the start of the file (an empty range: there is no text to point at).
    pub fn finding(&self) -> Finding {
        Finding::new(ID, 0..0, self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_which_and_the_limit() {
        assert_eq!(Skipped::of(b"on: push\n", Some(100)), None);
        assert_eq!(Skipped::of(b"on: \x00", None), Some(Skipped::Binary));
        assert_eq!(
            Skipped::of(b"name: caf\xe9\n", None),
            Some(Skipped::NotUtf8 { valid_up_to: 9 })
        );
        let big = vec![b'#'; 5000];
        let s = Skipped::of(&big, Some(4096)).unwrap();
        assert_eq!(
            s.message(),
            "not analysed: file too large (5 KiB; the limit here is 4 KiB)"
        );
        assert_eq!(s.finding().rule, ID);
        assert_eq!(s.finding().span, 0..0);
        assert_eq!(Skipped::of(&big, None), None);
    }
}
