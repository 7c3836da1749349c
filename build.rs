//! Compiles the vendored protocol definitions in `proto/` with protox, a pure-Rust
//! protobuf compiler, so a fresh machine needs no `protoc` binary.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/tfplugin6.proto",
        "proto/grpc_controller.proto",
        "proto/grpc_stdio.proto",
        "proto/grpc_broker.proto",
    ];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let file_descriptors = protox::compile(protos, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true) // the acceptance tests and benchmarks speak to the server as Terraform would
        .build_server(true)
        .generate_default_stubs(true) // RPCs the provider does not serve answer Unimplemented
        .compile_fds(file_descriptors)?;
    Ok(())
}
