fn main() {
    std::process::exit(cni_harness_cli());
}

fn cni_harness_cli() -> i32 {
    0
}
