//! dockerfile-copies-secrets: COPY/ADD of files that normally hold credentials.

use super::glob_matches;
use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::dockerfile::DockerModel;

pub const ID: &str = "dockerfile-copies-secrets";

pub fn check(ctx: &Ctx, m: &DockerModel, out: &mut Vec<Finding>) {
    for ins in &m.file.instructions {
        if !(ins.is("COPY") || ins.is("ADD")) {
            continue;
        }
        let (sources, dest) = m.file.copy_parts(ctx.doc.text, ins);
        let dest = dest
            .map(|d| d.value.to_ascii_lowercase())
            .unwrap_or_default();
        for src in sources {
            let Some(what) = secret_file_kind(&src.value, &dest) else {
                continue;
            };
            out.push(Finding::new(
                ID,
                src.span.clone(),
                format!(
                    "{} copies {} ({what}) into the image",
                    ins.keyword, src.value
                ),
            ));
        }
    }
}

/// What kind of secret file a COPY source names, if any. `dest` (lower-cased) tells public
/// key material for package managers apart from private keys.
pub fn secret_file_kind(source: &str, dest: &str) -> Option<&'static str> {
    if source.contains("://") || source.starts_with("git@") || source.contains("${{") {
        return None;
    }
    let path = source.trim_end_matches('/');
    let components: Vec<&str> = path.split('/').collect();
    if components.contains(&".aws") {
        return Some("AWS credentials");
    }
    if path.ends_with(".docker/config.json") {
        return Some("registry credentials");
    }
    let base = *components.last()?;
    let has_glob = base.contains(['*', '?', '[']);
    if has_glob {
        return glob_kind(base, dest);
    }
    name_kind(base, dest)
}

fn name_kind(base: &str, dest: &str) -> Option<&'static str> {
    let lower = base.to_ascii_lowercase();
    const TEMPLATE_SUFFIXES: &[&str] = &[
        ".example",
        ".sample",
        ".template",
        ".dist",
        ".defaults",
        ".default",
        ".tpl",
        ".schema",
        ".tmpl",
    ];
    if lower == ".env"
        || (lower.starts_with(".env.")
            && !TEMPLATE_SUFFIXES
                .iter()
                .any(|s| lower.ends_with(s) || lower.contains(&format!("{s}."))))
    {
        return Some("environment file");
    }
    match lower.as_str() {
        ".npmrc" => return Some("npm registry token"),
        ".pypirc" => return Some("PyPI credentials"),
        ".git-credentials" => return Some("git credentials"),
        ".netrc" => return Some("login credentials"),
        _ => {}
    }
    let ssh_key = ["id_rsa", "id_ed25519", "id_ecdsa", "id_dsa"]
        .iter()
        .any(|k| lower.starts_with(k));
    if ssh_key && !lower.ends_with(".pub") {
        return Some("SSH private key");
    }
    if lower.starts_with("credentials") && lower.ends_with(".json") {
        return Some("credentials file");
    }
    let public_looking = [
        "pub", "cert", "crt", "chain", "bundle", "ca.", "ca-", "-ca", "_ca", "root", "trust",
        "gpg", "keyring", "signing", "repo",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let to_keyring = [
        "apt",
        "keyring",
        "rpm-gpg",
        "trusted.gpg",
        "ca-certificates",
        "certs",
    ]
    .iter()
    .any(|w| dest.contains(w));
    if (lower.ends_with(".pem") || lower.ends_with(".key")) && !public_looking && !to_keyring {
        return Some("private key");
    }
    None
}

/// A glob source: report it only when its literal part already names a secret file
/// (`.env*`, `id_rsa*`, `*.pem`), never for generic patterns such as `*.json`.
fn glob_kind(base: &str, dest: &str) -> Option<&'static str> {
    let first_wild = base.find(['*', '?', '[']).unwrap_or(base.len());
    let prefix = &base[..first_wild];
    let suffix = &base[base.rfind(['*', '?', ']']).map_or(base.len(), |p| p + 1)..];
    let candidates: &[&str] = &[
        ".env",
        ".env.local",
        ".env.production",
        ".npmrc",
        ".pypirc",
        "id_rsa",
        "id_ed25519",
        "credentials.json",
        "server.key",
        "private.pem",
    ];
    let specific = !prefix.is_empty() || matches!(suffix, ".pem" | ".key");
    if !specific {
        return None;
    }
    candidates
        .iter()
        .filter(|c| glob_matches(base, c))
        .find_map(|c| name_kind(c, dest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_files() {
        for s in [
            ".env",
            "./.env",
            ".env.production",
            ".env.local",
            "config/.npmrc",
            ".pypirc",
            "id_rsa",
            "/root/.ssh/id_ed25519",
            "server.key",
            "tls/private.pem",
            ".git-credentials",
            ".aws/",
            "/root/.aws/credentials",
            ".docker/config.json",
            "credentials.json",
            "credentials-prod.json",
            ".env*",
            "*.pem",
            "id_rsa*",
        ] {
            assert!(secret_file_kind(s, "/app/").is_some(), "{s}");
        }
    }

    #[test]
    fn look_alikes() {
        for s in [
            ".env.example",
            ".env.sample",
            ".env.template",
            ".env.example.local",
            "env.ts",
            ".envrc.d",
            "id_rsa.pub",
            "ca.pem",
            "cert.pem",
            "fullchain.pem",
            "rds-ca-bundle.pem",
            "public.key",
            "*.json",
            "*",
            "package*.json",
            "https://x/.env",
            ".",
            "dist/",
            "credentials.ts",
            "key.txt",
            ".environment",
        ] {
            assert!(secret_file_kind(s, "/app/").is_none(), "{s}");
        }
        assert!(secret_file_kind("nodesource.key", "/usr/share/keyrings/").is_none());
    }
}
