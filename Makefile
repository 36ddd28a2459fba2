# MallBots developer commands. Needs only Python 3.11+ and make: the virtualenv is created
# on first use, and PostgreSQL / Redis are embedded where DATABASE_URL / REDIS_URL are unset.
#
#   make run                      web + worker + beat, prints the URLs and a demo API token
#   make test                     the whole test suite
#   make test ARGS="-m unit"      one test group (or any pytest arguments)
#   make browser                  Debian's chromium for the browser tests, when it is missing
#   make wrk                      Debian's wrk for `benchmark api`, when it is missing
#   make lint                     ruff, import contracts, mypy, missing migrations, API schema
#   make check-deploy             Django's deployment checks with production settings
#   make check-deploy-manifests   Terraform, Kubernetes manifests and Dockerfile: rendered, validated, scanned
#   make ci                       lint + check-deploy + check-deploy-manifests + test, as CI runs it
#   make aws-deploy TAG=...       build and push the image to ECR, apply the aws overlay (README)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# Reinstall only when a requirements file changed since the last install.
STAMP := $(VENV)/.requirements.stamp
REQUIREMENTS := $(filter-out requirements/checkov.txt,$(wildcard requirements/*.txt))
ARGS ?=
MYPY_PATHS := mallbots/kernel apps

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help venv browser wrk run test lint lint-django check-deploy check-deploy-manifests checkov-venv crd-schemas ci services-start services-stop services-status
.PHONY: aws-kubeconfig aws-image aws-overlay aws-secret aws-apply aws-deploy

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

venv: $(STAMP)

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "MallBots needs Python 3.11 or newer: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(REQUIREMENTS) | $(PY)
	$(PY) -m pip install -r requirements/dev.txt
	@touch $@

# The browser tests (tests/browser) drive Debian's chromium package; installed here when it is
# missing (as root, through apt), never downloaded by Playwright.
CHROMIUM := /usr/bin/chromium

browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; \
	fi

# `benchmark api` drives gunicorn with Debian's wrk (its tests run it too); installed here when
# it is missing, as chromium is.
WRK := /usr/bin/wrk

wrk:
	@if [ ! -x $(WRK) ]; then \
	  echo "installing Debian's wrk for the API benchmark"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; \
	fi

run: venv
	$(PY) scripts/run.py

test: venv browser wrk
	$(PY) scripts/test.py $(ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy $(MYPY_PATHS)
	$(PY) scripts/withservices.py $(MAKE) --no-print-directory lint-django

# The checks that load Django against a database; `lint` runs them with the servers up.
lint-django: venv
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(PY) manage.py asyncapi --check

check-deploy: venv
	DJANGO_SETTINGS_MODULE=mallbots.settings.production \
	SECRET_KEY="$$($(PY) -c 'import secrets, string; print("".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50)))')" \
	ALLOWED_HOSTS=example.com \
	$(PY) manage.py check --deploy --fail-level WARNING

# checkov lives in a virtualenv of its own: its pins (packaging<24) conflict with pytest's.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.requirements.stamp

checkov-venv: $(CHECKOV_STAMP)

$(CHECKOV_STAMP): requirements/checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -r requirements/checkov.txt
	@touch $@

# The KEDA and Prometheus Operator schemas (npm packages, from deploy/checks/package-lock.json),
# where npm exists and reaches its registry; otherwise the check says what it skipped.
CRD_SCHEMAS := deploy/checks/node_modules/.package-lock.json

crd-schemas:
	@if ! command -v npm >/dev/null; then \
	  echo "no npm: the custom resources' schemas are not installed"; \
	elif [ ! -e $(CRD_SCHEMAS) ] || [ deploy/checks/package-lock.json -nt $(CRD_SCHEMAS) ]; then \
	  (cd deploy/checks && npm ci --no-audit --no-fund --loglevel=error) || echo "npm ci failed: the custom resources' schemas are not installed"; \
	fi

# Offline once installed: renders, validates and scans; applies nothing (scripts/check_deploy.py).
check-deploy-manifests: venv checkov-venv crd-schemas
	$(PY) scripts/check_deploy.py --checkov $(CHECKOV_VENV)/bin/checkov

# One pair of servers for the whole run: the nested targets find the variables set.
ci: venv
	$(PY) scripts/withservices.py $(MAKE) --no-print-directory lint check-deploy check-deploy-manifests test

services-start: venv
	$(PY) scripts/embedded.py start

services-stop: venv
	$(PY) scripts/embedded.py stop

services-status: venv
	$(PY) scripts/embedded.py status

# A release onto the AWS stack (deploy/terraform/aws, applied beforehand): scripts/aws.sh.
# TAG names the build; by default the commit's short hash.
TAG ?= $(shell git rev-parse --short=12 HEAD)

aws-kubeconfig:
	scripts/aws.sh kubeconfig

aws-image:
	scripts/aws.sh image $(TAG)

aws-overlay:
	scripts/aws.sh overlay $(TAG)

aws-secret:
	scripts/aws.sh secret

aws-apply:
	scripts/aws.sh apply $(TAG)

aws-deploy:
	scripts/aws.sh deploy $(TAG)
