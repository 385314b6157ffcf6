//! `hardcoded-credential`: values in a known credential format, in every file kind.
//!
//! Each format's regex scans the text on its own (its literal prefix makes that a fast memchr
//! or memmem scan, several times quicker than one `RegexSet` pass over all of them), and each
//! hit is checked against placeholder shapes. Source files only count hits inside string and template literals.

use crate::engine::Ctx;
use crate::finding::{Finding, Span};
use crate::kind::FileKind;
use crate::syntax::Syntax;
use regex::Regex;
use std::sync::LazyLock;

/// A credential format.
struct Format {
    /// What it is, for the message.
    name: &'static str,
    /// The token; matches must also pass [`looks_real`].
    pattern: &'static str,
    /// How many leading characters of a match are a fixed prefix, safe to show (`ghp_`).
    shown: usize,
    /// Length of the random part checked for placeholder shapes, counted from `shown`.
    min_tail: usize,
}

const FORMATS: &[Format] = &[
    Format {
        name: "AWS access key id",
        pattern: r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b",
        shown: 4,
        min_tail: 16,
    },
    Format {
        name: "GitHub personal access token",
        pattern: r"\bghp_[A-Za-z0-9]{36}\b",
        shown: 4,
        min_tail: 36,
    },
    Format {
        name: "GitHub OAuth token",
        pattern: r"\bgho_[A-Za-z0-9]{36}\b",
        shown: 4,
        min_tail: 36,
    },
    Format {
        name: "GitHub user-to-server token",
        pattern: r"\bghu_[A-Za-z0-9]{36}\b",
        shown: 4,
        min_tail: 36,
    },
    Format {
        name: "GitHub server-to-server token",
        pattern: r"\bghs_[A-Za-z0-9]{36}\b",
        shown: 4,
        min_tail: 36,
    },
    Format {
        name: "GitHub refresh token",
        pattern: r"\bghr_[A-Za-z0-9]{36,76}\b",
        shown: 4,
        min_tail: 36,
    },
    Format {
        name: "GitHub fine-grained personal access token",
        pattern: r"\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b",
        shown: 11,
        min_tail: 82,
    },
    Format {
        name: "GitLab personal access token",
        pattern: r"\bglpat-[A-Za-z0-9_\-]{20,}",
        shown: 6,
        min_tail: 20,
    },
    Format {
        name: "Anthropic API key",
        pattern: r"\bsk-ant-[a-z]+[0-9]{2}-[A-Za-z0-9_\-]{80,}",
        shown: 7,
        min_tail: 80,
    },
    Format {
        name: "OpenAI project API key",
        pattern: r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}",
        shown: 3,
        min_tail: 40,
    },
    Format {
        name: "OpenAI API key",
        pattern: r"\bsk-[A-Za-z0-9]{48}\b",
        shown: 3,
        min_tail: 48,
    },
    Format {
        name: "Stripe live secret key",
        pattern: r"\bsk_live_[A-Za-z0-9]{24,}\b",
        shown: 8,
        min_tail: 24,
    },
    Format {
        name: "Stripe live restricted key",
        pattern: r"\brk_live_[A-Za-z0-9]{24,}\b",
        shown: 8,
        min_tail: 24,
    },
    Format {
        name: "Slack token",
        pattern: r"\bxox[abprs]-[0-9]{1,16}-[A-Za-z0-9\-]{20,}",
        shown: 5,
        min_tail: 20,
    },
    Format {
        name: "npm access token",
        pattern: r"\bnpm_[A-Za-z0-9]{36}\b",
        shown: 4,
        min_tail: 36,
    },
    Format {
        name: "PyPI API token",
        pattern: r"\bpypi-AgE[A-Za-z0-9_\-]{50,}",
        shown: 5,
        min_tail: 50,
    },
    Format {
        name: "Docker Hub personal access token",
        pattern: r"\bdckr_pat_[A-Za-z0-9_\-]{27,}",
        shown: 9,
        min_tail: 27,
    },
    Format {
        name: "Google API key",
        pattern: r"\bAIza[0-9A-Za-z_\-]{35}",
        shown: 4,
        min_tail: 35,
    },
    Format {
        name: "Vault service token",
        pattern: r"\bhvs\.[A-Za-z0-9_\-]{80,}",
        shown: 4,
        min_tail: 80,
    },
    Format {
        name: "Vault batch token",
        pattern: r"\bhvb\.[A-Za-z0-9_\-]{80,}",
        shown: 4,
        min_tail: 80,
    },
    Format {
        name: "Private key",
        pattern: r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
        shown: 0,
        min_tail: 0,
    },
];

/// One compiled regex per format, in the order of [`FORMATS`].
static COMPILED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    FORMATS
        .iter()
        .map(|f| Regex::new(f.pattern).expect("credential pattern compiles"))
        .collect()
});

/// Words that mark a documented example or a placeholder, never a live key.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "sample",
    "placeholder",
    "changeme",
    "dummy",
    "fake",
    "redacted",
    "your",
    "xxxx",
    "****",
    "0123456789",
    "123456789",
    "abcdefghij",
];

/// A hit whose random part has the variety of a generated secret.
fn looks_real(tail: &str, min_tail: usize) -> bool {
    let lower = tail.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return false;
    }
    let checked: Vec<u8> = tail
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .take(min_tail.max(16))
        .collect();
    let mut distinct = checked.clone();
    distinct.sort_unstable();
    distinct.dedup();
    // Generated tokens use most of their alphabet; `ghp_aaaa…` or `AKIAAAAA…` do not.
    if distinct.len() < (checked.len() / 3).clamp(5, 12) {
        return false;
    }
    // A long generated tail mixes letters and digits; an identifier such as
    // `hvs.configuration_for_the_service_layer` does not.
    let alnum = || tail.bytes().filter(u8::is_ascii_alphanumeric);
    if alnum().count() >= 27
        && !(alnum().any(|b| b.is_ascii_digit()) && alnum().any(|b| b.is_ascii_alphabetic()))
    {
        return false;
    }
    // Six or more of the same character in a row.
    let longest_run = checked
        .chunk_by(|a, b| a == b)
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    longest_run < 6
}

/// A private key header directly followed by key material (not a PEM parser's constant):
/// after blank lines, string punctuation and `Proc-Type:`-style headers, the next line starts
/// with a long base64 run.
fn has_key_material(after: &str) -> bool {
    let end = (0..=after.len().min(600))
        .rev()
        .find(|i| after.is_char_boundary(*i))
        .unwrap_or(0);
    let window = after[..end].replace("\\n", "\n").replace("\\r", "");
    let punctuation = |c: char| c.is_whitespace() || "\"'`+,;|>".contains(c);
    for line in window.lines().take(8) {
        let line = line.trim_matches(punctuation);
        if line.is_empty() || line.contains(": ") {
            continue;
        }
        let run = line
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
            .next()
            .unwrap_or("");
        return run.len() >= 40 && looks_real(run, 40);
    }
    false
}

/// Files that by name hold examples, not configuration (`.env.example`, `compose.sample.yml`).
fn is_example_file(ctx: &Ctx) -> bool {
    let name = ctx
        .doc
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    ["example", "sample", "template"]
        .iter()
        .any(|w| name.contains(w))
}

/// Whether `at` sits in a fixture's `# expect:` / `// expect:` marker.
fn in_expect_marker(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    before.contains("# expect:") || before.contains("// expect:")
}

/// Whether the byte range lies inside a string or template literal of a JS/TS tree.
fn in_js_string(tree: &tree_sitter::Tree, span: &Span) -> bool {
    let Some(mut node) = tree
        .root_node()
        .descendant_for_byte_range(span.start, span.end)
    else {
        return false;
    };
    loop {
        if matches!(
            node.kind(),
            "string" | "template_string" | "string_fragment"
        ) {
            return true;
        }
        match node.parent() {
            Some(p) => node = p,
            None => return false,
        }
    }
}

/// One credential hit: its span, format and the prefix safe to show.
pub struct Hit {
    pub span: Span,
    pub format: &'static str,
    pub shown_prefix: String,
}

/// Every credential-shaped value in `text` that is not a placeholder.
pub fn find(text: &str) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (format, regex) in FORMATS.iter().zip(COMPILED.iter()) {
        for m in regex.find_iter(text) {
            let token = m.as_str();
            let real = if format.shown == 0 {
                has_key_material(&text[m.end()..])
            } else {
                looks_real(&token[format.shown..], format.min_tail)
            };
            if !real {
                continue;
            }
            let shown_prefix = if format.shown == 0 {
                private_key_kind(token)
            } else {
                format!("{}…", &token[..format.shown])
            };
            hits.push(Hit {
                span: m.range(),
                format: format.name,
                shown_prefix,
            });
        }
    }
    // A more specific format wins over a looser one matching the same text.
    hits.sort_by_key(|h| (h.span.start, std::cmp::Reverse(h.span.end)));
    hits.dedup_by(|later, earlier| later.span.start < earlier.span.end);
    hits
}

/// `RSA private key` from `-----BEGIN RSA PRIVATE KEY-----`.
fn private_key_kind(header: &str) -> String {
    let inner = header
        .trim_matches('-')
        .trim_start_matches("BEGIN ")
        .trim_end_matches(" BLOCK");
    inner.to_string()
}

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if is_example_file(ctx) {
        return;
    }
    let text = ctx.doc.text;
    for hit in find(text) {
        if in_expect_marker(text, hit.span.start) {
            continue;
        }
        if ctx.doc.kind == FileKind::Source {
            let Syntax::Js(tree) = ctx.syntax else {
                continue;
            };
            if !in_js_string(tree, &hit.span) {
                continue;
            }
        }
        let message = if hit.shown_prefix.contains("PRIVATE KEY") {
            format!("{} block hard-coded", hit.shown_prefix)
        } else {
            format!("{} ({}) hard-coded", hit.format, hit.shown_prefix)
        };
        out.push(
            Finding::new("hardcoded-credential", hit.span, message).note(
                "Treat it as leaked: revoke or rotate it now, then load it at run time \
             (a secret store, `${{ secrets.* }}`, a BuildKit secret mount, or the environment).",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::engine::{analyze_text, Document};
    use crate::workspace::Facts;
    use std::path::Path;

    // Made-up values in the real formats (random tails, never issued).
    const GHP: &str = "ghp_R7kq2VbX9mWzT4nLpY8sD3fH6jC1aE5uG0oI";
    const AWS: &str = "AKIAZ4QX7RM2JTB5WK3N";
    const NPM: &str = "npm_Xq4bT9vR2kLm7WzP5nYc8sJd3Hf6Ga1Ue0Bo";
    const OPENAI: &str = "sk-proj-Vb8Nq3Lx7Tz2Rk5Wm9Pc4Hd6Jf1Gs0Ay-Ue3Bo7Xi_Qn2Mt8Kr";

    fn run(kind: FileKind, name: &str, text: &str) -> Vec<Finding> {
        let doc = Document {
            path: Path::new(name),
            kind,
            text,
        };
        analyze_text(&doc, &Facts::default(), &Config::default())
            .into_iter()
            .filter(|f| f.rule == "hardcoded-credential")
            .collect()
    }

    #[test]
    fn finds_each_format() {
        let samples = [
            GHP,
            AWS,
            NPM,
            OPENAI,
            "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",
            "glpat-Hx7Lq2Vn9Tb4Kz8Wr3Pm",
            "sk-ant-api03-Zq8Lm3Xv7Tn2Rb9Wk4Pc6Hd1Jf5Gs0Ay8Ue3Bo7Xi2Qn6Mt4Kr9Lz5Vh1Np8Tc3Wg7Jb2Fd6Hs0Ky4Rm9Qx5Lv1Az",
            "sk_live_51Hq8Lm3Xv7Tn2Rb9Wk4Pc6Hd",
            "xoxb-2849173650-4729183746502-Zq8Lm3Xv7Tn2Rb9Wk4Pc6Hd",
            "pypi-AgEIcHlwaS5vcmcCJGRkNzQ3Y2Q4LTk1ZTYtNGQ5Mi1hN2ZkLWI4YzNhZTE2ZjA5OQ",
            "dckr_pat_Zq8Lm3Xv7Tn2Rb9Wk4Pc6Hd1Jf5",
            "AIzaSyB7q2Vx9mWzT4nLpY8sD3fH6jC1aE5uG0o",
            "hvs.CAESIJq8Lm3Xv7Tn2Rb9Wk4Pc6Hd1Jf5Gs0Ay8Ue3Bo7Xi2Qn6Mt4Kr9Lz5Vh1Np8Tc3Wg7Jb2Fd6Hs0Ky4Rm9Qx5Lv1",
            "sk-Zq8Lm3Xv7Tn2Rb9Wk4Pc6Hd1Jf5Gs0Ay8Ue3Bo7Xi2Qn6Mt4",
        ];
        for s in samples {
            let hits = find(&format!("KEY={s}\n"));
            assert_eq!(hits.len(), 1, "{s}");
            assert_eq!(hits[0].span, 4..4 + s.len(), "{s}");
        }
        let pem = "key: |\n  -----BEGIN RSA PRIVATE KEY-----\n  MIIEpAIBAAKCAQEA7Zq8Lm3Xv7Tn2Rb9Wk4Pc6Hd1Jf5Gs0Ay8Ue3Bo7Xi2Qn6Mt4K\n";
        let hits = find(pem);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].shown_prefix, "RSA PRIVATE KEY");
    }

    #[test]
    fn placeholders_and_words_never_match() {
        let quiet = [
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "ghp_000000000000000000000000000000000000",
            "ghp_your_token_here",
            "sk-your-api-key-here",
            "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "npm_${NPM_TOKEN}",
            "npm_install_dependencies_for_the_project",
            "task-runner sk-learn scikit-learn",
            "${{ secrets.NPM_TOKEN }}",
            "<your-github-token>",
            "changeme",
            "sk_live_****************************",
            "sk_test_51Hq8Lm3Xv7Tn2Rb9Wk4Pc6Hd",
            "const PEM_HEADER = \"-----BEGIN PRIVATE KEY-----\";",
            "AIzaSyDUMMYKEYabcdefghijklmnopqrstuvw",
            "ghp_1234567890abcdefghijklmnopqrstuvwxyz",
            "xoxb-your-bot-token",
            "hvs.example",
            "hvs.configuration_for_the_service_layer_and_its_many_dependencies_in_production_mode",
            "dckr_pat_configuration_of_the_registry_client",
        ];
        for q in quiet {
            assert!(find(q).is_empty(), "{q}");
        }
    }

    #[test]
    fn never_shows_the_secret() {
        let text = format!(
            "FROM node:20\nENV GH={GHP}\nARG AWS_KEY={AWS}\nRUN echo {NPM} > .npmrc\nLABEL k=\"{OPENAI}\"\n"
        );
        let findings = run(FileKind::Dockerfile, "Dockerfile", &text);
        assert_eq!(findings.len(), 4);
        for f in &findings {
            let secret = &text[f.span.clone()];
            assert!(secret.len() >= 20);
            let mut shown = vec![f.message.clone()];
            shown.extend(f.note.clone());
            shown.extend(f.fixes.iter().map(|x| x.title.clone()));
            shown.extend(f.related.iter().map(|r| r.message.clone()));
            for s in shown {
                assert!(!s.contains(secret), "{s}");
                // Not even the random part.
                assert!(!s.contains(&secret[secret.len() - 10..]), "{s}");
            }
        }
        assert_eq!(
            findings[0].message,
            "GitHub personal access token (ghp_…) hard-coded"
        );
    }

    #[test]
    fn source_counts_only_string_literals() {
        let text = format!(
            "const a = \"{GHP}\";\nconst b = `token ${{x}} {NPM}`;\n// {AWS}\nconst {AWS} = 1;\n"
        );
        let findings = run(FileKind::Source, "src/a.ts", &text);
        assert_eq!(findings.len(), 2, "{findings:?}");
    }

    #[test]
    fn example_files_are_skipped() {
        let text = format!("services:\n  app:\n    environment:\n      - TOKEN={GHP}\n");
        assert!(run(FileKind::Compose, "docker-compose.example.yml", &text).is_empty());
        assert_eq!(run(FileKind::Compose, "docker-compose.yml", &text).len(), 1);
    }
}
