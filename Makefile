# Slipway's front door. `make help` lists the targets; README.md explains the two that matter most:
# `make rehearse` (the whole story on one machine) and `make test` (everything CI runs).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

.PHONY: help rehearse chaos rollback-bench bootstrap-drill drill backup-benchmark setup build lint typecheck check \
	test test-unit \
	test-integration infra-check clean sandbox-up sandbox-down sandbox-status

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

rehearse: ## Slipway's main job: PR gate, build, push, deploys under load, refused release, rollback
	@scripts/rehearse.sh

chaos: ## Fault drills: kill/OOM each live container, fill the disk, restart Docker, under load; chaos-report.json
	@scripts/chaos.sh

rollback-bench: ## Median rollback vs deploy seconds (action start to serving) under load; rollback-bench.json
	@scripts/setup.sh && scripts/sandbox/up && node --import tsx scripts/chaos/rollback-bench.ts

bootstrap-drill: ## Two bare hosts: setup-vps.sh vs Ansible, each twice, deployed to and compared
	@scripts/bootstrap-drill.sh

drill: ## Disaster-recovery drills on the sandbox VPS; writes drill-report.json (docs/DISASTER_RECOVERY.md)
	@scripts/drill.sh

backup-benchmark: setup sandbox-up ## backup-db.sh vs a bare pg_dump on a 100+ MB database; writes backup-benchmark.json
	node --import tsx scripts/backup/benchmark.ts

setup: ## Install npm packages and the pinned linters (idempotent, fast when warm)
	@scripts/setup.sh

build: setup ## Regenerate every generated file: action bundles and workflows
	npm run --silent build

lint: setup ## ESLint, Prettier, shellcheck, hadolint, yamllint
	@scripts/lint.sh

typecheck: setup ## TypeScript, strict
	npm run --silent typecheck

check: setup ## Fail when a rebuild would change a committed generated file
	npm run --silent check

test-unit: setup ## Unit tests only (no Docker)
	npx vitest run --project unit

test-integration: setup sandbox-up ## Integration tests against the real sandbox
	npx vitest run --project integration
	npx vitest run --project workflows
	npx vitest run --project hosts

infra-check: setup ## Offline checks of infra/: ansible-lint, playbook syntax, setup-vps facts; tofu fmt/validate/plan, tflint
	@scripts/infra/check-hosts.sh
	@scripts/infra/check.sh

test: ## Everything CI runs; prints "N passed, N failed" last
	@scripts/test.sh

sandbox-up: ## Start the sandbox: Docker engine, base images, registry, mirror, apt proxy, VPS (vps1)
	@scripts/sandbox/up

sandbox-down: ## Stop everything the sandbox started
	@scripts/sandbox/down

sandbox-status: ## Show what the sandbox runs
	@scripts/sandbox/status

clean: ## Remove build caches and reports (keeps node_modules and .venv)
	rm -rf coverage .cache rehearsal-report.json bootstrap-report.json drill-report.json backup-benchmark.json \
		chaos-report.json rollback-bench.json

.PHONY: dev dev-down dev-reset logs migrate eval load-test metrics-overhead

dev: ## Dev stack with hot reload (loopback ports, debugger on 9229), then migrate + scrape + embed once
	@scripts/dev/stack.sh up

dev-down: ## Stop the dev stack (keeps its volumes)
	@scripts/dev/stack.sh down

dev-reset: ## Stop the dev stack and delete its volumes (database, ChromaDB)
	@scripts/dev/stack.sh reset

logs: ## Follow the dev stack's logs
	@scripts/dev/stack.sh logs

migrate: ## Apply pending database migrations in the dev stack
	@scripts/dev/stack.sh migrate

eval: ## Score search on the labelled queries against the dev stack (metrics JSON on stdout)
	@scripts/dev/stack.sh eval

load-test: ## Bounded wrk load test of /health and /search on loopback (LOAD_URL, LOAD_DURATION, LOAD_CONNECTIONS)
	@scripts/dev/load-test.sh

metrics-overhead: setup sandbox-up ## /search throughput with and without the service's metrics, as a ratio (docs/OBSERVABILITY.md)
	npx tsx scripts/bench/metrics-overhead.ts
