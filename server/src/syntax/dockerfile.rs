//! Hand-written tolerant Dockerfile parser (to be written: continuations, `# escape=`, heredocs).

pub struct Dockerfile {
    pub lines: usize,
}

pub fn parse(text: &str) -> Dockerfile {
    Dockerfile {
        lines: text.lines().count(),
    }
}
