//! Embeds every `rules/<id>.md` into the binary as a table of rule docs.
//! Front matter (between `---` lines) gives id, severity, title and kinds.

use std::{env, fmt::Write, fs, path::Path};

fn main() {
    // Read at run time: a build script compiled in another checkout (a copied `target/`) must
    // still embed this checkout's docs.
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let rules_dir = Path::new(&manifest_dir).join("../rules");
    println!("cargo:rerun-if-changed={}", rules_dir.display());
    let mut entries: Vec<_> = fs::read_dir(&rules_dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    entries.sort();

    let mut out = String::from("pub static RULE_DOCS: &[RuleDoc] = &[\n");
    for path in entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let rest = text
            .strip_prefix("---\n")
            .unwrap_or_else(|| panic!("{}: missing front matter", path.display()));
        let (front, body) = rest
            .split_once("\n---\n")
            .unwrap_or_else(|| panic!("{}: unterminated front matter", path.display()));
        let field = |name: &str| -> String {
            front
                .lines()
                .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
                .map(|v| v.trim().to_string())
                .unwrap_or_else(|| panic!("{}: front matter lacks `{name}`", path.display()))
        };
        let id = field("id");
        // Optional: `pedantic: true` puts the rule in the opt-in pedantic tier (SPEC §7.4).
        let pedantic = front
            .lines()
            .find_map(|l| l.strip_prefix("pedantic:"))
            .is_some_and(|v| v.trim() == "true");
        assert_eq!(id, stem, "{}: id must match the file name", path.display());
        let severity = match field("severity").as_str() {
            "critical" => "Critical",
            "high" => "High",
            "medium" => "Medium",
            "low" => "Low",
            other => panic!("{}: unknown severity {other}", path.display()),
        };
        let kinds: Vec<String> = field("kinds")
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect();
        let mut kinds_rs = String::new();
        for k in &kinds {
            let variant = match k.as_str() {
                "workflow" => "Workflow",
                "action" => "Action",
                "dockerfile" => "Dockerfile",
                "compose" => "Compose",
                "package" => "Package",
                "source" => "Source",
                "dependabot" => "Dependabot",
                other => panic!("{}: unknown kind {other}", path.display()),
            };
            write!(kinds_rs, "FileKind::{variant},").unwrap();
        }
        writeln!(
            out,
            "    RuleDoc {{ id: {id:?}, severity: Severity::{severity}, title: {title:?}, kinds: &[{kinds_rs}], pedantic: {pedantic}, body: {body:?} }},",
            title = field("title"),
            body = body.trim(),
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("rule_docs.rs");
    fs::write(dest, out).unwrap();
}
