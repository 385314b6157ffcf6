//! A small, conservative reading of GitHub Actions `if:` expressions: can this condition be
//! true when the workflow was started by a given event?
//!
//! The condition is parsed (`&&`, `||`, `!`, parentheses, comparisons, function calls, context
//! paths, literals) and evaluated with three-valued logic over abstract values. Every context
//! value that is not modelled is *unknown*, and an unknown condition counts as "can run": the
//! answer is `false` only when the condition is certainly false for that event.
//!
//! Events are evaluated in the attacker's scenario: a pull request comes from a fork, its author
//! is not a member, it is not merged, and a `workflow_run` was started by such a pull request.
//! So `github.event.pull_request.head.repo.full_name == github.repository` is false for a
//! pull request, which makes the usual "not from a fork" guard count as a trusted-only guard.

use crate::memo::Memo;
use std::sync::{Arc, LazyLock};

/// Parsed expression.
#[derive(Clone, Debug, PartialEq)]
enum Expr {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// A context path in lower case (`github.event_name`, `github.event.pull_request.merged`).
    Path(ContextPath),
    Call(String, Vec<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// `a[b]` where it is not a context path with a literal key (`secrets[matrix.name]`).
    Index(Box<Expr>, Box<Expr>),
    /// `a.b` after a call or an index (`fromJSON(secrets.X).user`); `b` in lower case.
    Member(Box<Expr>, String),
}

/// A context path, with the test [`context`] needs for every event done once at parse time.
#[derive(Clone, Debug, PartialEq)]
struct ContextPath {
    text: String,
    /// An authorization decision computed by an earlier job or step
    /// (`needs.authorize.outputs.authorized`).
    authorization_gate: bool,
}

impl ContextPath {
    fn new(text: String) -> ContextPath {
        let authorization_gate = (text.starts_with("needs.") || text.starts_with("steps."))
            && text.contains(".outputs.")
            && is_authorization_output(text.rsplit('.').next().unwrap_or(""));
        ContextPath {
            text,
            authorization_gate,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A token of an expression: a string literal (unquoted), a number, a name (lower case; context
/// paths keep their dots) or an operator.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Str(String),
    Num(f64),
    Ident(String),
    Op(&'static str),
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    tokenize_spanned(s).map(|(toks, _)| toks)
}

/// The tokens of an expression with their byte ranges in `s`, for rules that point at one part of
/// a condition or rewrite it. `None` when the text cannot be read.
pub fn lex(s: &str) -> Option<Vec<(Tok, std::ops::Range<usize>)>> {
    let (toks, spans) = tokenize_spanned(s)?;
    Some(toks.into_iter().zip(spans).collect())
}

fn tokenize_spanned(s: &str) -> Option<(Vec<Tok>, Vec<std::ops::Range<usize>>)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let mut spans = Vec::new();
    let mut tok_start = 0;
    loop {
        // Each pass pushes at most one token, which ends where the next pass starts.
        if out.len() > spans.len() {
            spans.push(tok_start..i);
        }
        if i >= b.len() {
            break;
        }
        tok_start = i;
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'\'' {
            let mut v = String::new();
            i += 1;
            loop {
                let rest = s.get(i..)?;
                let q = rest.find('\'')?;
                v.push_str(&rest[..q]);
                i += q + 1;
                if b.get(i) == Some(&b'\'') {
                    v.push('\'');
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Tok::Str(v));
            continue;
        }
        let two = s.get(i..i + 2).unwrap_or("");
        if let Some(op) = ["==", "!=", "<=", ">=", "&&", "||"]
            .into_iter()
            .find(|op| *op == two)
        {
            out.push(Tok::Op(op));
            i += 2;
            continue;
        }
        if let Some(op) = ["!", "<", ">", "(", ")", ",", "[", "]"]
            .into_iter()
            .find(|op| op.as_bytes()[0] == c)
        {
            out.push(Tok::Op(op));
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            let text = &s[start..i];
            let n = if let Some(hex) = text.strip_prefix("0x") {
                i64::from_str_radix(hex, 16).ok()? as f64
            } else {
                text.parse().ok()?
            };
            out.push(Tok::Num(n));
            continue;
        }
        let dotted_tail = c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_alphabetic);
        if c.is_ascii_alphabetic() || c == b'_' || dotted_tail {
            let start = i;
            i += 1;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-' | b'.' | b'*'))
            {
                i += 1;
            }
            out.push(Tok::Ident(s[start..i].to_ascii_lowercase()));
            continue;
        }
        return None;
    }
    Some((out, spans))
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Op(o)) if *o == op)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let hit = self.peek_op(op);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn or(&mut self) -> Option<Expr> {
        let mut left = self.and()?;
        while self.eat_op("||") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Some(left)
    }

    fn and(&mut self) -> Option<Expr> {
        let mut left = self.cmp()?;
        while self.eat_op("&&") {
            left = Expr::And(Box::new(left), Box::new(self.cmp()?));
        }
        Some(left)
    }

    fn cmp(&mut self) -> Option<Expr> {
        let mut left = self.unary()?;
        loop {
            let op = match self.toks.get(self.pos) {
                Some(Tok::Op("==")) => CmpOp::Eq,
                Some(Tok::Op("!=")) => CmpOp::Ne,
                Some(Tok::Op("<")) => CmpOp::Lt,
                Some(Tok::Op("<=")) => CmpOp::Le,
                Some(Tok::Op(">")) => CmpOp::Gt,
                Some(Tok::Op(">=")) => CmpOp::Ge,
                _ => return Some(left),
            };
            self.pos += 1;
            left = Expr::Cmp(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Option<Expr> {
        if self.eat_op("!") {
            return Some(Expr::Not(Box::new(self.unary()?)));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Option<Expr> {
        let mut e = self.primary()?;
        loop {
            if self.eat_op("[") {
                let index = self.or()?;
                if !self.eat_op("]") {
                    return None;
                }
                e = match (e, index) {
                    (Expr::Path(p), Expr::Str(k)) => {
                        Expr::Path(ContextPath::new(format!("{}.{}", p.text, k.to_lowercase())))
                    }
                    (e, index) => Expr::Index(Box::new(e), Box::new(index)),
                };
                continue;
            }
            // `x['a'].b`, `fromJSON(x).b`: a dotted tail after an index or a call.
            if let Some(Tok::Ident(tail)) = self.toks.get(self.pos) {
                if let Some(rest) = tail.strip_prefix('.') {
                    let rest = rest.to_string();
                    self.pos += 1;
                    e = match e {
                        Expr::Path(p) => Expr::Path(ContextPath::new(format!("{}.{rest}", p.text))),
                        other => Expr::Member(Box::new(other), rest),
                    };
                    continue;
                }
            }
            return Some(e);
        }
    }

    fn primary(&mut self) -> Option<Expr> {
        // Each token is read once: move it out instead of cloning its text.
        let tok = std::mem::replace(self.toks.get_mut(self.pos)?, Tok::Op(""));
        self.pos += 1;
        match tok {
            Tok::Str(s) => Some(Expr::Str(s)),
            Tok::Num(n) => Some(Expr::Num(n)),
            Tok::Op("(") => {
                let e = self.or()?;
                self.eat_op(")").then_some(e)
            }
            Tok::Op(_) => None,
            Tok::Ident(id) => match id.as_str() {
                "true" => Some(Expr::Bool(true)),
                "false" => Some(Expr::Bool(false)),
                "null" => Some(Expr::Null),
                _ if self.peek_op("(") => {
                    self.pos += 1;
                    let mut args = Vec::new();
                    if !self.eat_op(")") {
                        loop {
                            args.push(self.or()?);
                            if self.eat_op(")") {
                                break;
                            }
                            if !self.eat_op(",") {
                                return None;
                            }
                        }
                    }
                    Some(Expr::Call(id, args))
                }
                _ => Some(Expr::Path(ContextPath::new(id))),
            },
        }
    }
}

fn parse(s: &str) -> Option<Expr> {
    let mut p = Parser {
        toks: tokenize(s)?,
        pos: 0,
    };
    let e = p.or()?;
    (p.pos == p.toks.len()).then_some(e)
}

/// Three-valued truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }

    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// Abstract value of an expression for one event. Strings borrow from the parsed expression
/// or the event name, so evaluating allocates nothing but `fromJSON` lists.
#[derive(Clone, Debug, PartialEq)]
enum Val<'a> {
    Str(&'a str),
    /// A string known to start with this prefix (compared case-insensitively).
    Prefix(&'static str),
    /// An unknown string with an identity: equal to itself, different from other identities.
    Ident(&'static str),
    Num(f64),
    Bool(bool),
    Null,
    /// `fromJSON('[…]')` of a literal array of strings.
    List(Vec<String>),
    Unknown,
}

impl Val<'_> {
    fn truthy(&self) -> Tri {
        match self {
            Val::Str(s) => Tri::from_bool(!s.is_empty()),
            Val::Prefix(p) if !p.is_empty() => Tri::True,
            Val::Ident(_) | Val::List(_) => Tri::True,
            Val::Num(n) => Tri::from_bool(*n != 0.0 && !n.is_nan()),
            Val::Bool(b) => Tri::from_bool(*b),
            Val::Null => Tri::False,
            Val::Prefix(_) | Val::Unknown => Tri::Unknown,
        }
    }
}

fn eq(a: &Val, b: &Val) -> Tri {
    use Val::*;
    match (a, b) {
        (Str(x), Str(y)) => Tri::from_bool(x.eq_ignore_ascii_case(y)),
        (Prefix(p), Str(s)) | (Str(s), Prefix(p)) => {
            if s.to_lowercase().starts_with(&p.to_lowercase()) {
                Tri::Unknown
            } else {
                Tri::False
            }
        }
        (Ident(x), Ident(y)) => Tri::from_bool(x == y),
        // GitHub names never contain `[`: an outsider is not `dependabot[bot]`.
        (Ident(_), Str(s)) | (Str(s), Ident(_)) if s.contains('[') => Tri::False,
        // The author of a pull request or comment is an account an outsider does not control.
        (Ident("pr-merge-ref"), Str(s)) | (Str(s), Ident("pr-merge-ref"))
            if !s.ends_with("/merge") =>
        {
            Tri::False
        }
        (Ident("attacker-login" | "fork-author"), Str(_))
        | (Str(_), Ident("attacker-login" | "fork-author")) => Tri::False,
        (Num(x), Num(y)) => Tri::from_bool(x == y),
        (Bool(x), Bool(y)) => Tri::from_bool(x == y),
        (Null, Null) => Tri::True,
        (Bool(x), Num(n)) | (Num(n), Bool(x)) => Tri::from_bool((*x as u8 as f64) == *n),
        (Null, Str(s)) | (Str(s), Null) => Tri::from_bool(s.is_empty()),
        (Null, Bool(b)) | (Bool(b), Null) => Tri::from_bool(!b),
        _ => Tri::Unknown,
    }
}

/// `startsWith(a, b)`.
fn starts_with(a: &Val, b: &Val) -> Tri {
    let Val::Str(needle) = b else {
        return Tri::Unknown;
    };
    let needle = needle.to_lowercase();
    match a {
        Val::Str(s) => Tri::from_bool(s.to_lowercase().starts_with(&needle)),
        Val::Prefix(p) => {
            let p = p.to_lowercase();
            if p.starts_with(&needle) {
                Tri::True
            } else if needle.starts_with(&p) {
                Tri::Unknown
            } else {
                Tri::False
            }
        }
        _ => Tri::Unknown,
    }
}

/// `contains(a, b)`.
fn contains(a: &Val, b: &Val) -> Tri {
    match (a, b) {
        (Val::List(items), Val::Str(s)) => {
            Tri::from_bool(items.iter().any(|i| i.eq_ignore_ascii_case(s)))
        }
        (Val::Str(hay), Val::Str(needle)) => {
            Tri::from_bool(hay.to_lowercase().contains(&needle.to_lowercase()))
        }
        (Val::Prefix(p), Val::Str(needle)) if p.to_lowercase().contains(&needle.to_lowercase()) => {
            Tri::True
        }
        _ => Tri::Unknown,
    }
}

/// The value of a context path when `event` started the run (attacker's scenario, see the module
/// documentation). Unmodelled paths are unknown.
fn context<'a>(path: &ContextPath, event: &'a str) -> Val<'a> {
    let pr_like = matches!(event, "pull_request" | "pull_request_target");
    let untrusted = pr_like || matches!(event, "issue_comment" | "workflow_run");
    match path.text.as_str() {
        "github.event_name" => Val::Str(event),
        "github.ref" => match event {
            "pull_request" => Val::Prefix("refs/pull/"),
            "release" => Val::Prefix("refs/tags/"),
            // These run on the default (or base) branch.
            "pull_request_target"
            | "issue_comment"
            | "workflow_run"
            | "schedule"
            | "pull_request_review"
            | "pull_request_review_comment"
            | "issues"
            | "discussion"
            | "discussion_comment"
            | "fork"
            | "watch" => Val::Prefix("refs/heads/"),
            _ => Val::Unknown,
        },
        // `<number>/merge` for a pull request: never a branch or tag name.
        "github.ref_name" if event == "pull_request" => Val::Ident("pr-merge-ref"),
        "github.ref_type" => match event {
            "release" => Val::Str("tag"),
            "pull_request" | "pull_request_target" | "issue_comment" | "workflow_run" => {
                Val::Str("branch")
            }
            _ => Val::Unknown,
        },
        "github.head_ref" | "github.base_ref" if !pr_like => Val::Str(""),
        "github.repository" => Val::Ident("base-repo"),
        "github.repository_owner" => Val::Ident("base-owner"),
        "github.event.pull_request.head.repo.full_name"
        | "github.event.workflow_run.head_repository.full_name"
        | "github.event.workflow_run.head_repo.full_name"
            if pr_like || event == "workflow_run" =>
        {
            Val::Ident("fork-repo")
        }
        "github.event.pull_request.head.repo.owner.login"
        | "github.event.workflow_run.head_repository.owner.login"
            if pr_like || event == "workflow_run" =>
        {
            Val::Ident("fork-owner")
        }
        "github.event.pull_request.user.login" if pr_like => Val::Ident("fork-author"),
        "github.event.pull_request.head.repo.fork" if pr_like => Val::Bool(true),
        "github.event.pull_request.merged" if pr_like => Val::Bool(false),
        "github.event.pull_request.author_association"
        | "github.event.comment.author_association"
        | "github.event.issue.author_association"
            if pr_like || event == "issue_comment" =>
        {
            Val::Str("NONE")
        }
        "github.event.workflow_run.event" if event == "workflow_run" => Val::Str("pull_request"),
        // Who wrote the comment: an outsider, never a named account. (`github.actor` is not
        // modelled: the actor of a run can differ from the author of what it runs.)
        "github.event.comment.user.login" | "github.event.issue.user.login" if untrusted => {
            Val::Ident("attacker-login")
        }
        // An authorization gate computed by an earlier job or step
        // (`needs.authorize.outputs.authorized == 'true'`) says no to an outsider.
        _ if untrusted && path.authorization_gate => Val::Str("false"),
        _ => Val::Unknown,
    }
}

/// Output names that carry an authorization decision (`authorized`, `is_trusted`,
/// `has-write-access`, `is_member`, …).
fn is_authorization_output(name: &str) -> bool {
    [
        "authoriz",
        "authoris",
        "trusted",
        "allowed",
        "approved",
        "permitted",
        "member",
        "collaborator",
        "write_access",
        "write-access",
        "permission",
    ]
    .iter()
    .any(|w| name.contains(w))
}

fn eval<'a>(e: &'a Expr, event: &'a str) -> Val<'a> {
    match e {
        Expr::Str(s) => Val::Str(s),
        Expr::Num(n) => Val::Num(*n),
        Expr::Bool(b) => Val::Bool(*b),
        Expr::Null => Val::Null,
        Expr::Path(p) => context(p, event),
        Expr::Index(..) | Expr::Member(..) => Val::Unknown,
        Expr::Not(x) => tri_val(eval(x, event).truthy().not()),
        Expr::And(a, b) => {
            // Only the truth value matters for `if:`.
            let (x, y) = (eval(a, event).truthy(), eval(b, event).truthy());
            tri_val(match (x, y) {
                (Tri::False, _) | (_, Tri::False) => Tri::False,
                (Tri::True, Tri::True) => Tri::True,
                _ => Tri::Unknown,
            })
        }
        Expr::Or(a, b) => {
            let (x, y) = (eval(a, event).truthy(), eval(b, event).truthy());
            tri_val(match (x, y) {
                (Tri::True, _) | (_, Tri::True) => Tri::True,
                (Tri::False, Tri::False) => Tri::False,
                _ => Tri::Unknown,
            })
        }
        Expr::Cmp(op, a, b) => {
            let (x, y) = (eval(a, event), eval(b, event));
            tri_val(match op {
                CmpOp::Eq => eq(&x, &y),
                CmpOp::Ne => eq(&x, &y).not(),
                _ => Tri::Unknown,
            })
        }
        Expr::Call(name, args) => {
            let vals: Vec<Val> = args.iter().map(|a| eval(a, event)).collect();
            match (name.as_str(), vals.as_slice()) {
                ("startswith", [a, b]) => tri_val(starts_with(a, b)),
                ("contains", [a, b]) => tri_val(contains(a, b)),
                ("always", []) => Val::Bool(true),
                ("fromjson", [Val::Str(s)]) => from_json_list(s).unwrap_or(Val::Unknown),
                _ => Val::Unknown,
            }
        }
    }
}

fn tri_val(t: Tri) -> Val<'static> {
    match t {
        Tri::True => Val::Bool(true),
        Tri::False => Val::Bool(false),
        Tri::Unknown => Val::Unknown,
    }
}

/// `["a", "b"]` → a list of strings (nothing else is needed for membership tests).
fn from_json_list(s: &str) -> Option<Val<'static>> {
    let inner = s.trim().strip_prefix('[')?.strip_suffix(']')?;
    let items = inner
        .split(',')
        .map(|i| i.trim())
        .filter(|i| !i.is_empty())
        .map(|i| Some(i.strip_prefix('"')?.strip_suffix('"')?.to_string()))
        .collect::<Option<Vec<_>>>()?;
    Some(Val::List(items))
}

/// The expression text of an `if:` value: `${{ x }}` when it wraps the whole value, else the bare
/// text. `None` when the value mixes text and `${{ }}` (a string, which is always truthy).
///
/// The runner splits a value holding `${{` into literal text and expressions; anything beside
/// the one expression, even the newline a `|` block scalar keeps, makes the value a `format(…)`
/// string. So the `${{ }}` form is matched on the exact text, and only a bare expression is
/// trimmed.
fn condition_text(raw: &str) -> Option<&str> {
    if let Some(inner) = raw.strip_prefix("${{").and_then(|r| r.strip_suffix("}}")) {
        if !inner.contains("${{") && !inner.contains("}}") {
            return Some(inner);
        }
        return None;
    }
    let t = raw.trim();
    (!t.contains("${{")).then_some(t)
}

/// The expression an `if:` value (its decoded text) evaluates, as a slice of `raw`; `None` when
/// the value is always true because it mixes `${{ }}` with other text (see [`condition_text`]).
pub fn condition_expression(raw: &str) -> Option<&str> {
    condition_text(raw)
}

/// Whether a `${{ }}` body (or a bare condition) parses as an expression.
pub fn parses(inner: &str) -> bool {
    parse(inner).is_some()
}

/// Truth of an `if:` condition when `event` started the run. `Tri::Unknown` when the condition
/// cannot be read.
pub fn evaluate(cond: &str, event: &str) -> Tri {
    let Some(text) = condition_text(cond) else {
        // A string with embedded expressions is non-empty, hence true.
        return Tri::True;
    };
    match parse(text) {
        Some(e) => eval(&e, event).truthy(),
        None => Tri::Unknown,
    }
}

/// An `if:` condition parsed once, to ask [`Condition::can_run`] for several events.
pub struct Condition(
    /// `None` when the condition can never be certainly false: no `if:`, a string with embedded
    /// expressions (always true), or text that cannot be read (unknown).
    Option<Arc<Expr>>,
);

impl Condition {
    pub fn new(cond: Option<&str>) -> Condition {
        static PARSED: LazyLock<Memo<Option<Arc<Expr>>>> = LazyLock::new(|| Memo::new(4096));
        let parsed = cond
            .and_then(condition_text)
            .and_then(|c| (*PARSED.get(c, |c| parse(c).map(Arc::new))).clone());
        Condition(parsed)
    }

    /// Whether a step or job with this condition can run when `event` started the run
    /// (conservative: only a condition that is certainly false says no).
    pub fn can_run(&self, event: &str) -> bool {
        self.0
            .as_ref()
            .is_none_or(|e| eval(e, event).truthy() != Tri::False)
    }
}

/// Whether a step or job with this `if:` can run when `event` started the run (conservative:
/// only a condition that is certainly false says no).
pub fn can_run(cond: Option<&str>, event: &str) -> bool {
    Condition::new(cond).can_run(event)
}

/// Whether the condition calls a status function (`always()`, `failure()`, `cancelled()`,
/// `success()`), which decides whether the job waits for its `needs:` to succeed.
pub fn uses_status_function(cond: &str) -> bool {
    let lower = cond.to_ascii_lowercase();
    ["always(", "failure(", "cancelled("]
        .iter()
        .any(|f| lower.contains(f))
}

/// Whether an expression (the text inside `${{ }}`) can only produce text that is written in
/// the expression itself, a boolean, a number or a hash: literals, comparisons, `!x`,
/// `contains(…)`, `startsWith(…)`, `endsWith(…)`, `hashFiles(…)`, status functions, `format`/
/// `join`/`toJSON`/`fromJSON` of such values, and `a && b` / `a || b` of such values. In
/// `a && b` only `b` matters: `a` is the result only when it is falsy (`''`, `0`, `false`,
/// `null`), which carries no text. `false` when the text cannot be read.
pub fn yields_only_literals(inner: &str) -> bool {
    parse(inner).is_some_and(|e| literal_only(&e))
}

fn literal_only(e: &Expr) -> bool {
    match e {
        Expr::Str(_) | Expr::Num(_) | Expr::Bool(_) | Expr::Null => true,
        Expr::Not(_) | Expr::Cmp(..) => true,
        Expr::Path(_) | Expr::Index(..) | Expr::Member(..) => false,
        Expr::And(_, b) => literal_only(b),
        Expr::Or(a, b) => literal_only(a) && literal_only(b),
        Expr::Call(name, args) => match name.as_str() {
            "contains" | "startswith" | "endswith" | "hashfiles" | "success" | "failure"
            | "always" | "cancelled" => true,
            "format" | "join" | "tojson" | "fromjson" => args.iter().all(literal_only),
            _ => false,
        },
    }
}

/// What an expression does with the `secrets` context, for the rules about how secrets are
/// handed out (`overprovisioned-secrets`, `unredacted-secret`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretsAccess {
    /// The whole context (`toJSON(secrets)`, `secrets` passed on as a value): every secret of
    /// the repository, not only the ones the step needs.
    WholeContext,
    /// `secrets[<expression>]`: which secret is read is decided at run time, so every secret
    /// must be made available.
    DynamicIndex,
    /// `fromJSON(secrets.NAME).field` (or `['field']`): a value cut out of a structured secret,
    /// which the runner does not mask. `secret` in upper case; `field` as written (lower case),
    /// `None` when the index is computed.
    StructuredField {
        secret: String,
        field: Option<String>,
    },
}

/// Whether a document may hold one of the [`SecretsAccess`] shapes at all: a cheap test on the
/// whole text before any expression is parsed (most files have none).
pub fn may_access_secrets_unusually(text: &str) -> bool {
    static SHAPES: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\bsecrets\s*(?:\)|\[|,|\}\})|\bsecrets\s*$|fromjson\s*\(\s*secrets\s*\.",
        )
        .expect("valid regex")
    });
    SHAPES.is_match(text)
}

/// The uses of the `secrets` context in a `${{ }}` body (the text between the braces) that
/// [`SecretsAccess`] describes. Empty when the text cannot be parsed.
pub fn secrets_access(inner: &str) -> Vec<SecretsAccess> {
    if !inner.to_ascii_lowercase().contains("secrets") {
        return vec![];
    }
    let mut out = Vec::new();
    if let Some(e) = parse(inner) {
        walk_secrets(&e, &mut out);
    }
    out
}

/// `fromJSON(secrets.NAME)` → `NAME` (upper case).
fn structured_secret(e: &Expr) -> Option<String> {
    let Expr::Call(name, args) = e else {
        return None;
    };
    match (name.as_str(), args.as_slice()) {
        ("fromjson", [Expr::Path(p)]) => {
            let secret = p.text.strip_prefix("secrets.")?;
            (!secret.contains('.')).then(|| secret.to_ascii_uppercase())
        }
        _ => None,
    }
}

fn walk_secrets(e: &Expr, out: &mut Vec<SecretsAccess>) {
    match e {
        Expr::Path(p) if p.text == "secrets" => out.push(SecretsAccess::WholeContext),
        Expr::Str(_) | Expr::Num(_) | Expr::Bool(_) | Expr::Null | Expr::Path(_) => {}
        Expr::Index(base, index) => {
            if matches!(&**base, Expr::Path(p) if p.text == "secrets") {
                out.push(SecretsAccess::DynamicIndex);
            } else if let Some(secret) = structured_secret(base) {
                let field = match &**index {
                    Expr::Str(f) => Some(f.to_lowercase()),
                    _ => None,
                };
                out.push(SecretsAccess::StructuredField { secret, field });
            } else {
                walk_secrets(base, out);
            }
            walk_secrets(index, out);
        }
        Expr::Member(base, field) => match structured_secret(base) {
            Some(secret) => out.push(SecretsAccess::StructuredField {
                secret,
                field: Some(field.clone()),
            }),
            None => walk_secrets(base, out),
        },
        Expr::Call(_, args) => args.iter().for_each(|a| walk_secrets(a, out)),
        Expr::Not(x) => walk_secrets(x, out),
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) => {
            walk_secrets(a, out);
            walk_secrets(b, out);
        }
    }
}

/// Functions whose result depends only on their arguments.
const PURE_FUNCTIONS: &[&str] = &[
    "contains",
    "startswith",
    "endswith",
    "format",
    "join",
    "tojson",
    "fromjson",
    "case",
];

/// Whether a `${{ }}` body (the text between the braces) is a constant: it reads no context and
/// calls only functions of their arguments (`'x'`, `format('{0}', 'a')`, `'a' == 'a'`), so its
/// value is fixed when the file is written. `Some(value)` then, with the value as GitHub would
/// substitute it when it can be worked out here (literals, `format` of literals, `==`/`!=`/`!`
/// of literals), else `Some(None)`. `None` when it is not a constant or cannot be parsed.
pub fn constant(inner: &str) -> Option<Option<String>> {
    if !may_be_constant(inner) {
        return None;
    }
    let e = parse(inner)?;
    is_constant(&e).then(|| fold(&e))
}

/// A cheap test before parsing, without allocating: outside string literals, every word of a
/// constant is a function name (followed by `(`) or `true`/`false`/`null`; most expressions
/// name a context (`github.ref`, `matrix.os`) and are not constants.
fn may_be_constant(inner: &str) -> bool {
    let b = inner.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' => {
                // Skip the string literal (`''` is an escaped quote, read as two literals).
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-')) {
                    i += 1;
                }
                let word = &inner[start..i];
                let called = inner[i..].trim_start().starts_with('(');
                let literal = ["true", "false", "null"]
                    .iter()
                    .any(|l| word.eq_ignore_ascii_case(l));
                let pure = PURE_FUNCTIONS.iter().any(|f| word.eq_ignore_ascii_case(f));
                if !(literal || (called && pure)) {
                    return false;
                }
            }
            c if c.is_ascii_digit() => {
                // A number (`1`, `0x1F`, `1e3`): its letters are not words.
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    true
}

fn is_constant(e: &Expr) -> bool {
    match e {
        Expr::Str(_) | Expr::Num(_) | Expr::Bool(_) | Expr::Null => true,
        Expr::Path(_) => false,
        Expr::Call(name, args) => {
            PURE_FUNCTIONS.contains(&name.as_str()) && args.iter().all(is_constant)
        }
        Expr::Not(x) | Expr::Member(x, _) => is_constant(x),
        Expr::Index(a, b) | Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) => {
            is_constant(a) && is_constant(b)
        }
    }
}

/// The text GitHub substitutes for a constant expression, when it is simple enough to compute.
fn fold(e: &Expr) -> Option<String> {
    match e {
        Expr::Str(s) => Some(s.clone()),
        Expr::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{}", *n as i64)),
        Expr::Num(n) => Some(n.to_string()),
        Expr::Bool(b) => Some(b.to_string()),
        Expr::Null => Some(String::new()),
        Expr::Not(x) => {
            let t = eval(x, "").truthy();
            (t != Tri::Unknown).then(|| (t == Tri::False).to_string())
        }
        Expr::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), a, b) => {
            let t = eq(&eval(a, ""), &eval(b, ""));
            let t = if *op == CmpOp::Ne { t.not() } else { t };
            (t != Tri::Unknown).then(|| (t == Tri::True).to_string())
        }
        Expr::Call(name, args) if name == "format" => {
            let (first, rest) = args.split_first()?;
            let Expr::Str(template) = first else {
                return None;
            };
            let values = rest.iter().map(fold).collect::<Option<Vec<_>>>()?;
            format_template(template, &values)
        }
        _ => None,
    }
}

/// `format('{0} {1}', a, b)`, with `{{`/`}}` for literal braces.
fn format_template(template: &str, values: &[String]) -> Option<String> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut digits = String::new();
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                    digits.push(d);
                }
                out.push_str(values.get(digits.parse::<usize>().ok()?)?);
            }
            '}' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// Contexts naming who started a run, which an outsider can make equal to a bot's login (a bot
/// re-running or updating their pull request), unlike the author of the pull request.
const ACTOR_NAME_PATHS: &[&str] = &[
    "github.actor",
    "github.triggering_actor",
    "github.event.sender.login",
];
const ACTOR_ID_PATHS: &[&str] = &["github.actor_id", "github.event.sender.id"];
/// Account ids of well-known bots (dependabot[bot], renovate[bot], github-actions[bot]).
const BOT_IDS: &[&str] = &["49699333", "29139614", "41898282"];

/// One test in a condition that lets a run through because its actor is a bot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorCheck {
    /// The actor context, lower case as written (`github.actor`).
    pub path: String,
    /// The bot login or id it is compared with.
    pub login: String,
}

/// The actor-is-a-bot tests of a condition (the text inside `${{ }}` or a bare `if:`) that
/// grant: `github.actor == 'x[bot]'`, `contains(fromJSON('["x[bot]"]'), github.actor)`, and
/// `!=` under a negation. Exclusions (`github.actor != 'x[bot]'`) are not listed.
pub fn trusted_bot_actors(inner: &str) -> Vec<ActorCheck> {
    let mut out = Vec::new();
    if let Some(e) = parse(inner) {
        walk_actor_checks(&e, true, &mut out);
    }
    out
}

fn bot_literal(path: &str, lit: &str) -> bool {
    if ACTOR_NAME_PATHS.contains(&path) {
        lit.to_ascii_lowercase().ends_with("[bot]")
    } else {
        ACTOR_ID_PATHS.contains(&path) && BOT_IDS.contains(&lit.trim())
    }
}

fn walk_actor_checks(e: &Expr, positive: bool, out: &mut Vec<ActorCheck>) {
    match e {
        Expr::Not(x) => walk_actor_checks(x, !positive, out),
        Expr::And(a, b) | Expr::Or(a, b) => {
            walk_actor_checks(a, positive, out);
            walk_actor_checks(b, positive, out);
        }
        Expr::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), a, b) => {
            let grants = (*op == CmpOp::Eq) == positive;
            let pair = match (&**a, &**b) {
                (Expr::Path(p), Expr::Str(s)) | (Expr::Str(s), Expr::Path(p)) => {
                    Some((p, s.clone()))
                }
                (Expr::Path(p), Expr::Num(n)) | (Expr::Num(n), Expr::Path(p)) => {
                    Some((p, format!("{}", *n as i64)))
                }
                _ => None,
            };
            if let Some((p, lit)) = pair {
                if grants && bot_literal(&p.text, &lit) {
                    out.push(ActorCheck {
                        path: p.text.clone(),
                        login: lit,
                    });
                }
            }
        }
        Expr::Call(name, args) if name == "contains" => {
            if let [hay, Expr::Path(p)] = args.as_slice() {
                let items: Vec<String> = match hay {
                    Expr::Str(s) => s.split([' ', ',']).map(str::to_string).collect(),
                    Expr::Call(f, a) if f == "fromjson" => match a.as_slice() {
                        [Expr::Str(s)] => match from_json_list(s) {
                            Some(Val::List(items)) => items,
                            _ => vec![],
                        },
                        _ => vec![],
                    },
                    _ => vec![],
                };
                if positive {
                    if let Some(login) = items.into_iter().find(|i| bot_literal(&p.text, i)) {
                        out.push(ActorCheck {
                            path: p.text.clone(),
                            login,
                        });
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod flow_rule_tests {
    use super::*;

    #[test]
    fn actor_checks_that_grant() {
        let paths = |c: &str| -> Vec<String> {
            trusted_bot_actors(c).into_iter().map(|a| a.path).collect()
        };
        assert_eq!(
            paths("github.actor == 'dependabot[bot]'"),
            vec!["github.actor"]
        );
        assert_eq!(
            paths("'renovate[bot]' == github.triggering_actor || github.event_name == 'push'"),
            vec!["github.triggering_actor"]
        );
        assert_eq!(
            paths("!(github.event.sender.login != 'dependabot[bot]')"),
            vec!["github.event.sender.login"]
        );
        assert_eq!(
            paths("contains(fromJSON('[\"dependabot[bot]\", \"x\"]'), github.actor)"),
            vec!["github.actor"]
        );
        assert_eq!(
            paths("github.actor_id == 49699333"),
            vec!["github.actor_id"]
        );
        assert!(paths("github.actor != 'dependabot[bot]'").is_empty());
        assert!(paths("github.actor == 'octocat'").is_empty());
        assert!(paths("github.event.pull_request.user.login == 'dependabot[bot]'").is_empty());
    }

    #[test]
    fn block_scalar_newline_makes_a_string() {
        assert_eq!(condition_expression("${{ a }}"), Some(" a "));
        assert_eq!(condition_expression("${{ a }}\n"), None);
        assert_eq!(condition_expression("${{ a }} && ${{ b }}"), None);
        assert_eq!(condition_expression(" a == 'b'\n"), Some("a == 'b'"));
        assert!(can_run(
            Some("${{ github.event_name == 'push' }}\n"),
            "pull_request"
        ));
    }

    #[test]
    fn lexing_keeps_spans() {
        let t = "contains('a b', github.ref)";
        let toks = lex(t).unwrap();
        assert_eq!(toks[2], (Tok::Str("a b".into()), 9..14));
        assert_eq!(toks[4], (Tok::Ident("github.ref".into()), 16..26));
        assert_eq!(toks[5].1, 26..27);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(cond: &str, event: &str) -> bool {
        can_run(Some(cond), event)
    }

    #[test]
    fn event_name_checks() {
        let c = "github.event_name == 'push'";
        assert!(runs(c, "push"));
        assert!(!runs(c, "pull_request"));
        assert!(!runs(
            "${{ github.event_name != 'pull_request' }}",
            "pull_request"
        ));
        assert!(runs(
            "github.event_name != 'pull_request'",
            "pull_request_target"
        ));
        assert!(!runs(
            "github.event_name == 'release'",
            "pull_request_target"
        ));
        assert!(runs("GITHUB.EVENT_NAME == 'Push'", "push"));
    }

    #[test]
    fn ref_guards() {
        let main = "github.ref == 'refs/heads/main'";
        assert!(!runs(main, "pull_request"));
        assert!(runs(main, "push"));
        // pull_request_target and issue_comment run on the base branch: no protection.
        assert!(runs(main, "pull_request_target"));
        let tags = "startsWith(github.ref, 'refs/tags/')";
        assert!(!runs(tags, "pull_request"));
        assert!(!runs(tags, "pull_request_target"));
        assert!(!runs(tags, "issue_comment"));
        assert!(runs(tags, "push"));
        assert!(runs("startsWith(github.ref, 'refs/tags/v')", "release"));
        assert!(!runs("github.ref_type == 'tag'", "pull_request"));
        assert!(!runs(
            "failure() && github.ref_name == 'main'",
            "pull_request"
        ));
        assert!(runs("github.ref_name == 'main'", "pull_request_target"));
    }

    #[test]
    fn combinations() {
        let c = "github.repository == 'acme/tool' && github.event_name == 'push'";
        assert!(!runs(c, "pull_request"));
        assert!(runs("github.repository == 'acme/tool'", "pull_request"));
        let c = "(github.event_name == 'push' || github.event_name == 'release') && !cancelled()";
        assert!(!runs(c, "pull_request"));
        assert!(runs(c, "release"));
        assert!(runs(
            "github.event_name == 'push' || always()",
            "pull_request"
        ));
        assert!(!runs(
            "!(github.event_name == 'pull_request')",
            "pull_request"
        ));
        assert!(runs(
            "contains(github.event.head_commit.message, 'release')",
            "pull_request"
        ));
        assert!(!runs(
            "success() && github.event_name == 'schedule'",
            "pull_request"
        ));
    }

    #[test]
    fn bot_author_guard() {
        let cond = "github.event.pull_request.user.login == 'dependabot[bot]'";
        assert!(!runs(cond, "pull_request_target"));
        assert!(runs(
            "github.actor == 'dependabot[bot]'",
            "pull_request_target"
        ));
        assert!(runs(
            "github.event.pull_request.user.login != 'renovate[bot]'",
            "pull_request_target"
        ));
    }

    #[test]
    fn fork_and_association_guards() {
        let not_fork = "github.event.pull_request.head.repo.full_name == github.repository";
        assert!(!runs(not_fork, "pull_request"));
        assert!(!runs(not_fork, "pull_request_target"));
        assert!(runs(not_fork, "push"));
        assert!(!runs(
            "!github.event.pull_request.head.repo.fork",
            "pull_request"
        ));
        assert!(!runs(
            "github.event_name == 'push' || github.event.pull_request.head.repo.full_name == github.repository",
            "pull_request"
        ));
        assert!(!runs(
            "github.event.pull_request.merged == true",
            "pull_request_target"
        ));
        assert!(!runs("github.event.pull_request.merged", "pull_request"));
        assert!(!runs(
            "contains(fromJSON('[\"OWNER\", \"MEMBER\"]'), github.event.comment.author_association)",
            "issue_comment"
        ));
        assert!(!runs(
            "github.event.workflow_run.event == 'push'",
            "workflow_run"
        ));
        assert!(runs(
            "github.event.workflow_run.conclusion == 'success'",
            "workflow_run"
        ));
    }

    #[test]
    fn actor_and_authorization_gates() {
        let bot = "github.event.pull_request.user.login == 'release-bot'";
        assert!(!runs(bot, "pull_request_target"));
        assert!(runs(bot, "push"));
        assert!(!runs(
            "github.event.comment.user.login == 'maintainer'",
            "issue_comment"
        ));
        let gate = "needs.authorize.outputs.authorized == 'true'";
        assert!(!runs(gate, "pull_request_target"));
        assert!(!runs(gate, "issue_comment"));
        assert!(runs(gate, "push"));
        assert!(runs(
            "needs.build.outputs.changed == 'true'",
            "pull_request"
        ));
    }

    #[test]
    fn unreadable_conditions_can_run() {
        assert!(runs("github.event_name == ", "pull_request"));
        assert!(runs("${{ github.event_name }} == 'push'", "pull_request"));
        assert!(runs("inputs.publish", "pull_request"));
        assert!(runs("matrix.os == 'ubuntu'", "pull_request"));
        assert!(can_run(None, "pull_request"));
        assert!(runs(
            "github.event['pull_request'].merged != true",
            "pull_request_target"
        ));
        assert!(!runs("github['event_name'] == 'push'", "pull_request"));
    }

    #[test]
    fn literal_only_expressions() {
        for e in [
            "github.event.issue && 'issue' || 'unknown'",
            "github.event.pull_request.title == 'x'",
            "contains(github.event.issue.body, 'ok')",
            "startsWith(github.head_ref, 'dependabot/')",
            "!github.event.pull_request.draft",
            "format('{0}-{1}', 'a', 'b')",
            "github.event_name == 'push' && 'main' || format('pr-{0}', 'x')",
            "(github.event.comment.body != '') && 'yes' || 'no'",
        ] {
            assert!(yields_only_literals(e), "{e}");
        }
        for e in [
            "github.event.issue.title",
            "github.event.issue.title || 'none'",
            "'x' && github.head_ref",
            "format('{0}', github.head_ref)",
            "toJSON(github.event)",
            "github.event.issue && github.event.issue.title || 'x'",
            "fn(",
        ] {
            assert!(!yields_only_literals(e), "{e}");
        }
    }

    #[test]
    fn quoted_strings_and_numbers() {
        assert!(!runs("github.event_name == 'it''s'", "push"));
        assert!(runs("github.run_attempt > 1", "pull_request"));
        assert!(!runs("0", "pull_request"));
        assert!(!runs("false", "push"));
    }

    #[test]
    fn secrets_access_shapes() {
        use SecretsAccess::*;
        assert_eq!(secrets_access("toJSON(secrets)"), vec![WholeContext]);
        assert_eq!(secrets_access("secrets[matrix.name]"), vec![DynamicIndex]);
        assert_eq!(
            secrets_access("secrets[format('{0}_TOKEN', inputs.env)]"),
            vec![DynamicIndex]
        );
        assert!(secrets_access("secrets['NPM_TOKEN']").is_empty());
        assert!(secrets_access("secrets.NPM_TOKEN").is_empty());
        assert_eq!(
            secrets_access("fromJSON(secrets.CREDS).password"),
            vec![StructuredField {
                secret: "CREDS".into(),
                field: Some("password".into())
            }]
        );
        assert_eq!(
            secrets_access("fromJson(secrets.CREDS)['user']"),
            vec![StructuredField {
                secret: "CREDS".into(),
                field: Some("user".into())
            }]
        );
        assert!(secrets_access("fromJSON(secrets.CREDS)").is_empty());
        assert!(secrets_access("github.event.secrets").is_empty());
    }

    #[test]
    fn the_cheap_secrets_test_lets_every_shape_through() {
        for text in [
            "x: ${{ toJSON(secrets) }}",
            "x: ${{ toJson( secrets ) }}",
            "x: ${{ secrets[matrix.name] }}",
            "x: ${{ format('{0}', secrets) }}",
            "x: ${{ secrets }}",
            "x: ${{ fromJSON(secrets.CREDS).user }}",
        ] {
            assert!(may_access_secrets_unusually(text), "{text}");
            let inner = text
                .trim_start_matches("x: ${{")
                .trim_end_matches("}}")
                .trim();
            assert!(!secrets_access(inner).is_empty(), "{inner}");
        }
        assert!(!may_access_secrets_unusually(
            "env:\n  A: ${{ secrets.NPM_TOKEN }}\n  B: ${{ github.token }}\n"
        ));
    }

    #[test]
    fn constants_and_their_values() {
        assert_eq!(constant("'hello'"), Some(Some("hello".into())));
        assert_eq!(constant("1"), Some(Some("1".into())));
        assert_eq!(constant("false"), Some(Some("false".into())));
        assert_eq!(
            constant("format('{0}-{1}', 'a', 2)"),
            Some(Some("a-2".into()))
        );
        assert_eq!(constant("'a' == 'A'"), Some(Some("true".into())));
        assert_eq!(constant("'a' && 'b'"), Some(None));
        assert_eq!(constant("github.ref"), None);
        assert_eq!(constant("format('{0}', github.ref)"), None);
        assert_eq!(constant("hashFiles('x')"), None);
        assert_eq!(constant("always()"), None);
        assert_eq!(constant(""), None);
    }

    #[test]
    fn member_after_call_parses() {
        assert!(!runs(
            "fromJSON(needs.a.outputs.x).ok && github.event_name == 'push'",
            "pull_request"
        ));
        assert!(runs("fromJSON(needs.a.outputs.x).ok", "pull_request"));
    }
}
