"""The `coprod` command: build, load, serve, validate, import, export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rdflib import Graph
from rich.console import Console
from rich.table import Table

from ingest.build import BuildFailed, build
from ingest.importing import ImportPlan
from ingest.report import ReportRow
from ontology.errors import CoprodError, InputError
from ontology.validate import Violation
from service import cli_query
from service.settings import Settings, get_settings

app = typer.Typer(
    help="coprod: a knowledge graph of user and community coproduction.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)
app.add_typer(cli_query.app)


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
        steps = ("read", "map", "validate", "reason", "write", "total")
        timing = ", ".join(f"{k} {result.timings[k]:.2f}s" for k in steps if k in result.timings)
        console.print(f"{manifest.triples:,} triples; {timing}")
        _print_warnings(result.warnings)
        _print_unmapped(result.unmapped, settings.artefact_dir)
    if load:
        _load(settings, force=not result.skipped)


def _print_warnings(warnings: list[Violation], examples: int = 3) -> None:
    """Warnings grouped by field and message, with a few records each."""
    groups: dict[tuple[str, str], list[str]] = {}
    for warning in warnings:
        groups.setdefault((warning.field, warning.message), []).append(warning.record)
    for (field, message), records in sorted(groups.items()):
        shown = ", ".join(records[:examples]) + (
            f" and {len(records) - examples} more" if len(records) > examples else ""
        )
        console.print(f"[yellow]warning[/yellow] {field}: {message} ({shown})")
    if warnings:
        console.print("Warnings do not block the build; `coprod validate FILE` lists them all.")


def _print_unmapped(rows: list[dict[str, str]], folder: Path) -> None:
    """What did not map, per source file, entity and field (details in unmapped.csv)."""
    if not rows:
        return
    summary: dict[tuple[str, str, str], list[int]] = {}
    for row in rows:
        counts = summary.setdefault((Path(row["file"]).name, row["entity"], row["field"]), [0, 0])
        counts[0] += 1
        counts[1] += int(row["count"])
    table = Table("file", "entity", "field", "distinct values", "occurrences",
                  title="Participedia values kept as literals (no coprod concept matches)")
    for (file, entity, name), (distinct, total) in sorted(summary.items()):
        table.add_row(file, entity, name, str(distinct), str(total))
    console.print(table)
    for row in rows:
        if row["field"] == "country":
            console.print(
                f"country not in the EU table: {row['value']!r} (records {row['records']})"
            )
    console.print(f"Every value, with record ids: {folder / 'unmapped.csv'}")


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
        # Loading writes to disk; copying the old store into memory first would only cost time.
        store = open_store(
            settings.model_copy(update={"store_memory": "disk", "store_in_memory": False})
        )
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
    from service.importer import remove_serve_file, write_serve_file

    if settings.store == "embedded":
        # `coprod import` reads this to send its writes here instead of opening the store.
        write_serve_file(settings.data_dir, root)
    console.print(f"  web pages         {root}/  (matrix: {root}/typology)")
    console.print(f"  SPARQL endpoint   {root}/sparql  (editor: {root}/query)")
    console.print(f"  try               {root}/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D")
    console.print(f"  API docs          {root}/docs")
    console.print(f"  health            {root}/health")
    try:
        uvicorn.run(
            application, host=host, port=port, log_level="info", access_log=settings.access_log
        )
    finally:
        remove_serve_file(settings.data_dir)


@app.command("dump")
def dump_command(
    file: Annotated[Path, typer.Argument(help="Where to write the dump (gzipped N-Quads)")],
) -> None:
    """Write every graph of the configured store to FILE (gzipped N-Quads)."""
    from service.backup import dump
    from service.store import open_store

    settings = _settings()
    try:
        store = open_store(settings)
        try:
            report = dump(store, file)
        finally:
            store.close()
    except CoprodError as exc:
        console.print(f"[red]Dump failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"Wrote {len(report.graphs)} graphs, {report.triples:,} triples to {file}.")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A dump written by `coprod dump`")],
    replace: Annotated[
        bool, typer.Option(help="Restore into a store that holds data, replacing its graphs")
    ] = False,
) -> None:
    """Load a dump into the configured (empty) store, each graph replaced atomically."""
    from service.backup import restore
    from service.store import open_store

    settings = _settings()
    try:
        store = open_store(settings)
        try:
            report = restore(store, file, replace=replace)
        finally:
            store.close()
    except CoprodError as exc:
        console.print(f"[red]Restore failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(
        f"Restored {len(report.graphs)} graphs, {report.triples:,} triples from {file}."
    )


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(help="Source files or Participedia folders")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="Reader, when the extension does not tell")
    ] = None,
    report: Annotated[str, typer.Option(help="Report as table, csv or html")] = "table",
    output: Annotated[Path | None, typer.Option(help="Write the report to this file")] = None,
) -> None:
    """Check files with the readers and the SHACL shapes; exit 1 when there is an error."""
    from ingest.importing import plan_problems
    from ingest.report import has_errors, to_csv, to_html

    if report not in ("table", "csv", "html"):
        console.print("[red]--report must be table, csv or html[/red]")
        raise typer.Exit(2)
    settings = _settings()
    rows: list[ReportRow] = []
    count = 0
    for path in _progress(files, "Checking"):
        read, found = plan_problems(path, fmt=fmt, authorities=settings.sources_dir / "authorities")
        count += read
        rows.extend(found)
    if report == "table":
        _print_rows(rows)
        text = None
    else:
        text = to_csv(rows) if report == "csv" else to_html(rows)
    if text is not None:
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
    errors = sum(r.severity == "error" for r in rows)
    console.print(f"{count} records read, {errors} errors, {len(rows) - errors} warnings.")
    raise typer.Exit(1 if has_errors(rows) else 0)


def _print_rows(rows: list[ReportRow]) -> None:
    if not rows:
        return
    table = Table(
        "severity", "file", "line", "record", "field", "value", "expected", title="Report"
    )
    for r in rows:
        table.add_row(r.severity, r.file, r.line, r.record, r.field, r.value[:80], r.expected)
    console.print(table)


def _progress(items: list[Path], label: str) -> list[Path]:
    from rich.progress import track

    if len(items) < 2:
        return items
    return list(track(items, description=label, console=console))


@app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="Files (or Participedia folders) to load")],
    name: Annotated[
        str | None, typer.Option(help="Graph name (default: the file name); one file only")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="Reader to use")] = None,
    quarantine: Annotated[
        Path | None, typer.Option(help="Load the valid records; write the rest here with reasons")
    ] = None,
    agent: Annotated[str | None, typer.Option(help="Who imports (default: the OS user)")] = None,
    license: Annotated[str | None, typer.Option(help="Licence IRI of the imported data")] = None,
) -> None:
    """Load files into the store, one named graph each, atomically; same file again: no change."""
    from ingest.importing import plan_import, write_quarantine
    from ingest.report import has_errors
    from service.importer import apply, known_works, open_target

    if name and len(files) > 1:
        console.print("[red]--name needs exactly one file[/red]")
        raise typer.Exit(2)
    settings = _settings()
    authorities = settings.sources_dir / "authorities"
    countries, cofog = _authorities(authorities)
    try:
        target = open_target(settings)
        known = known_works(target, settings.base_iri)
    except CoprodError as exc:
        console.print(f"[red]Import failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    plans: list[ImportPlan] = []
    for path in _progress(files, "Reading and checking"):
        try:
            plans.append(
                plan_import(
                    path, base=settings.base_iri, name=name, fmt=fmt, license=license,
                    agent=agent, quarantine=quarantine is not None,
                    countries=countries, cofog=cofog, known_works=known,
                )
            )
        except CoprodError as exc:
            target.close()
            console.print(f"[red]Import failed:[/red] {path}: {exc}")
            raise typer.Exit(1) from exc
    rows = [row for plan in plans for row in plan.rows if row.severity == "error"]
    if has_errors(rows):
        target.close()
        _print_rows(rows)
        console.print(f"[red]{len(rows)} errors: nothing was written.[/red]")
        raise typer.Exit(1)
    if quarantine is not None:
        count = write_quarantine(quarantine, plans)
        console.print(f"{count} records set aside in {quarantine}.")
    try:
        for plan in _progress_plans(plans):
            outcome = apply(target, plan, settings.base_iri)
            console.print(
                f"{plan.file}: {plan.records} records, {outcome.reason} ({target.description})"
            )
    except CoprodError as exc:
        console.print(f"[red]Import failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        target.close()


def _progress_plans(plans: list[ImportPlan]) -> list[ImportPlan]:
    from rich.progress import track

    if len(plans) < 2:
        return plans
    return list(track(plans, description="Writing", console=console))


def _authorities(folder: Path) -> tuple[Graph | None, Graph | None]:
    from rdflib import Graph as RDFGraph

    graphs: list[Graph | None] = []
    for file in ("countries-skos-en.ttl", "cofog.ttl"):
        path = folder / file
        if not path.exists():
            graphs.append(None)
            continue
        graph = RDFGraph()
        graph.parse(path, format="turtle")
        graphs.append(graph)
    return graphs[0], graphs[1]


@app.command("export")
def export_command(
    what: Annotated[str, typer.Argument(help="works or cases")],
    fmt: Annotated[str, typer.Option("--format", help="bibtex, ris, csl-json or csv")] = "csv",
    no_nc: Annotated[
        bool, typer.Option("--no-nc", help="Leave out non-commercial (Participedia) graphs")
    ] = False,
    iri: Annotated[str | None, typer.Option(help="Only this record")] = None,
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout")] = None,
) -> None:
    """Export works (BibTeX, RIS, CSL-JSON, CSV) or cases (CSV) from the configured store."""
    from service.importer import export_records
    from service.store import open_store

    if what not in ("works", "cases"):
        console.print("[red]export works or cases[/red]")
        raise typer.Exit(2)
    settings = _settings()
    try:
        store = open_store(settings)
        try:
            _, text = export_records(
                store, settings.base_iri, what=what, fmt=fmt, no_nc=no_nc, iri=iri
            )
        finally:
            store.close()
    except CoprodError as exc:
        console.print(f"[red]Export failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    app()
