#[global_allocator]
static ALLOCATOR: casefile::MiMalloc = casefile::MiMalloc;

fn main() {
    casefile::serve_helper_if_asked();
    std::process::exit(casefile_cli::run());
}

#[path = "cli/mod.rs"]
mod casefile_cli;
