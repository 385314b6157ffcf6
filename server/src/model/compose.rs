//! A typed view over a compose file: services with their image, build section, environment,
//! build args and secrets, each with spans.

use crate::syntax::yaml::{Scalar, YNode, YamlDoc};
use std::ops::Range;

pub type Span = Range<usize>;

/// One `KEY: value` (map form) or `- KEY=value` (list form) entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvEntry {
    pub key: String,
    pub key_span: Span,
    /// `None` for `- KEY` / `KEY:` without a value (taken from the host environment).
    pub value: Option<String>,
    pub value_span: Option<Span>,
    /// The whole entry.
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Build {
    pub span: Span,
    /// `build: ./dir` or `build: { context: … }`.
    pub context: Option<Scalar>,
    pub dockerfile: Option<Scalar>,
    pub args: Vec<EnvEntry>,
    /// Names listed under `build: secrets:`.
    pub secrets: Vec<Scalar>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub name_span: Span,
    pub image: Option<Scalar>,
    pub build: Option<Build>,
    pub environment: Vec<EnvEntry>,
    /// `env_file:` entries.
    pub env_files: Vec<Scalar>,
    /// Names listed under the service's `secrets:`.
    pub secrets: Vec<Scalar>,
}

#[derive(Clone, Debug, Default)]
pub struct Compose {
    pub services: Vec<Service>,
}

impl Compose {
    pub fn build(doc: &YamlDoc) -> Compose {
        let Some(root) = &doc.root else {
            return Compose::default();
        };
        let Some(services) = root
            .get("services")
            .map(|n| doc.resolve(n))
            .and_then(YNode::as_map)
        else {
            return Compose::default();
        };
        let services = services
            .iter()
            .map(|pair| {
                let node = pair.value.as_ref().map(|n| doc.resolve(n));
                let get = |k: &str| node.and_then(|n| n.get(k)).map(|n| doc.resolve(n));
                Service {
                    name: pair.key.clone(),
                    name_span: pair.key_span.clone(),
                    image: get("image").and_then(YNode::as_scalar).cloned(),
                    build: get("build").map(|b| build_section(doc, b)),
                    environment: get("environment")
                        .map(|e| env_entries(doc, e))
                        .unwrap_or_default(),
                    env_files: get("env_file").map(|e| scalars(doc, e)).unwrap_or_default(),
                    secrets: get("secrets")
                        .map(|e| secret_names(doc, e))
                        .unwrap_or_default(),
                }
            })
            .collect();
        Compose { services }
    }
}

fn build_section(doc: &YamlDoc, node: &YNode) -> Build {
    if let Some(s) = node.as_scalar() {
        return Build {
            span: node.span.clone(),
            context: Some(s.clone()),
            ..Build::default()
        };
    }
    let get = |k: &str| node.get(k).map(|n| doc.resolve(n));
    Build {
        span: node.span.clone(),
        context: get("context").and_then(YNode::as_scalar).cloned(),
        dockerfile: get("dockerfile").and_then(YNode::as_scalar).cloned(),
        args: get("args").map(|a| env_entries(doc, a)).unwrap_or_default(),
        secrets: get("secrets")
            .map(|s| secret_names(doc, s))
            .unwrap_or_default(),
    }
}

/// A scalar or a list of scalars.
fn scalars(doc: &YamlDoc, node: &YNode) -> Vec<Scalar> {
    match node.as_seq() {
        Some(items) => items
            .iter()
            .filter_map(|n| doc.resolve(n).as_scalar().cloned())
            .collect(),
        None => node.as_scalar().cloned().into_iter().collect(),
    }
}

/// `secrets: [a, {source: b}]`.
fn secret_names(doc: &YamlDoc, node: &YNode) -> Vec<Scalar> {
    let Some(items) = node.as_seq() else {
        return vec![];
    };
    items
        .iter()
        .filter_map(|n| {
            let n = doc.resolve(n);
            n.as_scalar()
                .or_else(|| n.get("source").and_then(YNode::as_scalar))
                .cloned()
        })
        .collect()
}

/// Map form (`KEY: value`) or list form (`- KEY=value`).
pub fn env_entries(doc: &YamlDoc, node: &YNode) -> Vec<EnvEntry> {
    if let Some(pairs) = node.as_map() {
        return pairs
            .iter()
            .map(|p| {
                let v = p.value.as_ref().map(|n| doc.resolve(n));
                let scalar = v.and_then(YNode::as_scalar);
                EnvEntry {
                    key: p.key.clone(),
                    key_span: p.key_span.clone(),
                    value: scalar.map(|s| s.text.clone()),
                    value_span: scalar.map(|s| s.span.clone()),
                    span: p.span.clone(),
                }
            })
            .collect();
    }
    let Some(items) = node.as_seq() else {
        return vec![];
    };
    items
        .iter()
        .filter_map(|n| {
            let s = doc.resolve(n).as_scalar()?;
            let (key, value) = match s.text.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (s.text.clone(), None),
            };
            // Spans inside the scalar are exact only when the text appears verbatim.
            let verbatim = s.content.len() == s.text.len();
            let key_span = if verbatim {
                s.content.start..s.content.start + key.len()
            } else {
                s.span.clone()
            };
            let value_span = value.as_ref().map(|_| {
                if verbatim {
                    s.content.start + key.len() + 1..s.content.end
                } else {
                    s.span.clone()
                }
            });
            Some(EnvEntry {
                key,
                key_span,
                value,
                value_span,
                span: s.span.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::yaml::parse_doc;

    #[test]
    fn services_images_env_and_build() {
        let t = "services:\n  web:\n    build:\n      context: .\n      args:\n        - NPM_TOKEN=abc\n      secrets: [npm]\n    environment:\n      - A=1\n      - \"B=two\"\n      - C\n  db:\n    image: \"postgres:16\"\n    environment:\n      POSTGRES_PASSWORD: example\n    env_file: .env\n    secrets:\n      - source: dbpass\n";
        let doc = parse_doc(t);
        let c = Compose::build(&doc);
        assert_eq!(c.services.len(), 2);
        let web = &c.services[0];
        assert!(web.image.is_none());
        let b = web.build.as_ref().unwrap();
        assert_eq!(b.context.as_ref().unwrap().text, ".");
        assert_eq!(b.args[0].key, "NPM_TOKEN");
        assert_eq!(&t[b.args[0].value_span.clone().unwrap()], "abc");
        assert_eq!(b.secrets[0].text, "npm");
        assert_eq!(web.environment.len(), 3);
        assert_eq!(&t[web.environment[1].key_span.clone()], "B");
        assert_eq!(web.environment[2].value, None);
        let db = &c.services[1];
        assert_eq!(db.image.as_ref().unwrap().text, "postgres:16");
        assert_eq!(db.environment[0].key, "POSTGRES_PASSWORD");
        assert_eq!(db.environment[0].value.as_deref(), Some("example"));
        assert_eq!(db.env_files[0].text, ".env");
        assert_eq!(db.secrets[0].text, "dbpass");
    }

    #[test]
    fn broken_or_empty_documents() {
        for t in [
            "",
            "services:",
            "services: [1, 2]",
            "services:\n  a:\n    image: [",
            "x: 1",
        ] {
            let _ = Compose::build(&parse_doc(t));
        }
    }
}
