fn main() {
    std::process::exit(chainwarden::cli::main());
}
