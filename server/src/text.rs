//! Lines and columns ⇄ byte offsets, in the three encodings clients count in.

/// How columns are counted. LSP negotiates UTF-8 or UTF-16; the CLI reports Unicode scalars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    /// Unicode scalar values (the CLI's 1-based columns).
    Utf32,
}

/// A zero-based line and column, the column counted in some [`Encoding`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Each line of `text` with the offset it starts at, its line break (`\n`, and any `\r`
/// before it) left out. Like `str::lines`, no empty line is given after a final line break.
pub fn lines_at(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end =
            memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
        let line = (start, text[start..end].trim_end_matches('\r'));
        start = end + 1;
        Some(line)
    })
}

/// Byte range of the line holding `offset`, without its line break (as
/// [`LineIndex::line_span`]). Scans only that line, for callers that need no line index.
pub fn line_span_at(text: &str, offset: usize) -> std::ops::Range<usize> {
    let bytes = text.as_bytes();
    let offset = offset.min(bytes.len());
    let start = memchr::memrchr(b'\n', &bytes[..offset]).map_or(0, |i| i + 1);
    let mut end = memchr::memchr(b'\n', &bytes[offset..]).map_or(bytes.len(), |i| offset + i);
    if end > start && bytes[end - 1] == b'\r' {
        end -= 1;
    }
    start..end
}

/// Start offset of every line of a text. Cheap to build (one pass over the bytes).
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex {
            line_starts,
            len: text.len(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where `line` starts (clamped to the end of the text).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(self.len)
    }

    /// Byte range of `line` without its line break.
    pub fn line_span(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.line_start(line);
        let mut end = self.line_start(line + 1);
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end
    }

    /// Zero-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Offset → line and column. Offsets inside a multi-byte character snap to its start.
    pub fn line_col(&self, text: &str, offset: usize, enc: Encoding) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let col = column_width(&text[start..offset], enc);
        LineCol {
            line: line as u32,
            col: col as u32,
        }
    }

    /// Line and column → offset. Columns past the line end clamp to it; lines past the end clamp
    /// to the end of the text (LSP clients send such positions).
    pub fn offset(&self, text: &str, pos: LineCol, enc: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= self.line_starts.len() {
            return self.len;
        }
        let span = self.line_span(text, line);
        let line_text = &text[span.clone()];
        let mut remaining = pos.col as usize;
        for (i, ch) in line_text.char_indices() {
            let w = char_width(ch, enc);
            if remaining < w {
                return span.start + i;
            }
            remaining -= w;
        }
        span.end
    }
}

fn char_width(ch: char, enc: Encoding) -> usize {
    match enc {
        Encoding::Utf8 => ch.len_utf8(),
        Encoding::Utf16 => ch.len_utf16(),
        Encoding::Utf32 => 1,
    }
}

fn column_width(s: &str, enc: Encoding) -> usize {
    match enc {
        Encoding::Utf8 => s.len(),
        Encoding::Utf16 => s.chars().map(char::len_utf16).sum(),
        Encoding::Utf32 => s.chars().count(),
    }
}

/// The first line of `text`, trimmed and cut to 60 characters: how a message shows a command.
pub fn first_line_preview(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .trim()
        .chars()
        .take(60)
        .collect()
}

pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_span_at_matches_the_line_index() {
        let text = "a: 1\r\n\nb: ü # x\nlast\r";
        let lines = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            let line = lines.line_of(offset.min(text.len()));
            assert_eq!(
                line_span_at(text, offset),
                lines.line_span(text, line),
                "{offset}"
            );
        }
    }

    #[test]
    fn columns_in_every_encoding() {
        let text = "a: é😀x\nb\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(
            idx.line_col(text, x, Encoding::Utf8),
            LineCol { line: 0, col: 9 }
        );
        assert_eq!(
            idx.line_col(text, x, Encoding::Utf16),
            LineCol { line: 0, col: 6 }
        );
        assert_eq!(
            idx.line_col(text, x, Encoding::Utf32),
            LineCol { line: 0, col: 5 }
        );
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let lc = idx.line_col(text, x, enc);
            assert_eq!(idx.offset(text, lc, enc), x);
        }
        let b = text.find('b').unwrap();
        assert_eq!(
            idx.line_col(text, b, Encoding::Utf16),
            LineCol { line: 1, col: 0 }
        );
    }

    #[test]
    fn positions_past_the_end_clamp() {
        let text = "ab\ncd";
        let idx = LineIndex::new(text);
        assert_eq!(
            idx.offset(text, LineCol { line: 0, col: 99 }, Encoding::Utf16),
            2
        );
        assert_eq!(
            idx.offset(text, LineCol { line: 9, col: 0 }, Encoding::Utf16),
            5
        );
    }
}
