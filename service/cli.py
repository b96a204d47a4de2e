"""The `coprod` command: build, load, serve, validate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ingest.build import BuildFailed, build
from ontology.errors import CoprodError, InputError
from service.settings import Settings, get_settings

app = typer.Typer(
    help="coprod: a knowledge graph of user and community coproduction.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        console.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


def _print_problems(problems: list[InputError]) -> None:
    table = Table("file", "line", "record", "field", "value", "problem", title="Problems")
    for p in problems:
        table.add_row(
            p.file or "",
            str(p.line or ""),
            p.record or "",
            p.field or "",
            "" if p.value is None else str(p.value),
            p.message,
        )
    console.print(table)


@app.command("build")
def build_command(
    force: Annotated[bool, typer.Option(help="Rebuild even if the sources are unchanged")] = False,
    load: Annotated[bool, typer.Option(help="Load the result into the configured store")] = True,
) -> None:
    """Read the sources, check them, reason, and write the dataset artefact (then load it)."""
    settings = _settings()
    try:
        result = build(
            settings.sources_dir, settings.artefact_dir, base=settings.base_iri, force=force
        )
    except BuildFailed as exc:
        _print_problems(exc.problems)
        if exc.violations:
            table = Table("record", "field", "value", "problem", title="SHACL violations")
            for v in exc.violations:
                table.add_row(v.record or v.focus, v.field, v.value or "", v.message)
            console.print(table)
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    except CoprodError as exc:
        console.print(f"[red]Build failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    manifest = result.manifest
    if result.skipped:
        console.print(
            f"Sources unchanged: reusing {settings.artefact_dir} ({manifest.triples:,} triples)."
        )
    else:
        table = Table("named graph", "triples", title="Built dataset")
        for name, count in manifest.graphs.items():
            table.add_row(name, f"{count:,}")
        console.print(table)
        timing = ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
        console.print(f"{manifest.triples:,} triples; {timing}")
        for warning in result.warnings:
            console.print(
                f"[yellow]warning[/yellow] {warning.record}: {warning.field}: {warning.message}"
            )
    if load:
        _load(settings, force=not result.skipped)


@app.command("load")
def load_command(
    force: Annotated[bool, typer.Option(help="Reload even if the store holds this build")] = False,
) -> None:
    """Push the built artefact into the configured store, one named graph at a time."""
    _load(_settings(), force=force)


def _load(settings: Settings, *, force: bool) -> None:
    from service.loading import load_artefact
    from service.store import open_store

    try:
        store = open_store(settings)
        try:
            report = load_artefact(store, settings.artefact_dir, force=force)
        finally:
            store.close()
    except CoprodError as exc:
        console.print(f"[red]Load failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    if report.skipped:
        console.print(f"The {settings.store} store already holds this build.")
    else:
        console.print(
            f"Loaded {len(report.graphs)} graphs into the {settings.store} store "
            f"in {report.seconds:.2f}s."
        )


@app.command("serve")
def serve_command(
    host: Annotated[str | None, typer.Option(help="Bind address (COPROD_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (COPROD_PORT)")] = None,
) -> None:
    """Serve the SPARQL endpoint and the API."""
    import uvicorn

    from service.app import create_app

    settings = _settings()
    host = host or settings.host
    port = port or settings.port
    try:
        application = create_app(settings)
    except CoprodError as exc:
        console.print(f"[red]Cannot start:[/red] {exc}")
        raise typer.Exit(1) from exc
    root = f"http://{host}:{port}"
    console.print(f"coprod on {root}  (store: {settings.store})")
    console.print(f"  SPARQL endpoint   {root}/sparql")
    console.print(f"  try               {root}/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D")
    console.print(f"  API docs          {root}/docs")
    console.print(f"  health            {root}/health")
    uvicorn.run(application, host=host, port=port, log_level="info")


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(help="Source files to check")],
) -> None:
    """Check source files and print every problem; exit 1 when there is any."""
    from ingest.sources import READERS

    readers = {".bib": READERS["bibtex"], ".csv": READERS["cases-csv"]}
    problems: list[InputError] = []
    count = 0
    for path in files:
        reader = readers.get(path.suffix.lower())
        if reader is None:
            problems.append(InputError("unsupported file type", file=str(path)))
            continue
        result = reader(path)
        count += len(result.records)
        problems.extend(result.problems)
    if problems:
        _print_problems(problems)
    console.print(f"{count} records read, {len(problems)} problems.")
    raise typer.Exit(1 if problems else 0)


if __name__ == "__main__":
    app()
