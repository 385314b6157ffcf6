//! A small, tolerant shell command splitter.
//!
//! Input is a raw slice of a document: a YAML `run:` block (every line still indented), a
//! Dockerfile `RUN` (with `\`-newline continuations) or a heredoc body. Output is the list of
//! simple commands it contains, each with its words and byte spans relative to the input
//! (callers add the slice's base offset). It knows enough shell to tell `curl … | sh` from
//! `echo "curl | sh"`: operators, quoting, comments, substitutions, redirections, here-docs,
//! env-assignment prefixes and wrappers such as `sudo`. It never fails: unbalanced quotes run
//! to the end of the input.

use std::ops::Range;

/// `$NAME` or `${NAME…}` outside single quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    /// The whole reference, `$NAME` or `${NAME:-x}`.
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The raw word, quotes included.
    pub span: Range<usize>,
    /// The word with quotes and escapes removed. Expansions (`$X`, `$(…)`, `${{ … }}`) stay as
    /// written.
    pub value: String,
    /// Variables referenced in the word (not inside `$(…)`: those belong to the inner commands).
    pub vars: Vec<VarRef>,
    /// The word contains `$`-expansions, command substitutions or backticks.
    pub dynamic: bool,
}

impl Word {
    /// `NAME=value` (an assignment word), as (name, value).
    pub fn assignment(&self) -> Option<(&str, &str)> {
        let (name, value) = self.value.split_once('=')?;
        let name = name.strip_suffix('+').unwrap_or(name);
        let mut chars = name.chars();
        let first = chars.next()?;
        let ok = (first.is_ascii_alphabetic() || first == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        ok.then_some((name, value))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// Operator through target.
    pub span: Range<usize>,
    /// `>`, `>>`, `<`, `<<<`, `>&`, `&>`, `<<`, `<<-`, …
    pub op: String,
    /// The file descriptor written before the operator (`2>&1` → 2).
    pub fd: Option<u32>,
    pub target: Option<Word>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HereDoc {
    /// The `<<EOF` operator and delimiter word.
    pub span: Range<usize>,
    pub delimiter: String,
    /// The delimiter was quoted: the body is taken literally (no expansion).
    pub quoted: bool,
    /// `<<-`: leading tabs are stripped.
    pub strip_tabs: bool,
    /// The body, without the delimiter line.
    pub body: Range<usize>,
    /// Variables expanded in the body (empty when `quoted`).
    pub vars: Vec<VarRef>,
}

/// Where a command sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Top,
    /// Inside `$( … )` or backticks.
    CommandSubstitution,
    /// Inside `<( … )` or `>( … )`.
    ProcessSubstitution,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// First word (or redirection) through the last.
    pub span: Range<usize>,
    /// Every word, including assignment prefixes and wrappers (`sudo`, `env`, …).
    pub words: Vec<Word>,
    /// Index in `words` of the command that actually runs (after assignments, wrappers and
    /// reserved words such as `then`). `None` for assignment-only commands.
    pub program_index: Option<usize>,
    pub redirects: Vec<Redirect>,
    pub heredocs: Vec<HereDoc>,
    /// Index of the command whose output is piped into this one.
    pub piped_from: Option<usize>,
    /// Index of the command this one's output is piped into.
    pub piped_to: Option<usize>,
    /// Ended with `&`.
    pub background: bool,
    /// For commands inside a substitution: the command whose word holds the substitution.
    pub parent: Option<usize>,
    pub nesting: Nesting,
}

impl Command {
    /// The effective program (`sudo -E npm ci` → `npm`), unquoted.
    pub fn program(&self) -> Option<&str> {
        self.program_index.map(|i| self.words[i].value.as_str())
    }

    /// The program's last path component (`/usr/bin/curl` → `curl`).
    pub fn program_name(&self) -> Option<&str> {
        self.program().map(|p| p.rsplit('/').next().unwrap_or(p))
    }

    pub fn program_word(&self) -> Option<&Word> {
        self.program_index.map(|i| &self.words[i])
    }

    /// The words after the effective program.
    pub fn args(&self) -> &[Word] {
        match self.program_index {
            Some(i) => &self.words[i + 1..],
            None => &[],
        }
    }

    /// The argument values (quotes removed).
    pub fn arg_values(&self) -> Vec<&str> {
        self.args().iter().map(|w| w.value.as_str()).collect()
    }

    /// The arguments that are not flags (do not start with `-`), in order. Flag values such as
    /// `--tag v1` are not told apart from positionals.
    pub fn non_flag_args(&self) -> Vec<&str> {
        self.arg_values()
            .into_iter()
            .filter(|a| !a.starts_with('-'))
            .collect()
    }

    /// `NAME=value` prefixes (including those after `env`/`sudo`).
    pub fn assignments(&self) -> impl Iterator<Item = (&str, &str)> {
        let end = self.program_index.unwrap_or(self.words.len());
        self.words[..end].iter().filter_map(Word::assignment)
    }

    /// Whether an argument equals `flag` or starts with `flag=`.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.args().iter().any(|w| {
            w.value == flag
                || w.value
                    .strip_prefix(flag)
                    .is_some_and(|r| r.starts_with('='))
        })
    }

    /// Every variable referenced in words, redirect targets and heredoc bodies.
    pub fn vars(&self) -> impl Iterator<Item = &VarRef> {
        self.words
            .iter()
            .flat_map(|w| w.vars.iter())
            .chain(
                self.redirects
                    .iter()
                    .filter_map(|r| r.target.as_ref())
                    .flat_map(|w| w.vars.iter()),
            )
            .chain(self.heredocs.iter().flat_map(|h| h.vars.iter()))
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Dockerfile semantics: lines that start with `#` after a line continuation are removed
    /// (the Dockerfile parser drops them before the shell sees the command).
    pub drop_comment_lines_in_continuations: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    /// Every simple command, in order of where it starts (outer before inner).
    pub commands: Vec<Command>,
}

impl Script {
    /// The commands of the pipeline that holds `index`, first to last.
    pub fn pipeline(&self, index: usize) -> Vec<usize> {
        let mut first = index;
        while let Some(p) = self.commands[first].piped_from {
            first = p;
        }
        let mut out = vec![first];
        let mut cur = first;
        while let Some(n) = self.commands[cur].piped_to {
            out.push(n);
            cur = n;
        }
        out
    }

    /// Commands whose output flows (through `|`) into `index`, nearest first.
    pub fn upstream(&self, index: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = index;
        while let Some(p) = self.commands[cur].piped_from {
            out.push(p);
            cur = p;
        }
        out
    }

    /// Commands nested (at any depth) inside substitutions in `index`'s words.
    pub fn nested_in(&self, index: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, c) in self.commands.iter().enumerate() {
            let mut p = c.parent;
            while let Some(pi) = p {
                if pi == index {
                    out.push(i);
                    break;
                }
                p = self.commands[pi].parent;
            }
        }
        out
    }
}

pub fn parse(script: &str) -> Script {
    parse_with(script, Options::default())
}

pub fn parse_with(script: &str, options: Options) -> Script {
    let mut p = Parser {
        src: script,
        s: script.as_bytes(),
        pos: 0,
        options,
        next_id: 0,
        done: Vec::new(),
        pending_heredocs: Vec::new(),
        heredocs: Vec::new(),
        pipe_from: None,
        context: Vec::new(),
        depth: 0,
    };
    p.list(End::Eof);
    p.finish()
}

/// Variables referenced in arbitrary text with shell expansion rules (an unquoted heredoc body):
/// `$NAME`, `${NAME…}`; `\$` escapes.
pub fn variable_refs(text: &str) -> Vec<VarRef> {
    let s = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'$' => {
                let (end, var) = dollar_var(s, i);
                out.extend(var);
                i = end.max(i + 1);
            }
            _ => i += 1,
        }
    }
    out
}

/// Scan a `$` expansion at `i` that is not a command substitution: returns where it ends and
/// the variable it names, if any.
fn dollar_var(s: &[u8], i: usize) -> (usize, Option<VarRef>) {
    let name_at = |start: usize| {
        let mut j = start;
        while j < s.len() && (s[j].is_ascii_alphanumeric() || s[j] == b'_') {
            j += 1;
        }
        j
    };
    match s.get(i + 1) {
        Some(b'{') if s.get(i + 2) == Some(&b'{') => (find_expr_end(s, i), None),
        Some(b'{') => {
            let end = matching(s, i + 1, b'{', b'}');
            let mut start = i + 2;
            while start < s.len() && matches!(s[start], b'!' | b'#') {
                start += 1;
            }
            let stop = name_at(start);
            let var = (stop > start && !s[start].is_ascii_digit()).then(|| VarRef {
                name: String::from_utf8_lossy(&s[start..stop]).into_owned(),
                span: i..end,
            });
            (end, var)
        }
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
            let stop = name_at(i + 1);
            let var = VarRef {
                name: String::from_utf8_lossy(&s[i + 1..stop]).into_owned(),
                span: i..stop,
            };
            (stop, Some(var))
        }
        Some(c) if c.is_ascii_digit() || b"@*#?$!-".contains(c) => (i + 2, None),
        _ => (i + 1, None),
    }
}

/// End (exclusive) of a `${{ … }}` expression starting at `i` (the `$`).
fn find_expr_end(s: &[u8], i: usize) -> usize {
    let mut j = i + 3;
    while j + 1 < s.len() {
        if s[j] == b'}' && s[j + 1] == b'}' {
            return j + 2;
        }
        j += 1;
    }
    s.len()
}

/// End (exclusive) of a bracketed region opened at `open_at`, counting nesting and skipping
/// quoted text. Runs to the end of input when unbalanced.
fn matching(s: &[u8], open_at: usize, open: u8, close: u8) -> usize {
    let mut depth = 0usize;
    let mut j = open_at;
    while j < s.len() {
        let c = s[j];
        if c == b'\\' {
            j += 2;
            continue;
        }
        if c == b'\'' && open != b'{' {
            j = s[j + 1..]
                .iter()
                .position(|&b| b == b'\'')
                .map_or(s.len(), |p| j + 1 + p + 1);
            continue;
        }
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return j + 1;
            }
        }
        j += 1;
    }
    s.len()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Eof,
    Paren,
    Backtick,
}

const MAX_DEPTH: usize = 24;

struct Building {
    id: usize,
    start: Option<usize>,
    end: usize,
    words: Vec<Word>,
    redirects: Vec<Redirect>,
    piped_from: Option<usize>,
    background: bool,
    pipes_out: bool,
    parent: Option<usize>,
    nesting: Nesting,
}

struct Done {
    id: usize,
    cmd: Command,
    piped_from: Option<usize>,
    pipes_out: bool,
    parent: Option<usize>,
}

struct Parser<'a> {
    src: &'a str,
    s: &'a [u8],
    pos: usize,
    options: Options,
    next_id: usize,
    done: Vec<Done>,
    /// (owner id, heredoc without body) waiting for the next newline.
    pending_heredocs: Vec<(usize, HereDoc)>,
    heredocs: Vec<(usize, HereDoc)>,
    pipe_from: Option<usize>,
    /// (command id, nesting) of the substitutions being parsed.
    context: Vec<(usize, Nesting)>,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn at(&self, off: usize) -> Option<u8> {
        self.s.get(self.pos + off).copied()
    }

    fn starts(&self, lit: &str) -> bool {
        self.s[self.pos.min(self.s.len())..].starts_with(lit.as_bytes())
    }

    /// Length of a `\`-newline continuation at the cursor (0 if none).
    fn continuation_len(&self) -> usize {
        if self.peek() != Some(b'\\') {
            return 0;
        }
        match (self.at(1), self.at(2)) {
            (Some(b'\n'), _) => 2,
            (Some(b'\r'), Some(b'\n')) => 3,
            _ => 0,
        }
    }

    /// Skip spaces, tabs and line continuations (not newlines).
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'\r') if self.at(1) == Some(b'\n') => return,
                Some(b'\r') => self.pos += 1,
                Some(b'\\') => {
                    let n = self.continuation_len();
                    if n == 0 {
                        return;
                    }
                    self.pos += n;
                    if self.options.drop_comment_lines_in_continuations {
                        self.skip_comment_lines();
                    }
                }
                _ => return,
            }
        }
    }

    /// Dockerfile: drop whole lines that are empty or start with `#`.
    fn skip_comment_lines(&mut self) {
        loop {
            let mut j = self.pos;
            while j < self.s.len() && matches!(self.s[j], b' ' | b'\t') {
                j += 1;
            }
            match self.s.get(j) {
                Some(b'#') => {
                    let eol = self.s[j..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(self.s.len(), |p| j + p + 1);
                    self.pos = eol;
                }
                Some(b'\n') => self.pos = j + 1,
                Some(b'\r') if self.s.get(j + 1) == Some(&b'\n') => self.pos = j + 2,
                _ => return,
            }
        }
    }

    fn skip_to_eol(&mut self) {
        while let Some(c) = self.peek() {
            if c == b'\n' {
                return;
            }
            self.pos += 1;
        }
    }

    fn list(&mut self, end: End) {
        let mut groups = 0usize;
        loop {
            self.skip_blanks();
            let Some(c) = self.peek() else { return };
            match c {
                b'#' => self.skip_to_eol(),
                b'\n' => {
                    self.pos += 1;
                    self.read_heredoc_bodies();
                }
                b'\r' => self.pos += 1,
                b';' | b'&' | b'|' => {
                    self.pos += 1;
                    if c != b'|' {
                        self.pipe_from = None;
                    }
                }
                b')' => {
                    self.pos += 1;
                    if groups > 0 {
                        groups -= 1;
                    } else if end == End::Paren {
                        return;
                    }
                }
                b'`' if end == End::Backtick => {
                    self.pos += 1;
                    return;
                }
                b'(' => {
                    groups += 1;
                    self.pos += 1;
                }
                b'{' if matches!(self.at(1), Some(b' ' | b'\t' | b'\n')) => self.pos += 1,
                _ => {
                    let before = self.pos;
                    self.command(end);
                    if self.pos == before {
                        // Nothing consumed (stray byte): never loop forever.
                        self.pos += 1;
                    }
                }
            }
        }
    }

    fn command(&mut self, end: End) {
        let (parent, nesting) = self
            .context
            .last()
            .copied()
            .map_or((None, Nesting::Top), |(id, n)| (Some(id), n));
        let id = self.next_id;
        self.next_id += 1;
        let mut b = Building {
            id,
            start: None,
            end: self.pos,
            words: Vec::new(),
            redirects: Vec::new(),
            piped_from: self.pipe_from.take(),
            background: false,
            pipes_out: false,
            parent,
            nesting,
        };
        let mut last = usize::MAX;
        loop {
            self.skip_blanks();
            if self.pos == last {
                break; // nothing consumed: let the list deal with this byte
            }
            last = self.pos;
            let Some(c) = self.peek() else { break };
            match c {
                b'\n' | b';' => break,
                b'\r' if self.at(1) == Some(b'\n') => break,
                b'&' if self.at(1) == Some(b'&') => {
                    self.pos += 2;
                    break;
                }
                b'&' if self.at(1) == Some(b'>') => self.redirect(&mut b, None, self.pos),
                b'&' => {
                    self.pos += 1;
                    b.background = true;
                    break;
                }
                b'|' if self.at(1) == Some(b'|') => {
                    self.pos += 2;
                    break;
                }
                b'|' => {
                    self.pos += if self.at(1) == Some(b'&') { 2 } else { 1 };
                    b.pipes_out = true;
                    break;
                }
                b')' => break,
                b'`' if end == End::Backtick => break,
                b'#' => self.skip_to_eol(),
                b'<' | b'>' if self.at(1) == Some(b'(') => self.word(&mut b, end),
                b'<' | b'>' => self.redirect(&mut b, None, self.pos),
                b'0'..=b'9' => {
                    let mut j = self.pos;
                    while j < self.s.len() && self.s[j].is_ascii_digit() {
                        j += 1;
                    }
                    if matches!(self.s.get(j), Some(b'<' | b'>'))
                        && self.s.get(j + 1) != Some(&b'(')
                    {
                        let fd = self.src[self.pos..j].parse().ok();
                        let start = self.pos;
                        self.pos = j;
                        self.redirect(&mut b, fd, start);
                    } else {
                        self.word(&mut b, end);
                    }
                }
                _ => self.word(&mut b, end),
            }
        }
        self.finish_command(b);
    }

    fn finish_command(&mut self, b: Building) {
        let Some(start) = b.start else {
            // Empty command (e.g. a stray `;`): keep the pipe link for the next one.
            if b.piped_from.is_some() && self.pipe_from.is_none() {
                self.pipe_from = b.piped_from;
            }
            return;
        };
        if b.pipes_out {
            self.pipe_from = Some(b.id);
        }
        let program_index = effective_program(&b.words);
        let cmd = Command {
            span: start..b.end,
            words: b.words,
            program_index,
            redirects: b.redirects,
            heredocs: Vec::new(),
            piped_from: None,
            piped_to: None,
            background: b.background,
            parent: None,
            nesting: b.nesting,
        };
        self.done.push(Done {
            id: b.id,
            cmd,
            piped_from: b.piped_from,
            pipes_out: b.pipes_out,
            parent: b.parent,
        });
    }

    fn redirect(&mut self, b: &mut Building, fd: Option<u32>, start: usize) {
        const OPS: &[&str] = &[
            "&>>", "&>", "<<<", "<<-", "<<", "<&", "<>", "<", ">>", ">&", ">|", ">",
        ];
        let op = OPS
            .iter()
            .find(|op| self.starts(op))
            .copied()
            .unwrap_or(">");
        self.pos += op.len().min(self.s.len() - self.pos);
        self.skip_blanks();
        let target = match self.peek() {
            None | Some(b'\n' | b';' | b'|' | b'&' | b')' | b'<' | b'>') => None,
            _ => {
                self.context.push((b.id, Nesting::CommandSubstitution));
                let w = self.read_word(End::Eof);
                self.context.pop();
                Some(w)
            }
        };
        let end = target.as_ref().map_or(self.pos, |w| w.span.end);
        b.start.get_or_insert(start);
        b.end = end;
        if op == "<<" || op == "<<-" {
            if let Some(t) = &target {
                let raw = &self.src[t.span.clone()];
                let quoted = raw.contains(['\'', '"', '\\']);
                self.pending_heredocs.push((
                    b.id,
                    HereDoc {
                        span: start..end,
                        delimiter: t.value.clone(),
                        quoted,
                        strip_tabs: op == "<<-",
                        body: end..end,
                        vars: Vec::new(),
                    },
                ));
            }
        }
        b.redirects.push(Redirect {
            span: start..end,
            op: op.to_string(),
            fd,
            target,
        });
    }

    fn word(&mut self, b: &mut Building, end: End) {
        let ctx_len = self.context.len();
        self.context.push((b.id, Nesting::CommandSubstitution));
        let w = self.read_word(end);
        self.context.truncate(ctx_len);
        b.start.get_or_insert(w.span.start);
        b.end = w.span.end;
        b.words.push(w);
    }

    /// Parse a nested list (substitution) and return to the caller's pipe state.
    fn nested(&mut self, end: End, nesting: Nesting) {
        if let Some(last) = self.context.last_mut() {
            last.1 = nesting;
        }
        let saved_pipe = self.pipe_from.take();
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            // Too deep: skip to the end of input rather than recurse further.
            self.pos = self.s.len();
        } else {
            self.list(end);
        }
        self.depth -= 1;
        self.pipe_from = saved_pipe;
    }

    fn read_word(&mut self, end: End) -> Word {
        let start = self.pos;
        let mut value: Vec<u8> = Vec::new();
        let mut vars = Vec::new();
        let mut dynamic = false;
        // Process substitution as a whole word.
        if matches!(self.peek(), Some(b'<' | b'>')) && self.at(1) == Some(b'(') {
            self.pos += 2;
            self.nested(End::Paren, Nesting::ProcessSubstitution);
            value.extend_from_slice(&self.s[start..self.pos]);
            dynamic = true;
        }
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b')' => break,
                b'\r' if self.at(1) == Some(b'\n') => break,
                b'`' if end == End::Backtick => break,
                b'`' => {
                    let s0 = self.pos;
                    self.pos += 1;
                    self.nested(End::Backtick, Nesting::CommandSubstitution);
                    value.extend_from_slice(&self.s[s0..self.pos]);
                    dynamic = true;
                }
                b'\\' => {
                    let n = self.continuation_len();
                    if n > 0 {
                        self.pos += n;
                    } else if let Some(next) = self.at(1) {
                        let _ = next;
                        let ch_len = utf8_len(self.s, self.pos + 1);
                        value.extend_from_slice(&self.s[self.pos + 1..self.pos + 1 + ch_len]);
                        self.pos += 1 + ch_len;
                    } else {
                        value.push(b'\\');
                        self.pos += 1;
                    }
                }
                b'\'' => {
                    let close = self.s[self.pos + 1..].iter().position(|&b| b == b'\'');
                    let stop = close.map_or(self.s.len(), |p| self.pos + 1 + p);
                    value.extend_from_slice(&self.s[self.pos + 1..stop]);
                    self.pos = (stop + 1).min(self.s.len());
                }
                b'"' => {
                    self.pos += 1;
                    self.double_quoted(&mut value, &mut vars, &mut dynamic);
                }
                b'$' => self.dollar(&mut value, &mut vars, &mut dynamic),
                b'(' => {
                    // `arr=(a b)`, `f()`: keep the bracketed text as part of the word.
                    let stop = matching(self.s, self.pos, b'(', b')');
                    value.extend_from_slice(&self.s[self.pos..stop]);
                    self.pos = stop;
                }
                _ => {
                    value.push(c);
                    self.pos += 1;
                }
            }
        }
        Word {
            span: start..self.pos,
            value: String::from_utf8(value)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            vars,
            dynamic,
        }
    }

    fn double_quoted(&mut self, value: &mut Vec<u8>, vars: &mut Vec<VarRef>, dynamic: &mut bool) {
        while let Some(c) = self.peek() {
            match c {
                b'"' => {
                    self.pos += 1;
                    return;
                }
                b'\\' => {
                    let n = self.continuation_len();
                    if n > 0 {
                        self.pos += n;
                        continue;
                    }
                    match self.at(1) {
                        Some(e @ (b'"' | b'\\' | b'$' | b'`')) => {
                            value.push(e);
                            self.pos += 2;
                        }
                        _ => {
                            value.push(b'\\');
                            self.pos += 1;
                        }
                    }
                }
                b'`' => {
                    let s0 = self.pos;
                    self.pos += 1;
                    self.nested(End::Backtick, Nesting::CommandSubstitution);
                    value.extend_from_slice(&self.s[s0..self.pos]);
                    *dynamic = true;
                }
                b'$' => self.dollar(value, vars, dynamic),
                _ => {
                    value.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn dollar(&mut self, value: &mut Vec<u8>, vars: &mut Vec<VarRef>, dynamic: &mut bool) {
        let s0 = self.pos;
        if self.at(1) == Some(b'(') && self.at(2) == Some(b'(') {
            // Arithmetic: opaque.
            self.pos = matching(self.s, self.pos + 1, b'(', b')');
            *dynamic = true;
        } else if self.at(1) == Some(b'(') {
            self.pos += 2;
            self.nested(End::Paren, Nesting::CommandSubstitution);
            *dynamic = true;
        } else {
            let (end, var) = dollar_var(self.s, self.pos);
            if end > self.pos + 1 || var.is_some() {
                *dynamic = true;
            }
            vars.extend(var);
            self.pos = end.max(self.pos + 1).min(self.s.len());
        }
        value.extend_from_slice(&self.s[s0..self.pos]);
    }

    /// After a newline: read the bodies of pending here-docs.
    fn read_heredoc_bodies(&mut self) {
        for (owner, mut h) in std::mem::take(&mut self.pending_heredocs) {
            let body_start = self.pos;
            let mut line_start = self.pos;
            let mut body_end = self.s.len();
            let mut after = self.s.len();
            while line_start < self.s.len() {
                let eol = self.s[line_start..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.s.len(), |p| line_start + p);
                let line = self.src[line_start..eol].trim_end_matches('\r');
                // The slice may be indented YAML: accept leading whitespace before the delimiter.
                if line.trim_start() == h.delimiter && !h.delimiter.is_empty() {
                    body_end = line_start;
                    after = (eol + 1).min(self.s.len());
                    break;
                }
                line_start = eol + 1;
            }
            h.body = body_start..body_end.max(body_start);
            if !h.quoted {
                h.vars = variable_refs(&self.src[h.body.clone()])
                    .into_iter()
                    .map(|v| VarRef {
                        name: v.name,
                        span: v.span.start + body_start..v.span.end + body_start,
                    })
                    .collect();
            }
            self.pos = after;
            self.heredocs.push((owner, h));
        }
    }

    fn finish(self) -> Script {
        let mut done = self.done;
        done.sort_by_key(|d| (d.cmd.span.start, std::cmp::Reverse(d.cmd.span.end), d.id));
        let index_of: std::collections::HashMap<usize, usize> =
            done.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
        let mut commands: Vec<Command> = Vec::with_capacity(done.len());
        let mut links = Vec::new();
        for (i, d) in done.iter().enumerate() {
            let mut cmd = d.cmd.clone();
            cmd.parent = d.parent.and_then(|p| index_of.get(&p).copied());
            if let Some(from) = d.piped_from.and_then(|p| index_of.get(&p).copied()) {
                cmd.piped_from = Some(from);
                links.push((from, i));
            }
            let _ = d.pipes_out;
            commands.push(cmd);
        }
        for (from, to) in links {
            commands[from].piped_to = Some(to);
        }
        for (owner, h) in self.heredocs {
            if let Some(&i) = index_of.get(&owner) {
                commands[i].heredocs.push(h);
            }
        }
        Script { commands }
    }
}

fn utf8_len(s: &[u8], i: usize) -> usize {
    match s.get(i) {
        None => 0,
        Some(b) if *b < 0x80 => 1,
        Some(b) if *b >= 0xF0 => 4.min(s.len() - i),
        Some(b) if *b >= 0xE0 => 3.min(s.len() - i),
        Some(b) if *b >= 0xC0 => 2.min(s.len() - i),
        Some(_) => 1,
    }
}

/// Reserved words that may precede a command (`then curl …`, `! grep …`).
const PREFIX_WORDS: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time",
];

/// Options of wrapper programs that take a separate argument.
fn wrapper_option_takes_arg(wrapper: &str, opt: &str) -> bool {
    let list: &[&str] = match wrapper {
        "sudo" | "doas" => &[
            "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-T", "-U", "--user", "--group",
        ],
        "env" => &["-u", "-C", "--unset", "--chdir"],
        "exec" => &["-a"],
        "xargs" => &[
            "-I",
            "-n",
            "-P",
            "-L",
            "-s",
            "-d",
            "-E",
            "-a",
            "--arg-file",
            "--delimiter",
            "--max-args",
            "--max-procs",
        ],
        "nice" => &["-n", "--adjustment"],
        "timeout" => &["-s", "-k", "--signal", "--kill-after"],
        "stdbuf" => &["-i", "-o", "-e"],
        _ => &[],
    };
    list.contains(&opt)
}

const WRAPPERS: &[&str] = &[
    "sudo", "doas", "env", "exec", "xargs", "nohup", "command", "builtin", "nice", "timeout",
    "stdbuf", "time",
];

/// Index of the word that names the command that actually runs.
fn effective_program(words: &[Word]) -> Option<usize> {
    let mut i = 0;
    loop {
        while i < words.len() && words[i].assignment().is_some() {
            i += 1;
        }
        let w = words.get(i)?;
        let v = w.value.as_str();
        if PREFIX_WORDS.contains(&v) && w.span.len() == v.len() {
            i += 1;
            continue;
        }
        let name = v.rsplit('/').next().unwrap_or(v);
        if !WRAPPERS.contains(&name) {
            return Some(i);
        }
        // `command -v x` looks a program up; it does not run it.
        if name == "command"
            && words
                .get(i + 1)
                .is_some_and(|n| n.value == "-v" || n.value == "-V")
        {
            return Some(i);
        }
        let wrapper = name;
        let mut j = i + 1;
        while let Some(opt) = words.get(j) {
            let o = opt.value.as_str();
            if o == "--" {
                j += 1;
                break;
            }
            if !o.starts_with('-') || o == "-" {
                break;
            }
            j += if wrapper_option_takes_arg(wrapper, o) {
                2
            } else {
                1
            };
        }
        // `timeout 5m cmd`: the duration comes first.
        if wrapper == "timeout" && j < words.len() {
            j += 1;
        }
        if j >= words.len() {
            // A bare wrapper (`env` prints the environment): the wrapper is the program.
            return Some(i);
        }
        i = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(s: &Script) -> Vec<&str> {
        s.commands.iter().filter_map(|c| c.program()).collect()
    }

    fn args(c: &Command) -> Vec<&str> {
        c.args().iter().map(|w| w.value.as_str()).collect()
    }

    #[test]
    fn splits_on_operators() {
        let s = parse("a 1 && b 2 || c; d & e\nf");
        assert_eq!(programs(&s), ["a", "b", "c", "d", "e", "f"]);
        assert!(s.commands[3].background);
        assert_eq!(args(&s.commands[0]), ["1"]);
        assert!(s.commands.iter().all(|c| c.piped_to.is_none()));
    }

    #[test]
    fn pipelines_link_commands() {
        let s = parse("curl -fsSL https://x.sh | sudo -E bash -s -- --yes | tee log\necho done");
        assert_eq!(programs(&s), ["curl", "bash", "tee", "echo"]);
        assert_eq!(s.commands[0].piped_to, Some(1));
        assert_eq!(s.commands[1].piped_from, Some(0));
        assert_eq!(s.commands[1].piped_to, Some(2));
        assert_eq!(s.pipeline(1), vec![0, 1, 2]);
        assert_eq!(s.upstream(2), vec![1, 0]);
        assert_eq!(s.commands[3].piped_from, None);
        // A pipe may continue on the next line.
        let s = parse("curl x |\n  sh");
        assert_eq!(s.commands[1].piped_from, Some(0));
    }

    #[test]
    fn spans_are_relative_byte_offsets() {
        let text = "    npm install --no-audit\n    npm test";
        let s = parse(text);
        let c = &s.commands[0];
        assert_eq!(&text[c.span.clone()], "npm install --no-audit");
        assert_eq!(&text[c.words[1].span.clone()], "install");
        assert_eq!(&text[s.commands[1].span.clone()], "npm test");
    }

    #[test]
    fn line_continuations_and_indentation() {
        let text = "  apt-get update && \\\n      apt-get install -y \\\n        curl\n  echo ok";
        let s = parse(text);
        assert_eq!(programs(&s), ["apt-get", "apt-get", "echo"]);
        assert_eq!(args(&s.commands[1]), ["install", "-y", "curl"]);
        // CRLF continuations too.
        let s = parse("a \\\r\n  b\r\nc");
        assert_eq!(programs(&s), ["a", "c"]);
        assert_eq!(args(&s.commands[0]), ["b"]);
    }

    #[test]
    fn comments_only_at_word_start() {
        let s = parse("echo a#b # real comment | sh\n# whole line curl | sh\nls");
        assert_eq!(programs(&s), ["echo", "ls"]);
        assert_eq!(args(&s.commands[0]), ["a#b"]);
    }

    #[test]
    fn dockerfile_comment_lines_inside_continuations() {
        let text = "apt-get update && \\\n    # install tools\n    apt-get install -y \\\n# more\n      git";
        let s = parse_with(
            text,
            Options {
                drop_comment_lines_in_continuations: true,
            },
        );
        assert_eq!(programs(&s), ["apt-get", "apt-get"]);
        assert_eq!(args(&s.commands[1]), ["install", "-y", "git"]);
    }

    #[test]
    fn quotes_are_removed_from_values_but_kept_in_spans() {
        let text = r#"echo 'a | sh' "b \"c\" $HOME" d\ e"#;
        let s = parse(text);
        assert_eq!(s.commands.len(), 1);
        let c = &s.commands[0];
        assert_eq!(args(c), ["a | sh", "b \"c\" $HOME", "d e"]);
        assert_eq!(&text[c.words[1].span.clone()], "'a | sh'");
        assert_eq!(c.words[2].vars[0].name, "HOME");
        assert!(c.words[1].vars.is_empty());
    }

    #[test]
    fn unbalanced_quotes_do_not_panic() {
        for t in [
            "echo 'abc",
            "echo \"abc",
            "echo $(foo",
            "echo `foo",
            "echo ${x",
            "x <<",
            "a |",
            "\\",
            "$",
            "'",
            "\"\\",
            "<(",
            "2>",
            "é\\é",
        ] {
            let s = parse(t);
            for c in &s.commands {
                for w in &c.words {
                    assert!(w.span.end <= t.len());
                }
            }
        }
    }

    #[test]
    fn command_substitution_is_parsed() {
        let text = r#"sh -c "$(curl -fsSL https://get.example.com)""#;
        let s = parse(text);
        assert_eq!(programs(&s), ["sh", "curl"]);
        assert_eq!(s.commands[1].parent, Some(0));
        assert_eq!(s.commands[1].nesting, Nesting::CommandSubstitution);
        assert_eq!(s.nested_in(0), vec![1]);
        assert_eq!(
            &text[s.commands[1].span.clone()],
            "curl -fsSL https://get.example.com"
        );
        let s = parse("VERSION=`git describe | cut -d- -f1` make");
        assert_eq!(programs(&s), ["make", "git", "cut"]);
        assert_eq!(s.commands[1].piped_to, Some(2));
        assert_eq!(s.commands[0].piped_to, None);
        assert_eq!(s.commands[1].parent, Some(0));
    }

    #[test]
    fn process_substitution() {
        let s = parse("bash <(curl -s https://x/install.sh) --flag");
        assert_eq!(programs(&s), ["bash", "curl"]);
        assert_eq!(s.commands[1].nesting, Nesting::ProcessSubstitution);
        assert_eq!(s.commands[1].parent, Some(0));
        assert_eq!(
            args(&s.commands[0]),
            ["<(curl -s https://x/install.sh)", "--flag"]
        );
    }

    #[test]
    fn redirections() {
        let s = parse("make build > out.log 2>&1; cat <<< \"$X\" >> f; cmd &>/dev/null");
        let c = &s.commands[0];
        assert_eq!(args(c), ["build"]);
        assert_eq!(c.redirects.len(), 2);
        assert_eq!(c.redirects[0].op, ">");
        assert_eq!(c.redirects[0].target.as_ref().unwrap().value, "out.log");
        assert_eq!(c.redirects[1].fd, Some(2));
        assert_eq!(c.redirects[1].op, ">&");
        assert_eq!(c.redirects[1].target.as_ref().unwrap().value, "1");
        let c = &s.commands[1];
        assert_eq!(c.redirects[0].op, "<<<");
        assert_eq!(c.redirects[0].target.as_ref().unwrap().vars[0].name, "X");
        assert_eq!(c.redirects[1].op, ">>");
        assert_eq!(s.commands[2].redirects[0].op, "&>");
        assert!(args(&s.commands[2]).is_empty());
    }

    #[test]
    fn heredocs() {
        let text = "cat <<EOF > .npmrc\n//r/:_authToken=${NPM_TOKEN}\ncurl x | sh\nEOF\nnpm ci\ncat <<-'END'\n\t$NOPE\n\tEND\nls";
        let s = parse(text);
        assert_eq!(programs(&s), ["cat", "npm", "cat", "ls"]);
        let h = &s.commands[0].heredocs[0];
        assert_eq!(h.delimiter, "EOF");
        assert!(!h.quoted);
        assert_eq!(
            &text[h.body.clone()],
            "//r/:_authToken=${NPM_TOKEN}\ncurl x | sh\n"
        );
        assert_eq!(h.vars[0].name, "NPM_TOKEN");
        assert_eq!(&text[h.vars[0].span.clone()], "${NPM_TOKEN}");
        assert_eq!(
            s.commands[0]
                .redirects
                .iter()
                .map(|r| r.op.as_str())
                .collect::<Vec<_>>(),
            ["<<", ">"]
        );
        let h = &s.commands[2].heredocs[0];
        assert!(h.quoted && h.strip_tabs);
        assert!(h.vars.is_empty());
        // Indented (YAML block) delimiter lines are accepted.
        let s = parse("  cat <<EOF | sh\n  echo hi\n  EOF\n  ls");
        assert_eq!(programs(&s), ["cat", "sh", "ls"]);
        assert_eq!(s.commands[1].piped_from, Some(0));
    }

    #[test]
    fn assignments_and_wrappers() {
        let s = parse("FOO=1 BAR=\"a b\" npm ci");
        let c = &s.commands[0];
        assert_eq!(c.program(), Some("npm"));
        assert_eq!(
            c.assignments().collect::<Vec<_>>(),
            [("FOO", "1"), ("BAR", "a b")]
        );
        let cases = [
            ("sudo -u root -E npm install", "npm"),
            (
                "sudo DEBIAN_FRONTEND=noninteractive apt-get install x",
                "apt-get",
            ),
            ("env -i PATH=/bin FOO=1 sh -c x", "sh"),
            ("exec -a name node server.js", "node"),
            ("find . -name x | xargs -n 1 -I{} rm {}", "rm"),
            ("xargs -I % curl %", "curl"),
            ("timeout 30 curl x", "curl"),
            ("nohup ./run.sh", "./run.sh"),
            ("env", "env"),
            ("command -v curl", "command"),
            ("/usr/bin/sudo /usr/bin/curl x", "/usr/bin/curl"),
        ];
        for (text, want) in cases {
            let s = parse(text);
            assert_eq!(s.commands.last().unwrap().program(), Some(want), "{text}");
        }
        let s = parse("A=1");
        assert_eq!(s.commands[0].program(), None);
        assert_eq!(
            parse("/usr/bin/curl x").commands[0].program_name(),
            Some("curl")
        );
    }

    #[test]
    fn reserved_words_are_skipped() {
        let s = parse("if curl -f x | sh; then npm install; else ! yarn; fi");
        assert_eq!(programs(&s), ["curl", "sh", "npm", "yarn", "fi"]);
        let s = parse("for f in a b; do echo $f; done");
        assert_eq!(programs(&s)[1], "echo");
        let s = parse("( cd web && npm install ) && { make; }");
        assert_eq!(programs(&s), ["cd", "npm", "make", "}"]);
    }

    #[test]
    fn github_expressions_are_opaque() {
        let text = "echo ${{ secrets.TOKEN || 'a;b' }} | tee x; ls";
        let s = parse(text);
        assert_eq!(programs(&s), ["echo", "tee", "ls"]);
        let w = &s.commands[0].words[1];
        assert_eq!(w.value, "${{ secrets.TOKEN || 'a;b' }}");
        assert!(w.vars.is_empty());
        let s = parse("curl -H \"Authorization: ${{ env.X }}\" u");
        assert_eq!(args(&s.commands[0])[1], "Authorization: ${{ env.X }}");
    }

    #[test]
    fn variable_references() {
        let s = parse("echo $A ${B:-x} ${#C} '$D' \"$E\" \\$F $1 $$");
        let names: Vec<_> = s.commands[0].vars().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "C", "E"]);
        let v = variable_refs("a $X \\$Y ${Z}");
        assert_eq!(
            v.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
            ["X", "Z"]
        );
    }

    #[test]
    fn arithmetic_and_arrays_are_words() {
        let s = parse("N=$((1 + 2)) arr=(a b) run; echo $((N*2))");
        assert_eq!(programs(&s), ["run", "echo"]);
    }

    #[test]
    fn has_flag_matches_exact_and_valued_flags() {
        let s = parse("yarn install --frozen-lockfile --network-timeout=1000");
        let c = &s.commands[0];
        assert!(c.has_flag("--frozen-lockfile"));
        assert!(c.has_flag("--network-timeout"));
        assert!(!c.has_flag("--immutable"));
    }
}
