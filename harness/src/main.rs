fn main() -> std::process::ExitCode {
    cni_harness::cli::main()
}
