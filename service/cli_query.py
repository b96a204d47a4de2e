"""`coprod query NAME --PARAM VALUE ...`: run one named query and print a table, CSV or JSON.

Mount with `app.add_typer(cli_query.app)` (the command is `query`), or call `query_command`.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

import typer
from rich.console import Console
from rich.table import Table

from ontology.errors import CoprodError, InputError
from service.lookups import Page, Registry, csv_text, load_registry
from service.settings import Settings, get_settings
from service.store.base import Store

FORMATS = ("table", "csv", "json")
app = typer.Typer(help="Run named queries (lookups).")


def parse_params(args: list[str]) -> dict[str, str]:
    """`--name value` and `--name=value` pairs into a dict; InputError on anything else."""
    values: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or len(arg) < 3:
            raise InputError("expected --NAME VALUE", value=arg)
        name, eq, value = arg[2:].partition("=")
        if not eq:
            if i + 1 >= len(args):
                raise InputError("needs a value", field=name)
            value = args[i + 1]
            i += 1
        if name in values:
            raise InputError("given more than once", field=name)
        values[name] = value
        i += 1
    return values


def render(page: Page, fmt: str, out: TextIO) -> None:
    """Print one page as a rich table, CSV or JSON."""
    if fmt == "csv":
        out.write(csv_text(page))
        return
    if fmt == "json":
        out.write(json.dumps({"columns": page.columns, "rows": page.rows}, indent=2) + "\n")
        return
    table = Table(*page.columns, title=page.query, show_lines=False)
    for row in page.rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in page.columns))
    console = Console(file=out, width=200)
    console.print(table)
    if page.more:
        console.print(f"(more rows: --offset {page.offset + page.limit})")


def list_lookups(registry: Registry, out: TextIO) -> None:
    """Print every lookup with its parameters."""
    table = Table("name", "parameters", "summary", title="named queries")
    for lookup in registry:
        params = " ".join(
            f"--{p.name}" + ("" if p.required else "?") for p in lookup.parameters
        )
        table.add_row(lookup.name, params, lookup.summary)
    Console(file=out, width=200).print(table)


def query_command(
    name: str | None,
    params: list[str],
    fmt: str = "table",
    *,
    settings: Settings | None = None,
    store: Store | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run lookup `name` with `--param value` arguments; returns the exit code (0, 1 or 2)."""
    out = out or sys.stdout
    err = err or sys.stderr
    settings = settings or get_settings()
    try:
        if fmt not in FORMATS:
            raise InputError(f"expected one of {', '.join(FORMATS)}", field="format", value=fmt)
        registry = load_registry(base=settings.base_iri)
        if not name or name == "list":
            list_lookups(registry, out)
            return 0
        values = parse_params(params)
        limit = values.pop("limit", None)
        offset = values.pop("offset", None)
        lookup = registry.get(name)
        lookup.bind(values)  # refuse bad values before opening the store
        owned = store is None
        if store is None:
            from service.store import open_store

            store = open_store(settings)
        try:
            page = registry.run(store, name, values, limit, offset)
        finally:
            if owned:
                store.close()
    except InputError as exc:
        err.write(f"error: {exc.describe()}\n")
        return 2
    except CoprodError as exc:
        err.write(f"error: {exc}\n")
        return 1
    render(page, fmt, out)
    return 0


@app.command(
    "query",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def query(
    ctx: typer.Context,
    name: str = typer.Argument(None, help="The lookup to run; omit (or 'list') to list them"),
    fmt: str = typer.Option("table", "--format", help="table, csv or json"),
) -> None:
    """Run a named query: coprod query cases-by-country --country GBR [--limit N --offset M]."""
    raise typer.Exit(query_command(name, list(ctx.args), fmt))
