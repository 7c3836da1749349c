//! `avnm-arm-emulator`: a local Azure Resource Manager + Entra ID token endpoint for Azure
//! Virtual Network Manager across two tenants. See docs/emulator.md.

use terraform_provider_avnm::emulator;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let options = match emulator::parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("avnm-arm-emulator: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match emulator::run(options).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("avnm-arm-emulator: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
