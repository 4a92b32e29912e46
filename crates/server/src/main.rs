//! The `cuocthi` binary: parses the command line and hands over to the library.

use clap::Parser;

/// mimalloc: measured faster than the system allocator on the allocation-heavy paths
/// (finalizing a million attempts, see docs/PERFORMANCE.md P4).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cuocthi_server::cli::Cli::parse();
    cuocthi_server::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cuocthi: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cuocthi_server::cli::run(cli)) {
        Ok(code) => code,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "cuocthi failed");
            eprintln!("cuocthi: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
