//! Which files chainwarden understands (SPEC §1). Anything else costs nothing.

use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    Workflow,
    Action,
    Dockerfile,
    Compose,
    Package,
    Source,
    /// `.github/dependabot.yml` / `.yaml` (SPEC §7.3).
    Dependabot,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Workflow => "workflow",
            FileKind::Action => "action",
            FileKind::Dockerfile => "dockerfile",
            FileKind::Compose => "compose",
            FileKind::Package => "package",
            FileKind::Source => "source",
            FileKind::Dependabot => "dependabot",
        }
    }

    /// YAML-based kinds share the tree-sitter YAML parser.
    pub fn is_yaml(self) -> bool {
        matches!(
            self,
            FileKind::Workflow | FileKind::Action | FileKind::Compose | FileKind::Dependabot
        )
    }
}

/// Folders whose contents are build output or vendored code, never analysed.
const SKIPPED_DIRS: &[&str] = &["node_modules", "dist", "build", "out", ".next", "coverage"];

/// Detect the kind of a file from its path (any separator style).
pub fn detect(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    let components: Vec<&str> = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    let dirs = &components[..components.len().saturating_sub(1)];
    let in_skipped_dir = dirs.iter().any(|d| SKIPPED_DIRS.contains(d));
    let is_yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");

    if is_yaml {
        let under_workflows = dirs
            .windows(2)
            .any(|w| w[0] == ".github" && w[1] == "workflows");
        if under_workflows {
            return Some(FileKind::Workflow);
        }
        if (lower == "dependabot.yml" || lower == "dependabot.yaml")
            && dirs.last().is_some_and(|d| *d == ".github")
        {
            return Some(FileKind::Dependabot);
        }
        if lower == "action.yml" || lower == "action.yaml" {
            return Some(FileKind::Action);
        }
        if lower.starts_with("docker-compose") || lower.starts_with("compose") {
            return Some(FileKind::Compose);
        }
        return None;
    }
    // `dockerfile` in lower case is common too (`docker build -f docker/dockerfile`).
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || name.starts_with("Dockerfile.")
        || name.starts_with("Dockerfile-")
        || name.starts_with("Containerfile.")
    {
        return Some(FileKind::Dockerfile);
    }
    if in_skipped_dir {
        return None;
    }
    if name == "package.json" {
        return Some(FileKind::Package);
    }
    const SOURCE_EXTS: &[&str] = &[".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"];
    if SOURCE_EXTS.iter().any(|e| lower.ends_with(e)) && !lower.ends_with(".d.ts") {
        return Some(FileKind::Source);
    }
    None
}

/// Folders whose compose files, Dockerfiles and package.json are test data for the project's
/// own tests (`e2e/fixtures/` is covered by `fixtures`).
pub const TEST_DATA_DIRS: &[&str] = &["testdata", "fixtures", "__fixtures__", "test-fixtures"];

/// Whether a file is test data that the shells skip unless `[paths] test-data = true` (SPEC
/// §7.9): a compose file, Dockerfile or package.json with a folder of [`TEST_DATA_DIRS`] in
/// `relative`, its path below the folder being analysed (so pointing chainwarden at a fixtures
/// folder itself still analyses it). Workflows, actions and source files are never skipped.
/// The engine never asks this: the project's own fixture runner analyses `tests/fixtures/`.
pub fn is_test_data(relative: &Path, kind: FileKind) -> bool {
    if !matches!(
        kind,
        FileKind::Compose | FileKind::Dockerfile | FileKind::Package
    ) {
        return false;
    }
    let mut dirs: Vec<&std::ffi::OsStr> = relative.components().map(|c| c.as_os_str()).collect();
    dirs.pop();
    dirs.iter().any(|d| {
        d.to_str()
            .is_some_and(|d| TEST_DATA_DIRS.iter().any(|t| d.eq_ignore_ascii_case(t)))
    })
}

/// Test-data files a walk skipped, for the one note `chainwarden check` prints on stderr.
#[derive(Default)]
pub struct SkippedTestData {
    files: usize,
    folders: std::collections::BTreeSet<String>,
}

impl SkippedTestData {
    /// Count one skipped file (its path below the folder walked).
    pub fn count(&mut self, relative: &Path) {
        self.files += 1;
        let mut dirs: Vec<&str> = relative
            .components()
            .filter_map(|c| c.as_os_str().to_str())
            .collect();
        dirs.pop();
        if let Some(dir) = dirs
            .iter()
            .rev()
            .find(|d| TEST_DATA_DIRS.iter().any(|t| d.eq_ignore_ascii_case(t)))
        {
            self.folders.insert(format!("{dir}/"));
        }
    }

    /// `note: skipped 12 test-data files (…under fixtures/, testdata/); …`, if any were skipped.
    pub fn note(&self) -> Option<String> {
        (self.files > 0).then(|| {
            let folders: Vec<&str> = self.folders.iter().map(String::as_str).collect();
            format!(
                "note: skipped {} test-data file{} (compose, Dockerfile, package.json under {}); \
                 [paths] test-data = true analyses them",
                self.files,
                if self.files == 1 { "" } else { "s" },
                folders.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(p: &str) -> Option<FileKind> {
        detect(Path::new(p))
    }

    #[test]
    fn detects_every_kind() {
        assert_eq!(k(".github/workflows/ci.yml"), Some(FileKind::Workflow));
        assert_eq!(
            k("repo/.github/workflows/sub/ci.yaml"),
            Some(FileKind::Workflow)
        );
        assert_eq!(k("x/action.yml"), Some(FileKind::Action));
        assert_eq!(k("action.yaml"), Some(FileKind::Action));
        assert_eq!(k("Dockerfile"), Some(FileKind::Dockerfile));
        assert_eq!(k("app.Dockerfile"), Some(FileKind::Dockerfile));
        assert_eq!(k("Dockerfile.dev"), Some(FileKind::Dockerfile));
        assert_eq!(k("Dockerfile-alpine"), Some(FileKind::Dockerfile));
        assert_eq!(k("Containerfile"), Some(FileKind::Dockerfile));
        assert_eq!(k("docker/dockerfile"), Some(FileKind::Dockerfile));
        assert_eq!(k("docker-compose.prod.yml"), Some(FileKind::Compose));
        assert_eq!(k("compose.yaml"), Some(FileKind::Compose));
        assert_eq!(k("package.json"), Some(FileKind::Package));
        assert_eq!(k("node_modules/x/package.json"), None);
        assert_eq!(k("src/index.ts"), Some(FileKind::Source));
        assert_eq!(k("dist/index.js"), None);
        assert_eq!(k("types.d.ts"), None);
        assert_eq!(k("config.yml"), None);
        assert_eq!(k(".github/dependabot.yml"), Some(FileKind::Dependabot));
        assert_eq!(
            k("repo/.github/dependabot.yaml"),
            Some(FileKind::Dependabot)
        );
        assert_eq!(k("dependabot.yml"), None);
        assert_eq!(
            k(".github/workflows/dependabot.yml"),
            Some(FileKind::Workflow)
        );
        assert_eq!(k("README.md"), None);
    }

    #[test]
    fn test_data_files() {
        let t = |p: &str| is_test_data(Path::new(p), detect(Path::new(p)).unwrap());
        assert!(t("pkg/testdata/Dockerfile"));
        assert!(t("e2e/fixtures/app/package.json"));
        assert!(t("src/__fixtures__/docker-compose.yml"));
        assert!(t("test-fixtures/compose.yaml"));
        assert!(!t("fixtures/.github/workflows/ci.yml"));
        assert!(!t("fixtures/src/index.ts"));
        assert!(!t("docker/Dockerfile"));
        assert!(!t("fixtures.Dockerfile"));
        assert!(!t("package.json"));
    }
}
