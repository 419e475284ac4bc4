// mimalloc rather than the system allocator: the server, the scorer and the aggregator all
// allocate many small short-lived strings, and glibc's malloc showed as a fifth of the
// collection service's CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    caf::cli::run()
}
