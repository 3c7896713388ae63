# The two commands of the quick start: `make report` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
QUERY  ?= queries/lstm_vs_cnn.toml
# State for `make report` lives in the repo (ignored by git) unless SURVEY_HOME says otherwise.
export SURVEY_HOME ?= $(CURDIR)/.state
ACL    ?= ../shared/corpora/acl-anthology/papers.jsonl.gz

.PHONY: report counts test install install-test experiment clean

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

report: install
	@if [ -f "$(ACL)" ]; then \
		$(BIN)/survey corpus stats --name acl >/dev/null 2>&1 || $(BIN)/survey corpus import "$(ACL)" --name acl --replace; \
	else echo "no ACL Anthology corpus at $(ACL): reporting the committed counts; count in your own with \`survey corpus import FILE --name NAME\`"; fi
	@if [ -f "$(COUNTS)" ]; then $(BIN)/survey cache import "$(COUNTS)"; fi
	@# A failed or unreachable source must not stop the report: it says what is missing.
	-$(BIN)/survey refresh -q $(QUERY) $(SOURCES) --by-year
	$(BIN)/survey report -q $(QUERY) --preface $(PREFACE)

counts: install
	$(BIN)/survey cache export -q $(QUERY) $(COUNTS)

test: install-test
	$(BIN)/python -m pytest -q

# Regenerates the committed reference results on purpose (a plain `survey experiment run` never does).
experiment: install-test
	$(BIN)/survey experiment run -o data/experiments/reference.json --force

clean:
	rm -rf $(VENV) .state
