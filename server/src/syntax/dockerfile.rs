//! Hand-written tolerant Dockerfile parser with byte spans.
//!
//! It understands parser directives (`# syntax=`, `# escape=` including the backtick), comments,
//! line continuations (with comment and blank lines inside them, which Docker drops),
//! case-insensitive instructions, `--flags`, exec (JSON) versus shell form, heredocs
//! (`RUN <<EOF`, several per instruction, `<<-`, quoted delimiters), and the arguments of
//! `FROM`, `ARG`, `ENV`, `LABEL`, `COPY` and `ADD`. It never fails: a line it cannot make sense
//! of becomes an instruction with whatever keyword it starts with.

use std::ops::Range;

pub type Span = Range<usize>;

/// A parser directive at the top of the file (`# syntax=docker/dockerfile:1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub value: String,
    pub span: Span,
}

/// `--name=value` (or `--name` alone) before an instruction's arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    /// The whole flag, `--` included.
    pub span: Span,
    pub value_span: Option<Span>,
}

/// A word of an instruction's arguments: quotes removed in `value`, kept in `span`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DWord {
    pub value: String,
    pub span: Span,
}

/// A here-document attached to an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// The `<<EOF` marker in the instruction line.
    pub marker: Span,
    pub delimiter: String,
    /// Quoted delimiter: no variable expansion in the body.
    pub quoted: bool,
    pub strip_tabs: bool,
    /// The body lines (without the terminator line).
    pub body: Span,
    /// Where the heredoc ends (after its terminator line, or the end of the file).
    pub end: usize,
}

/// `KEY=value` (ENV, LABEL, ARG default) with spans of the parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub key_span: Span,
    /// Unquoted value; `None` for `ARG NAME` without a default.
    pub value: Option<String>,
    /// The raw value (quotes included), empty span at the end of `=` for `K=`.
    pub value_span: Option<Span>,
    /// The whole `KEY=value` word (or, for legacy `ENV K V`, key through value).
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// `["executable", "arg"]`: each string unquoted with its span (quotes included).
    Exec(Vec<DWord>),
    Shell,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword (`RUN`, `FROM`, … or whatever the line starts with).
    pub keyword: String,
    pub keyword_span: Span,
    /// First character of the keyword through the end of the last line (heredoc bodies
    /// included), without the final line break.
    pub span: Span,
    /// The instruction's own lines, without heredoc bodies.
    pub line_span: Span,
    pub flags: Vec<Flag>,
    /// Arguments after the flags, up to the end of the instruction's own lines (trailing
    /// whitespace trimmed). Raw: may contain continuations and comment lines.
    pub args: Span,
    pub form: Form,
    pub heredocs: Vec<Heredoc>,
}

impl Instruction {
    pub fn is(&self, keyword: &str) -> bool {
        self.keyword == keyword
    }

    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dockerfile {
    /// The escape character (`\` unless `# escape=` says otherwise).
    pub escape: char,
    pub directives: Vec<Directive>,
    pub instructions: Vec<Instruction>,
}

impl Dockerfile {
    /// Split `span` of `text` into words the way Docker does for ENV/LABEL/ARG/COPY: whitespace
    /// separates words, quotes group (and are removed), the escape character escapes the next
    /// character, continuations and the comment lines inside them are skipped.
    pub fn words(&self, text: &str, span: Span) -> Vec<DWord> {
        split_words(text, span, self.escape)
    }

    /// `KEY=value` pairs of an ENV or LABEL (also legacy `ENV KEY value`).
    pub fn key_values(&self, text: &str, ins: &Instruction) -> Vec<KeyValue> {
        let words = self.words(text, ins.args.clone());
        let Some(first) = words.first() else {
            return vec![];
        };
        let first_raw = &text[first.span.clone()];
        let legacy = ins.is("ENV") && !first_raw.contains('=');
        if legacy {
            // `ENV KEY value with spaces`
            let value_span = words
                .get(1)
                .map(|w| w.span.start..words.last().unwrap().span.end);
            let value = value_span.clone().map(|_| {
                words[1..]
                    .iter()
                    .map(|w| w.value.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            let end = value_span.as_ref().map_or(first.span.end, |s| s.end);
            return vec![KeyValue {
                key: first.value.clone(),
                key_span: first.span.clone(),
                value,
                value_span,
                span: first.span.start..end,
            }];
        }
        words
            .iter()
            .map(|w| key_value(text, w, self.escape))
            .collect()
    }

    /// ARG declarations: `ARG NAME`, `ARG NAME=default`, several per line.
    pub fn arg_decls(&self, text: &str, ins: &Instruction) -> Vec<KeyValue> {
        self.words(text, ins.args.clone())
            .iter()
            .map(|w| key_value(text, w, self.escape))
            .filter(|kv| !kv.key.is_empty())
            .collect()
    }

    /// FROM: the image word and the stage name after `AS`.
    pub fn from_parts(&self, text: &str, ins: &Instruction) -> Option<(DWord, Option<DWord>)> {
        let words = self.words(text, ins.args.clone());
        let image = words.first()?.clone();
        let name = match words.get(1) {
            Some(w) if w.value.eq_ignore_ascii_case("as") => words.get(2).cloned(),
            _ => None,
        };
        Some((image, name))
    }

    /// COPY/ADD: (sources, destination). Heredoc markers are not sources.
    pub fn copy_parts(&self, text: &str, ins: &Instruction) -> (Vec<DWord>, Option<DWord>) {
        let mut words = match &ins.form {
            Form::Exec(items) => items.clone(),
            Form::Shell => self.words(text, ins.args.clone()),
        };
        words.retain(|w| !w.value.starts_with("<<"));
        let dest = words.pop();
        (words, dest)
    }

    /// The shell script of a shell-form RUN (or CMD/ENTRYPOINT) as spans of the document:
    /// `RUN <<EOF` alone runs each heredoc body; otherwise the command line runs (heredoc
    /// bodies included, as the shell reads them). `None` for exec form.
    pub fn scripts(&self, text: &str, ins: &Instruction) -> Vec<Span> {
        if matches!(ins.form, Form::Exec(_)) {
            return vec![];
        }
        if ins.heredocs.is_empty() {
            return std::iter::once(ins.args.clone()).collect();
        }
        let mut leftover = String::new();
        let mut cur = ins.args.start;
        for h in &ins.heredocs {
            leftover.push_str(text.get(cur..h.marker.start).unwrap_or(""));
            cur = h.marker.end;
        }
        leftover.push_str(text.get(cur..ins.args.end).unwrap_or(""));
        if leftover.trim().is_empty() {
            ins.heredocs.iter().map(|h| h.body.clone()).collect()
        } else {
            let end = ins.heredocs.last().map_or(ins.args.end, |h| h.end);
            std::iter::once(ins.args.start..end).collect()
        }
    }
}

fn key_value(text: &str, w: &DWord, escape: char) -> KeyValue {
    let raw = &text[w.span.clone()];
    match raw.find('=') {
        Some(eq) => {
            let key_span = w.span.start..w.span.start + eq;
            let value_span = w.span.start + eq + 1..w.span.end;
            let value = unquote_joined(&text[value_span.clone()], escape);
            KeyValue {
                key: text[key_span.clone()].to_string(),
                key_span,
                value: Some(value),
                value_span: Some(value_span),
                span: w.span.clone(),
            }
        }
        None => KeyValue {
            key: w.value.clone(),
            key_span: w.span.clone(),
            value: None,
            value_span: None,
            span: w.span.clone(),
        },
    }
}

/// Unquote a value that may mix quoted and unquoted parts (`"a b"c`), keeping spaces.
fn unquote_joined(raw: &str, escape: char) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => out.push(c),
            (_, c) if c == escape => {
                if let Some(n) = chars.next() {
                    if n != '\n' && n != '\r' {
                        out.push(n);
                    }
                }
            }
            (_, c) => out.push(c),
        }
    }
    out
}

fn split_words(text: &str, span: Span, escape: char) -> Vec<DWord> {
    let s = text.as_bytes();
    let end = span.end.min(s.len());
    let esc = escape as u8;
    let mut out = Vec::new();
    let mut i = span.start;
    let mut at_line_start = false;
    while i < end {
        let c = s[i];
        // Comment lines inside continuations.
        if at_line_start {
            let mut j = i;
            while j < end && matches!(s[j], b' ' | b'\t') {
                j += 1;
            }
            if j < end && s[j] == b'#' {
                i = s[j..end]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(end, |p| j + p + 1);
                continue;
            }
            at_line_start = false;
        }
        if c.is_ascii_whitespace() {
            if c == b'\n' {
                at_line_start = true;
            }
            i += 1;
            continue;
        }
        if c == esc && continuation_at(s, i, end) {
            i = skip_continuation(s, i, end);
            at_line_start = true;
            continue;
        }
        // A word.
        let start = i;
        let mut value = Vec::new();
        while i < end {
            let c = s[i];
            if c.is_ascii_whitespace() {
                break;
            }
            if c == esc {
                if continuation_at(s, i, end) {
                    break;
                }
                if i + 1 < end {
                    let n = char_len(s, i + 1);
                    value.extend_from_slice(&s[i + 1..(i + 1 + n).min(end)]);
                    i += 1 + n;
                } else {
                    i += 1;
                }
                continue;
            }
            if c == b'"' || c == b'\'' {
                let mut j = i + 1;
                while j < end && s[j] != c {
                    if c == b'"' && s[j] == esc && j + 1 < end {
                        if continuation_at(s, j, end) {
                            j = skip_continuation(s, j, end);
                            continue;
                        }
                        let n = char_len(s, j + 1);
                        value.extend_from_slice(&s[j + 1..(j + 1 + n).min(end)]);
                        j += 1 + n;
                        continue;
                    }
                    value.push(s[j]);
                    j += 1;
                }
                i = (j + 1).min(end);
                continue;
            }
            value.push(c);
            i += 1;
        }
        out.push(DWord {
            value: String::from_utf8_lossy(&value).into_owned(),
            span: start..i,
        });
    }
    out
}

fn char_len(s: &[u8], i: usize) -> usize {
    match s.get(i) {
        Some(b) if *b >= 0xF0 => 4,
        Some(b) if *b >= 0xE0 => 3,
        Some(b) if *b >= 0xC0 => 2,
        _ => 1,
    }
}

/// An escape character followed by optional blanks and a line break.
fn continuation_at(s: &[u8], i: usize, end: usize) -> bool {
    let mut j = i + 1;
    while j < end && matches!(s[j], b' ' | b'\t' | b'\r') {
        j += 1;
    }
    j >= end || s[j] == b'\n'
}

fn skip_continuation(s: &[u8], i: usize, end: usize) -> usize {
    let mut j = i + 1;
    while j < end && s[j] != b'\n' {
        j += 1;
    }
    (j + 1).min(end)
}

/// Line starts and ends (without the line break) of a text.
fn lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let end = if i > start && text.as_bytes()[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            out.push((start, end));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

pub fn parse(text: &str) -> Dockerfile {
    let lines = lines(text);
    let mut escape = '\\';
    let mut directives = Vec::new();
    let mut i = 0;
    // Parser directives: `# name=value` lines at the very top.
    while i < lines.len() {
        let (ls, le) = lines[i];
        let line = &text[ls..le];
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            break;
        };
        let Some((name, value)) = rest.split_once('=') else {
            break;
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            break;
        }
        let name = name.to_ascii_lowercase();
        let value = value.trim().to_string();
        if name == "escape" && (value == "`" || value == "\\") {
            escape = value.chars().next().unwrap_or('\\');
        }
        directives.push(Directive {
            name,
            value,
            span: ls..le,
        });
        i += 1;
    }
    let esc = escape as u8;
    let s = text.as_bytes();
    let ends_with_escape = |ls: usize, le: usize| {
        let t = text[ls..le].trim_end_matches([' ', '\t']);
        t.as_bytes().last() == Some(&esc)
    };
    let is_comment_or_blank = |ls: usize, le: usize| {
        let t = text[ls..le].trim_start();
        t.is_empty() || t.starts_with('#')
    };
    let mut instructions = Vec::new();
    while i < lines.len() {
        let (ls, le) = lines[i];
        if is_comment_or_blank(ls, le) {
            i += 1;
            continue;
        }
        // Instruction lines: continue while a line ends with the escape character; comment
        // and blank lines inside are skipped.
        let mut last_end = le;
        let mut cont = ends_with_escape(ls, le);
        i += 1;
        while cont && i < lines.len() {
            let (l2s, l2e) = lines[i];
            i += 1;
            if is_comment_or_blank(l2s, l2e) {
                continue;
            }
            last_end = l2e;
            cont = ends_with_escape(l2s, l2e);
        }
        let first = ls + (le - ls - text[ls..le].trim_start().len());
        let mut kw_end = first;
        while kw_end < last_end && !s[kw_end].is_ascii_whitespace() {
            kw_end += 1;
        }
        let keyword = text[first..kw_end].to_ascii_uppercase();
        // Flags.
        let mut pos = skip_blank(s, kw_end, last_end, esc);
        let mut flags = Vec::new();
        while text[pos..last_end].starts_with("--") {
            let start = pos;
            let mut j = pos;
            let mut quote = None;
            while j < last_end {
                let c = s[j];
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == b'"' || c == b'\'' => quote = Some(c),
                    None if c.is_ascii_whitespace() => break,
                    None => {}
                }
                j += 1;
            }
            let raw = &text[start + 2..j];
            let (name, value, value_span) = match raw.find('=') {
                Some(eq) => {
                    let vs = start + 2 + eq + 1..j;
                    (
                        raw[..eq].to_string(),
                        Some(text[vs.clone()].to_string()),
                        Some(vs),
                    )
                }
                None => (raw.to_string(), None, None),
            };
            flags.push(Flag {
                name,
                value,
                span: start..j,
                value_span,
            });
            pos = skip_blank(s, j, last_end, esc);
        }
        let args_end = {
            let t = text[pos.min(last_end)..last_end].trim_end();
            pos.min(last_end) + t.len()
        };
        let args = pos.min(args_end)..args_end;
        let form = exec_form(text, args.clone()).map_or(Form::Shell, Form::Exec);
        // Heredocs (shell form only): bodies follow the instruction's lines.
        let mut heredocs = Vec::new();
        let mut end = last_end;
        if form == Form::Shell {
            let mut next_line = i;
            for (marker, delimiter, quoted, strip_tabs) in heredoc_markers(text, args.clone()) {
                let body_start = lines.get(next_line).map_or(text.len(), |l| l.0);
                let mut body_end = text.len();
                let mut term_end = text.len();
                while next_line < lines.len() {
                    let (hs, he) = lines[next_line];
                    next_line += 1;
                    let line = &text[hs..he];
                    let line = if strip_tabs {
                        line.trim_start_matches('\t')
                    } else {
                        line
                    };
                    if line == delimiter {
                        body_end = hs;
                        term_end = he;
                        break;
                    }
                }
                end = term_end;
                heredocs.push(Heredoc {
                    marker,
                    delimiter,
                    quoted,
                    strip_tabs,
                    body: body_start..body_end.max(body_start),
                    end: term_end,
                });
            }
            i = next_line.max(i);
        }
        instructions.push(Instruction {
            keyword,
            keyword_span: first..kw_end,
            span: first..end,
            line_span: first..last_end,
            flags,
            args,
            form,
            heredocs,
        });
    }
    Dockerfile {
        escape,
        directives,
        instructions,
    }
}

/// Skip blanks, line continuations and comment lines inside them.
fn skip_blank(s: &[u8], mut i: usize, end: usize, esc: u8) -> usize {
    loop {
        while i < end && matches!(s[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if i < end && s[i] == esc && continuation_at(s, i, end) {
            i = skip_continuation(s, i, end);
            // Comment lines directly after.
            loop {
                let mut j = i;
                while j < end && matches!(s[j], b' ' | b'\t') {
                    j += 1;
                }
                if j < end && s[j] == b'#' {
                    i = s[j..end]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(end, |p| j + p + 1);
                } else {
                    break;
                }
            }
            continue;
        }
        return i.min(end);
    }
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"` markers in a shell-form argument string (not `<<<`, not
/// inside quotes).
fn heredoc_markers(text: &str, span: Span) -> Vec<(Span, String, bool, bool)> {
    let s = text.as_bytes();
    let mut out = Vec::new();
    let mut i = span.start;
    let mut quote: Option<u8> = None;
    while i < span.end {
        let c = s[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c == b'"' || c == b'\'' {
            quote = Some(c);
            i += 1;
            continue;
        }
        if c == b'<'
            && s.get(i + 1) == Some(&b'<')
            && s.get(i + 2) != Some(&b'<')
            && (i == 0 || s[i - 1] != b'<')
        {
            let start = i;
            let mut j = i + 2;
            let strip_tabs = s.get(j) == Some(&b'-');
            if strip_tabs {
                j += 1;
            }
            let q = match s.get(j) {
                Some(&q @ (b'"' | b'\'')) => {
                    j += 1;
                    Some(q)
                }
                _ => None,
            };
            let name_start = j;
            while j < span.end
                && (s[j].is_ascii_alphanumeric() || s[j] == b'_' || s[j] == b'-' || s[j] == b'.')
            {
                j += 1;
            }
            if j == name_start || !(s[name_start].is_ascii_alphabetic() || s[name_start] == b'_') {
                i = j.max(i + 2);
                continue;
            }
            let name = text[name_start..j].to_string();
            if let Some(q) = q {
                if s.get(j) == Some(&q) {
                    j += 1;
                }
            }
            out.push((start..j, name, q.is_some(), strip_tabs));
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// Parse `["a", "b"]` with spans; `None` when the arguments are not a JSON string array.
fn exec_form(text: &str, span: Span) -> Option<Vec<DWord>> {
    let s = text.as_bytes();
    let mut i = span.start;
    let end = span.end;
    let skip_ws = |mut i: usize| {
        while i < end
            && (s[i].is_ascii_whitespace() || (s[i] == b'\\' && continuation_at(s, i, end)))
        {
            i += 1;
        }
        i
    };
    if s.get(i) != Some(&b'[') || s.get(end.checked_sub(1)?) != Some(&b']') {
        return None;
    }
    i = skip_ws(i + 1);
    let mut out = Vec::new();
    if s.get(i) == Some(&b']') {
        return (i + 1 == end).then_some(out);
    }
    loop {
        if s.get(i) != Some(&b'"') {
            return None;
        }
        let start = i;
        let mut j = i + 1;
        while j < end && s[j] != b'"' {
            if s[j] == b'\\' {
                j += 1;
            }
            j += 1;
        }
        if j >= end {
            return None;
        }
        let raw = &text[start..=j];
        let value: String = serde_json::from_str(raw).ok()?;
        out.push(DWord {
            value,
            span: start..j + 1,
        });
        i = skip_ws(j + 1);
        match s.get(i) {
            Some(b',') => i = skip_ws(i + 1),
            Some(b']') if i + 1 == end => return Some(out),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kws(d: &Dockerfile) -> Vec<&str> {
        d.instructions.iter().map(|i| i.keyword.as_str()).collect()
    }

    #[test]
    fn instructions_comments_and_continuations() {
        let t = "# syntax=docker/dockerfile:1\n\n# a comment\nfrom alpine:3.20 AS base\nRUN apk add \\\n    # comment inside\n\n    curl \\\n  && echo done\nCMD [\"sh\"]\n";
        let d = parse(t);
        assert_eq!(d.directives[0].name, "syntax");
        assert_eq!(d.directives[0].value, "docker/dockerfile:1");
        assert_eq!(kws(&d), ["FROM", "RUN", "CMD"]);
        let run = &d.instructions[1];
        assert_eq!(
            &t[run.args.clone()],
            "apk add \\\n    # comment inside\n\n    curl \\\n  && echo done"
        );
        assert_eq!(run.form, Form::Shell);
        let words: Vec<_> = d
            .words(t, run.args.clone())
            .into_iter()
            .map(|w| w.value)
            .collect();
        assert_eq!(words, ["apk", "add", "curl", "&&", "echo", "done"]);
        let (img, name) = d.from_parts(t, &d.instructions[0]).unwrap();
        assert_eq!(img.value, "alpine:3.20");
        assert_eq!(&t[img.span], "alpine:3.20");
        assert_eq!(name.unwrap().value, "base");
        match &d.instructions[2].form {
            Form::Exec(items) => assert_eq!(items[0].value, "sh"),
            Form::Shell => panic!("exec form expected"),
        }
    }

    #[test]
    fn escape_directive_backtick() {
        let t = "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n    c:\\\nENV A=1\n";
        let d = parse(t);
        assert_eq!(d.escape, '`');
        assert_eq!(kws(&d), ["FROM", "RUN", "ENV"]);
        assert_eq!(&t[d.instructions[1].args.clone()], "dir `\n    c:\\");
    }

    #[test]
    fn directive_only_at_top() {
        let d = parse("FROM a\n# escape=`\nRUN x \\\n y\n");
        assert_eq!(d.escape, '\\');
        assert!(d.directives.is_empty());
        assert_eq!(kws(&d), ["FROM", "RUN"]);
    }

    #[test]
    fn flags_with_spans() {
        let t = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN --mount=type=cache,target=/root/.cache --network=none go build\nCOPY --from=build --chown=app:app /out /app\n";
        let d = parse(t);
        let run = &d.instructions[1];
        assert_eq!(run.flags.len(), 2);
        assert_eq!(run.flags[0].name, "mount");
        assert_eq!(
            run.flags[0].value.as_deref(),
            Some("type=cache,target=/root/.cache")
        );
        assert_eq!(&t[run.flags[1].span.clone()], "--network=none");
        assert_eq!(&t[run.args.clone()], "go build");
        let copy = &d.instructions[2];
        assert_eq!(copy.flag("from").unwrap().value.as_deref(), Some("build"));
        let (src, dest) = d.copy_parts(t, copy);
        assert_eq!(src[0].value, "/out");
        assert_eq!(dest.unwrap().value, "/app");
        assert_eq!(
            d.from_parts(t, &d.instructions[0]).unwrap().0.value,
            "golang:1.22"
        );
    }

    #[test]
    fn env_and_label_forms() {
        let t = "ENV A=1 B=\"two words\" C=\nENV LEGACY some value\nLABEL org.opencontainers.image.title=\"x y\"\nENV Q='$NOT' R=a\\ b\n";
        let d = parse(t);
        let kv = d.key_values(t, &d.instructions[0]);
        assert_eq!(kv.len(), 3);
        assert_eq!(kv[1].key, "B");
        assert_eq!(kv[1].value.as_deref(), Some("two words"));
        assert_eq!(&t[kv[1].value_span.clone().unwrap()], "\"two words\"");
        assert_eq!(kv[2].value.as_deref(), Some(""));
        let kv = d.key_values(t, &d.instructions[1]);
        assert_eq!(kv[0].key, "LEGACY");
        assert_eq!(kv[0].value.as_deref(), Some("some value"));
        assert_eq!(&t[kv[0].value_span.clone().unwrap()], "some value");
        let kv = d.key_values(t, &d.instructions[2]);
        assert_eq!(kv[0].key, "org.opencontainers.image.title");
        let kv = d.key_values(t, &d.instructions[3]);
        assert_eq!(kv[0].value.as_deref(), Some("$NOT"));
        assert_eq!(kv[1].value.as_deref(), Some("a b"));
    }

    #[test]
    fn args() {
        let t = "ARG BASE=node:20\nFROM $BASE\nARG NPM_TOKEN\nARG A=1 B\n";
        let d = parse(t);
        let a = d.arg_decls(t, &d.instructions[0]);
        assert_eq!(a[0].key, "BASE");
        assert_eq!(a[0].value.as_deref(), Some("node:20"));
        let a = d.arg_decls(t, &d.instructions[2]);
        assert_eq!(a[0].key, "NPM_TOKEN");
        assert!(a[0].value.is_none());
        assert_eq!(&t[a[0].key_span.clone()], "NPM_TOKEN");
        assert_eq!(d.arg_decls(t, &d.instructions[3]).len(), 2);
    }

    #[test]
    fn heredocs() {
        let t = "FROM a\nRUN <<EOF\napk add curl\ncurl x | sh\nEOF\nRUN cat <<-'A' > /a && cat <<B > /b\n\thello $X\n\tA\nworld\nB\nCOPY <<EOF /etc/conf\nk=v\nEOF\nCMD x\n";
        let d = parse(t);
        assert_eq!(kws(&d), ["FROM", "RUN", "RUN", "COPY", "CMD"]);
        let r = &d.instructions[1];
        assert_eq!(r.heredocs.len(), 1);
        assert_eq!(
            &t[r.heredocs[0].body.clone()],
            "apk add curl\ncurl x | sh\n"
        );
        assert_eq!(
            d.scripts(t, r)
                .iter()
                .map(|s| &t[s.clone()])
                .collect::<Vec<_>>(),
            ["apk add curl\ncurl x | sh\n"]
        );
        let r = &d.instructions[2];
        assert_eq!(r.heredocs.len(), 2);
        assert!(r.heredocs[0].quoted && r.heredocs[0].strip_tabs);
        assert_eq!(r.heredocs[0].delimiter, "A");
        assert_eq!(&t[r.heredocs[0].body.clone()], "\thello $X\n");
        assert_eq!(&t[r.heredocs[1].body.clone()], "world\n");
        let script = &d.scripts(t, r)[0];
        assert!(t[script.clone()].starts_with("cat <<-'A'"));
        assert!(t[script.clone()].ends_with("world\nB"));
        let (src, dest) = d.copy_parts(t, &d.instructions[3]);
        assert!(src.is_empty());
        assert_eq!(dest.unwrap().value, "/etc/conf");
    }

    #[test]
    fn unterminated_and_broken_input() {
        for t in [
            "RUN <<EOF\nno end",
            "RUN \\",
            "FROM",
            "\\\n\\",
            "ENV \"unclosed",
            "RUN [\"a\", ",
            "# escape=x\nRUN a",
            "COPY --from",
            "  \n\t\n",
            "RUN <<",
            "ÄRG x=é\\é",
        ] {
            let d = parse(t);
            for ins in &d.instructions {
                assert!(ins.span.end <= t.len());
                let _ = d.words(t, ins.args.clone());
                let _ = d.key_values(t, ins);
                let _ = d.scripts(t, ins);
            }
        }
        let d = parse("RUN [\"not\", json]\n");
        assert_eq!(d.instructions[0].form, Form::Shell);
    }

    #[test]
    fn crlf_lines() {
        let t = "FROM a\r\nRUN x \\\r\n  y\r\nENV K=v\r\n";
        let d = parse(t);
        assert_eq!(kws(&d), ["FROM", "RUN", "ENV"]);
        assert_eq!(
            d.key_values(t, &d.instructions[2])[0].value.as_deref(),
            Some("v")
        );
    }
}
