//! The shell splitter and the Dockerfile parser never panic and only produce spans that are
//! inside the input and on character boundaries, whatever they are given.

use chainwarden::syntax::{dockerfile, shell};
use proptest::prelude::*;

fn check_span(text: &str, span: &std::ops::Range<usize>) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{span:?} outside {}",
        text.len()
    );
    assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
}

/// Strings made of the characters the parsers treat specially, plus some non-ASCII.
const ALPHABET: &str = "[a-zA-Z0-9 \\t\\n\\\\'\"$(){}`|&;<>#=:/.*@é€-]{0,120}";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn shell_split_is_total(text in ALPHABET) {
        for opts in [shell::Options::default(), shell::Options { drop_comment_lines_in_continuations: true }] {
            let s = shell::parse_with(&text, opts);
            for c in &s.commands {
                check_span(&text, &c.span);
                for w in &c.words {
                    check_span(&text, &w.span);
                    for v in &w.vars {
                        check_span(&text, &v.span);
                    }
                }
                for h in &c.heredocs {
                    check_span(&text, &h.body);
                }
                if let Some(p) = c.piped_to {
                    prop_assert_eq!(s.commands[p].piped_from, Some(s.commands.iter().position(|x| std::ptr::eq(x, c)).unwrap()));
                }
            }
        }
    }

    #[test]
    fn dockerfile_parse_is_total(text in ALPHABET, keyword in "(RUN|FROM|ENV|ARG|COPY|ADD|LABEL|run|# escape=`\n)") {
        let text = format!("{keyword} {text}");
        let d = dockerfile::parse(&text);
        for ins in &d.instructions {
            check_span(&text, &ins.span);
            check_span(&text, &ins.args);
            for w in d.words(&text, ins.args.clone()) {
                check_span(&text, &w.span);
            }
            for kv in d.key_values(&text, ins) {
                check_span(&text, &kv.key_span);
            }
            for s in d.scripts(&text, ins) {
                check_span(&text, &s);
            }
            let _ = d.copy_parts(&text, ins);
            let _ = d.from_parts(&text, ins);
        }
    }
}
