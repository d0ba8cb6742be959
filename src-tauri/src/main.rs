// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[global_allocator]
static ALLOCATOR: casefile::MiMalloc = casefile::MiMalloc;

fn main() {
    casefile_desktop::run()
}
