fn main() {
    std::process::exit(casefile_cli::run());
}

#[path = "cli/mod.rs"]
mod casefile_cli;
