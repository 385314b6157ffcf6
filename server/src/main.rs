#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    #[cfg(unix)]
    lean_allocator_for_the_language_server();
    std::process::exit(chainwarden::cli::main());
}

/// The language server lives for hours with many documents open, so mimalloc should commit
/// memory as it is used rather than eagerly (with every corpus file open: 146 MiB → 57 MiB).
/// mimalloc reads that setting from the environment before `main` runs, so `chainwarden lsp`
/// starts itself again once with it set. `check` keeps the default, which is faster for a short
/// run. If the new start fails, the server simply runs with the default.
#[cfg(unix)]
fn lean_allocator_for_the_language_server() {
    use std::os::unix::process::CommandExt;
    const SETTING: &str = "MIMALLOC_ARENA_EAGER_COMMIT";
    let is_server = std::env::args_os().nth(1).is_some_and(|a| a == "lsp");
    if !is_server || std::env::var_os(SETTING).is_some() {
        return;
    }
    if let Ok(exe) = std::env::current_exe() {
        // `exec` only returns when it fails.
        let _ = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(SETTING, "0")
            .exec();
    }
}
