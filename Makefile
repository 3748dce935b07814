# Frontdesk: `make dev` runs the whole product locally, `make test` checks everything.
# Tools that take long to install live in a per-machine cache outside the clone (infra/tools.sh).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

FRONTDESK_CACHE ?= $(HOME)/.cache/frontdesk
export FRONTDESK_CACHE
MOTO_PORT ?= 4566
KAFKA_PORT ?= 9092
FRONTDESK_ADDR ?= 127.0.0.1:3000
export SAM_CLI_TELEMETRY := 0
SAM := $(FRONTDESK_CACHE)/venv-sam/bin/sam
CARGO_LAMBDA := $(FRONTDESK_CACHE)/venv-cargo-lambda/bin/cargo-lambda
CHECKOV := $(FRONTDESK_CACHE)/venv-checkov/bin/checkov
# Every function crate, by directory name (= package = binary = SAM `Binary`).
FUNCTIONS := $(notdir $(wildcard crates/functions/*))
# Where `make build` leaves each function's `<function>/bootstrap` (cargo-lambda's default, under
# the cargo target directory); the artifact tests read them from there.
BUILD_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))
LAMBDA_DIR := $(BUILD_DIR)/lambda
# What the last complete `make test` built from, so a fresh clone over the same build directory
# rebuilds only the crates whose files changed (infra/source_times.py).
SOURCE_TIMES := $(BUILD_DIR)/frontdesk-source-times.tsv

# Table names of the local stack.
LOCAL_TABLES := DYNAMODB_LEADS_TABLE=frontdesk-local-Leads \
	DYNAMODB_CLAIMS_TABLE=frontdesk-local-Claims \
	DYNAMODB_API_KEYS_TABLE=frontdesk-local-ApiKeys \
	DYNAMODB_TICKETS_TABLE=frontdesk-local-Tickets \
	DYNAMODB_CUSTOMERS_TABLE=frontdesk-local-Customers \
	DYNAMODB_CHANNEL_ACCOUNTS_TABLE=frontdesk-local-ChannelAccounts \
	DYNAMODB_LEAD_ANALYTICS_TABLE=frontdesk-local-LeadAnalytics \
	DYNAMODB_TENANTS_TABLE=frontdesk-local-Tenants \
	DYNAMODB_BOT_USERS_TABLE=frontdesk-local-BotUsers

.PHONY: help dev token events test source-times check fmt clippy unit unit-and-integration e2e validate-template build bench soak tools clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-22s %s\n", $$1, $$2}'

tools: ## Install the local-stack tools (moto, tansu, aws-sam-cli, cargo-lambda, checkov, openapi-spec-validator, chromium, playwright, valgrind, openssl, cmake, qemu) once per machine
	@infra/tools.sh all

dev: ## Run every route on http://$(FRONTDESK_ADDR) against local moto and Kafka; Ctrl-C stops it
	@infra/tools.sh moto
	@infra/tools.sh tansu
	@infra/tools.sh cargo-lambda
	cargo build -p devserver
	infra/moto.sh --port $(MOTO_PORT) -- infra/tansu.sh --port $(KAFKA_PORT) -- \
		env $(LOCAL_TABLES) FRONTDESK_ADDR=$(FRONTDESK_ADDR) FRONTDESK_DEMO_ACTIVITY=1 cargo run --quiet -p devserver

# The demo agent `make token` signs in: ana, adam, gina or olga (see crates/devserver/src/demo.rs).
AGENT ?= ana

token: ## Print a fresh ID token of a demo agent (AGENT=ana) from the running `make dev`
	@cargo run --quiet -p devserver -- token $(AGENT)

events: ## Tail the event topics of the running `make dev`, one line per event; Ctrl-C stops
	@cargo run --quiet -p devserver -- events

test: source-times fmt clippy build unit-and-integration e2e validate-template ## Everything CI checks, the deployed artifacts included
	@python3 infra/source_times.py record $(SOURCE_TIMES) $(BUILD_DIR)

source-times: ## Give unchanged files the times the build directory last saw them with (a fresh clone rebuilds only what changed)
	@python3 infra/source_times.py restore $(SOURCE_TIMES) $(BUILD_DIR)

fmt: ## Check formatting
	cargo fmt --all -- --check

clippy: ## Lint with warnings as errors
	cargo clippy --workspace --all-targets --locked -- -D warnings

# The crates whose tests need no local service: the domain's rules, the use cases on the in-memory
# ports (usecases::memory), the assistant (its LLM provider against an endpoint the test serves
# itself), the channel protocols, the HTTP glue and the contracts. `make test` runs them too, as
# part of `cargo test --workspace`.
unit: ## The tests that need no local service (domain, use cases on in-memory ports, assistant, channels, HTTP glue, contracts): seconds once built
	cargo test --locked -p domain -p usecases -p assistant -p channels -p http-kit -p contracts

# After `build`: the artifact tests check and run the arm64 binaries it produced (under QEMU), and
# LAMBDA_ARTIFACTS makes a missing one a failure rather than a skip. The release build for aarch64
# and this debug build for the host use different cargo build directories, so neither waits on the
# other's lock; ordering them only keeps two builds off two cores at once.
unit-and-integration: build ## Unit tests, integration tests against moto and a Kafka broker on free ports, the arm64 artifacts under QEMU
	@infra/tools.sh moto
	@infra/tools.sh tansu
	@infra/tools.sh openssl
	@infra/tools.sh openapi-validator
	@infra/tools.sh qemu
	LAMBDA_ARTIFACTS=$(LAMBDA_DIR) infra/moto.sh -- infra/tansu.sh -- cargo test --workspace --locked

e2e: ## The chat widget and the agent console in headless Chromium, against moto and a devserver on free ports
	env $(LOCAL_TABLES) infra/e2e.sh

# checkov's findings are fixed, or skipped in the template with the reason next to the skip (a
# resource's Metadata.checkov.skip); --skip-download keeps the scan offline.
validate-template: ## sam validate --lint and the checkov policy scan on template.yaml
	@infra/tools.sh sam
	@infra/tools.sh checkov
	AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
		$(SAM) validate --lint --template template.yaml --region us-east-1
	$(CHECKOV) --quiet --compact --skip-download --framework cloudformation --file template.yaml

# cargo-lambda cross-compiles with zig, C and C++ included: librdkafka through CMake (cmake-build),
# OpenSSL, zlib, zstd and libcurl from their crates' sources, so nothing of this machine's own
# libraries ends up in a binary (tests/tests/artifacts.rs checks).
build: ## Release Lambda artifacts for arm64: target/lambda/<function>/bootstrap
	@infra/tools.sh cargo-lambda
	@infra/tools.sh cmake
	PATH="$(FRONTDESK_CACHE)/venv-cargo-lambda/bin:$$PATH" \
		cargo lambda build --release --arm64 --locked $(addprefix -p ,$(FUNCTIONS))

# Passed on to `bench run`, e.g. BENCH_ARGS="--phases cold --functions lead-capture" (BENCHMARKS.md).
BENCH_ARGS ?=

bench: ## Measure cold starts, CPU, DynamoDB round trips, sizes, memory, latency; rewrite BENCHMARKS.md
	env $(LOCAL_TABLES) infra/bench.sh $(BENCH_ARGS)

soak: ## Drive the whole local stack with mixed traffic (SOAK_MINUTES=10, SOAK_CLIENTS=6); fail on any failed request or growing memory
	env $(LOCAL_TABLES) infra/soak.sh

clean: ## Remove build output
	cargo clean
