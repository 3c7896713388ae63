# The two commands of the quick start: `make report` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
QUERY  ?= queries/lstm_vs_cnn.toml
# State for `make report` lives in the repo (ignored by git) unless SURVEY_HOME says otherwise.
export SURVEY_HOME ?= $(CURDIR)/.state
ACL    ?= ../shared/corpora/acl-anthology/papers.jsonl.gz

.PHONY: report test install install-test experiment clean

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

report: install
	@if [ -f "$(ACL)" ] && ! $(BIN)/survey corpus stats --name acl >/dev/null 2>&1; then \
		$(BIN)/survey corpus import "$(ACL)" --name acl; fi
	@# A failed or unreachable source must not stop the report: it says what is missing.
	-$(BIN)/survey refresh -q $(QUERY) $(SOURCES) --by-year
	@# Query variants for the robustness section; labels under data/labels are read by `survey report`.
	@if $(BIN)/survey corpus stats --name acl >/dev/null 2>&1; then \
		$(BIN)/survey robustness -q $(QUERY) -s local:acl >/dev/null; fi
	$(BIN)/survey report -q $(QUERY) \
		$$($(BIN)/survey corpus stats --name acl >/dev/null 2>&1 && echo --preface $(PREFACE))

test: install-test
	$(BIN)/python -m pytest -q

experiment: install-test
	$(BIN)/survey experiment run

clean:
	rm -rf $(VENV) .state
