# The two commands of the quick start: `make report` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
QUERY  ?= queries/lstm_vs_cnn.toml
# State for `make report` lives in the repo (ignored by git) unless SURVEY_HOME says otherwise.
export SURVEY_HOME ?= $(CURDIR)/.state
ACL    ?= ../shared/corpora/acl-anthology/papers.jsonl.gz
# The last year the ACL snapshot holds in full: it lacks ACL 2025 and EMNLP 2025 (see the preface).
ACL_COMPLETE ?= 2024

.PHONY: report counts test install install-test experiment mutation clean

$(BIN)/survey: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

install: $(BIN)/survey

$(VENV)/.test-installed: $(BIN)/survey
	$(BIN)/pip install --quiet -e '.[test,experiment]'
	@touch $@

install-test: $(VENV)/.test-installed

# Which sources `make report` refreshes; e.g. SOURCES="-s local:acl -s openalex".
SOURCES ?= --all
PREFACE  = reports/acl_anthology_preface.md

# The committed counts behind the committed report: read into the cache first, so a clone with
# no corpus and no network renders the same numbers; `make counts` writes them after a refresh.
COUNTS  ?= data/counts/lstm_vs_cnn.csv
VARIANT_COUNTS ?= data/counts/lstm_vs_cnn.variants.csv

report: install
	@if [ -f "$(ACL)" ]; then \
		$(BIN)/survey corpus stats --name acl >/dev/null 2>&1 || $(BIN)/survey corpus import "$(ACL)" --name acl --replace --complete-through $(ACL_COMPLETE); \
	else echo "no ACL Anthology corpus at $(ACL): reporting the committed counts; count in your own with \`survey corpus import FILE --name NAME\`"; fi
	@if [ -f "$(COUNTS)" ]; then $(BIN)/survey cache import "$(COUNTS)"; fi
	@if [ -f "$(VARIANT_COUNTS)" ]; then $(BIN)/survey cache import "$(VARIANT_COUNTS)"; fi
	@# A failed or unreachable source (exit 1: the rest is saved) must not stop the report, which says
	@# what is missing; bad input (exit 2) or an interrupt still stops it.
	@$(BIN)/survey refresh -q $(QUERY) $(SOURCES) --by-year || [ $$? -eq 1 ]
	@# Query variants for the robustness section; labels under data/labels are read by `survey report`.
	@if $(BIN)/survey corpus stats --name acl >/dev/null 2>&1; then \
		$(BIN)/survey robustness -q $(QUERY) -s local:acl >/dev/null; fi
	$(BIN)/survey report -q $(QUERY) --preface $(PREFACE)

counts: install
	$(BIN)/survey cache export -q $(QUERY) $(COUNTS)
	$(BIN)/survey robustness -q $(QUERY) -s local:acl --offline --export-counts $(VARIANT_COUNTS) >/dev/null

test: install-test
	$(BIN)/python -m pytest -q

# Regenerates the committed reference results on purpose (a plain `survey experiment run` never does).
experiment: install-test
	$(BIN)/survey experiment run -o data/experiments/reference.json --force

# Mutation testing of the core, configured in pyproject.toml ([tool.mutmut]); slow, so not part
# of `make test` or CI. Results are kept in mutants/ and reused: a rerun checks mutants of
# changed code and last run's survivors. MUTANTS narrows a run, e.g. MUTANTS='survey.store.*'.
MUTANTS       ?=
MUTATION_JOBS ?= 2
SHARED_DIR    ?= $(abspath ../shared)

mutation: install-test
	$(BIN)/pip install --quiet -e '.[mutation]'
	@# a stale or unchecked equivalent fails here, in minutes, rather than after hours of mutants
	$(BIN)/python tools/mutation_score.py --check-equivalents
	@# mutmut keeps a verdict until the code changes, so last run's survivors are named again
	@# for new tests to reach them; named mutants (MUTANTS) are always run afresh.
	@set -f; export SURVEY_SHARED_DIR=$(SHARED_DIR); run="$(BIN)/mutmut run --max-children $(MUTATION_JOBS)"; \
	if [ -n "$(MUTANTS)" ]; then $$run $(MUTANTS); else \
		survivors=$$($(BIN)/python tools/mutation_score.py --survivor-names); \
		if [ -n "$$survivors" ]; then $$run $$survivors; fi; $$run; fi
	$(BIN)/python tools/mutation_score.py --fail-under 90

clean:
	rm -rf $(VENV) .state mutants
