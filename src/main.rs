fn main() -> std::process::ExitCode {
    caf::cli::run()
}
