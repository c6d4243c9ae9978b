//! The `cni-harness` binary: the command line over the library's public API.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
