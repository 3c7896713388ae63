"""`survey sources`: what each source can express, and whether it is configured."""

from __future__ import annotations

import json

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, format_option, pass_context, _console
from survey.errors import SurveyError

@cli_main.command()
@format_option("table", "json")
@pass_context
def sources(ctx: Context, fmt):
    """List every source: what it can express, auth, whether configured, rate limit."""
    from survey.sources import make_source, source_names

    rows = []
    for name in source_names(ctx.settings):
        try:
            s = make_source(name, ctx.settings)
            configured, why = s.configured()
        except SurveyError as exc:
            rows.append({"source": name, "configured": False, "why": str(exc)})
            continue
        c = s.capabilities
        rows.append({
            "source": name, "fields": c.fields, "boolean": c.boolean, "phrases": c.phrases,
            "stemming": c.stemming, "per_year_one_call": c.per_year_one_call, "records": c.records,
            "needs_key": s.needs_key, "configured": configured, "why": why,
            "rate_limit_rps": s.rate_limit, "concurrency": s.concurrency, "notes": c.notes,
        })
    if not any(r["source"].startswith("local") for r in rows):
        rows.append({"source": "local:NAME", "configured": False,
                     "why": "no corpus imported: run `survey corpus import PATH --name NAME`"})
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table("source", "searches", "AND/OR", "phrases", "stems", "key", "configured", "rate/s", "notes")
    yn = {True: "yes", False: "no", None: ""}
    for r in rows:
        rate = r.get("rate_limit_rps")
        table.add_row(
            r["source"], r.get("fields", ""), yn[r.get("boolean")], yn[r.get("phrases")], yn[r.get("stemming")],
            "needed" if r.get("needs_key") else "", "yes" if r["configured"] else f"no: {r['why']}",
            "" if rate is None else f"{rate:.3g}", r.get("notes", ""),
        )
    _console().print(table)
