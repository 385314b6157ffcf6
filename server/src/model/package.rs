//! package.json as the package rules see it: dependencies with spans, lifecycle scripts,
//! `publishConfig.provenance` and `workspaces`. Built from a tolerant parse, so a half-typed
//! manifest gives whatever parts are complete.

use crate::finding::Span;
use crate::syntax::json::{JsonDoc, Node, Value};

/// Which dependency section a dependency is declared in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepSection {
    Dependencies,
    DevDependencies,
    OptionalDependencies,
}

impl DepSection {
    pub const ALL: [DepSection; 3] = [
        DepSection::Dependencies,
        DepSection::DevDependencies,
        DepSection::OptionalDependencies,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DepSection::Dependencies => "dependencies",
            DepSection::DevDependencies => "devDependencies",
            DepSection::OptionalDependencies => "optionalDependencies",
        }
    }
}

/// One `"name": "version"` entry of a dependency section.
#[derive(Clone, Debug, PartialEq)]
pub struct Dependency {
    pub section: DepSection,
    pub name: String,
    /// The name, quotes included.
    pub name_span: Span,
    /// The version specifier, decoded.
    pub version: String,
    /// The specifier without its quotes: where a fix writes the new specifier.
    pub version_span: Span,
    /// The text under `version_span` is exactly `version` (no escapes), so it can be replaced
    /// without re-encoding.
    pub version_is_plain: bool,
}

/// A dependency section's key (`"dependencies"`) and how many entries it has.
#[derive(Clone, Debug, PartialEq)]
pub struct SectionKey {
    pub section: DepSection,
    pub key_span: Span,
    pub entries: usize,
}

/// A script from `scripts`.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    pub name: String,
    pub name_span: Span,
    pub command: String,
    pub command_span: Span,
}

impl Script {
    /// Runs on `npm install` of this package (or of a project depending on it).
    pub fn is_install_hook(&self) -> bool {
        matches!(
            self.name.as_str(),
            "preinstall" | "install" | "postinstall" | "prepare"
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PackageManifest {
    pub name: Option<String>,
    pub private: bool,
    pub dependencies: Vec<Dependency>,
    /// The dependency section keys present, in document order.
    pub sections: Vec<SectionKey>,
    /// `publishConfig.provenance` and the span of its value.
    pub publish_provenance: Option<(bool, Span)>,
    pub scripts: Vec<Script>,
    /// `workspaces` globs (array form or `{ "packages": [...] }`), with their spans.
    pub workspaces: Vec<(String, Span)>,
    /// The manifest declares `workspaces` at all (even an empty list).
    pub declares_workspaces: bool,
}

impl PackageManifest {
    pub fn from_json(doc: &JsonDoc, text: &str) -> PackageManifest {
        let mut m = PackageManifest::default();
        let Some(root) = doc.root.as_ref() else {
            return m;
        };
        m.name = root.get("name").and_then(Node::as_str).map(str::to_string);
        m.private = root.get("private").and_then(Node::as_bool).unwrap_or(false);
        for member in root.members() {
            let Some(section) = DepSection::ALL.into_iter().find(|s| s.key() == member.key) else {
                continue;
            };
            let Some(value) = &member.value else { continue };
            let before = m.dependencies.len();
            for dep in value.members() {
                let Some(v) = &dep.value else { continue };
                let Value::String(version) = &v.value else {
                    continue;
                };
                let version_span = v.content_span();
                m.dependencies.push(Dependency {
                    section,
                    name: dep.key.clone(),
                    name_span: dep.key_span.clone(),
                    version_is_plain: text.get(version_span.clone()) == Some(version.as_str()),
                    version: version.clone(),
                    version_span,
                });
            }
            m.sections.push(SectionKey {
                section,
                key_span: member.key_span.clone(),
                entries: m.dependencies.len() - before,
            });
        }
        if let Some(p) = root.get("publishConfig").and_then(|c| c.get("provenance")) {
            let on = match &p.value {
                Value::Bool(b) => Some(*b),
                Value::String(s) => Some(s == "true"),
                _ => None,
            };
            if let Some(on) = on {
                m.publish_provenance = Some((on, p.span.clone()));
            }
        }
        if let Some(scripts) = root.get("scripts") {
            for s in scripts.members() {
                let Some(v) = &s.value else { continue };
                let Some(command) = v.as_str() else { continue };
                m.scripts.push(Script {
                    name: s.key.clone(),
                    name_span: s.key_span.clone(),
                    command: command.to_string(),
                    command_span: v.content_span(),
                });
            }
        }
        if let Some(ws) = root.get("workspaces") {
            m.declares_workspaces = true;
            let list = match &ws.value {
                Value::Array(_) => Some(ws),
                Value::Object(_) => ws.get("packages"),
                _ => None,
            };
            for g in list.map(Node::elements).unwrap_or_default() {
                if let Some(s) = g.as_str() {
                    m.workspaces.push((s.to_string(), g.content_span()));
                }
            }
        }
        m
    }

    /// Whether any section declares at least one dependency.
    pub fn has_dependencies(&self) -> bool {
        !self.dependencies.is_empty()
    }

    pub fn script(&self, name: &str) -> Option<&Script> {
        self.scripts.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::json;

    fn manifest(text: &str) -> PackageManifest {
        PackageManifest::from_json(&json::parse(text), text)
    }

    #[test]
    fn reads_every_part() {
        let text = r#"{
  "name": "demo",
  "private": true,
  "scripts": { "postinstall": "node setup.js", "test": "jest" },
  "dependencies": { "zod": "^3.23.0" },
  "devDependencies": { "jest": "29.7.0", "x": 5 },
  "optionalDependencies": {},
  "publishConfig": { "provenance": true },
  "workspaces": { "packages": ["packages/*"] }
}"#;
        let m = manifest(text);
        assert_eq!(m.name.as_deref(), Some("demo"));
        assert!(m.private);
        assert_eq!(m.dependencies.len(), 2);
        let zod = &m.dependencies[0];
        assert_eq!(zod.section, DepSection::Dependencies);
        assert_eq!(&text[zod.version_span.clone()], "^3.23.0");
        assert_eq!(&text[zod.name_span.clone()], "\"zod\"");
        assert!(zod.version_is_plain);
        assert_eq!(m.sections.len(), 3);
        assert_eq!(m.sections[2].entries, 0);
        assert_eq!(m.publish_provenance.as_ref().map(|p| p.0), Some(true));
        assert!(m.script("postinstall").unwrap().is_install_hook());
        assert!(!m.script("test").unwrap().is_install_hook());
        assert_eq!(m.workspaces[0].0, "packages/*");
        assert!(m.declares_workspaces);
    }

    #[test]
    fn half_typed_manifest_gives_partial_results() {
        let m = manifest("{\"dependencies\": {\"a\": \"1.0.0\", \"b\": \"^2");
        assert_eq!(m.dependencies.len(), 1);
        let m = manifest("{\"workspaces\": [\"a\", ");
        assert_eq!(m.workspaces.len(), 1);
        let m = manifest("[1, 2]");
        assert!(m.dependencies.is_empty());
    }
}
