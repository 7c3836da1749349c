//! terraform-provider-avnm: started by Terraform as a plugin (or with `--debug` by a developer).

use std::process::ExitCode;

use terraform_provider_avnm::plugin;
use terraform_provider_avnm::provider::AvnmProvider;

fn main() -> ExitCode {
    plugin::serve(AvnmProvider)
}
