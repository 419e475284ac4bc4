//! `caf`: the command line. Everything it does is in the library crates (`caf-core`,
//! `caf-render`, `caf-server`, `caf-client`); this crate parses arguments, talks to the
//! terminal and chooses exit codes.

// mimalloc rather than the system allocator: the server, the scorer and the aggregator all
// allocate many small short-lived strings, and glibc's malloc showed as a fifth of the
// collection service's CPU under load. Built with `no_thp` (Cargo.toml): marked for
// transparent huge pages, its arenas cost every command the kernel zeroing at least two 2 MiB
// pages (a third of `caf --version`), and `caf aggregate` used no less CPU with them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
