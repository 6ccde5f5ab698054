"""The ``dupfind`` command line: a thin layer that parses options, calls the Python API and
renders the result. Exit codes (stable, as in ruff): 0 success, 1 duplicates found when
``--fail-on-duplicates`` is given, 2 usage or input error.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from enum import Enum
from typing import Annotated

import typer
from rich.console import Console

from dupfind import __version__
from dupfind.align import align
from dupfind.diffs import align_cluster
from dupfind.diffview import render_alignment
from dupfind.documents import Document, Problem
from dupfind.output import diff_to_dict, to_json, to_ndjson_lines
from dupfind.pipeline import ScanOptions, compare, scan
from dupfind.render import render_pair_header, render_scan
from dupfind.sources import DEFAULT_INCLUDE, SourceError, check_paths, read_file

EXIT_OK = 0
EXIT_DUPLICATES = 1
EXIT_ERROR = 2

app = typer.Typer(
    name="dupfind",
    help="Find near-duplicate news articles: syndicated copies of one report, clustered.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_DEFAULTS = ScanOptions()


class OutputFormat(str, Enum):
    rich = "rich"
    json = "json"
    ndjson = "ndjson"


class DiffFormat(str, Enum):
    rich = "rich"
    json = "json"


class ColorChoice(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class UserError(Exception):
    """An input or usage problem reported as one line and exit code 2."""


def _stdout_console(color: ColorChoice) -> Console:
    if color is ColorChoice.always:
        return Console(force_terminal=True, no_color=False, highlight=False)
    if color is ColorChoice.never:
        return Console(no_color=True, highlight=False, color_system=None)
    return Console(highlight=False)


def _stderr_console(color: ColorChoice) -> Console:
    no_color = color is ColorChoice.never or None
    return Console(stderr=True, highlight=False, no_color=no_color, soft_wrap=True)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"dupfind {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Find near-duplicate news articles: syndicated copies of one report, clustered."""


_INPUT, _OUTPUT, _MATCHING = "Input", "Output", "Matching"


@app.command("scan")
def scan_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files and folders to scan (folders recursively); '-' reads newline-separated "
            "paths from stdin.",
            show_default=False,
        ),
    ],
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include",
            "-i",
            metavar="GLOB",
            rich_help_panel=_INPUT,
            show_default=False,
            help="Read files in folders that match GLOB (repeatable; replaces the default "
            f"{' '.join(DEFAULT_INCLUDE)}).",
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            "-e",
            metavar="GLOB",
            rich_help_panel=_INPUT,
            show_default=False,
            help="Skip files or folders that match GLOB (repeatable).",
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            rich_help_panel=_INPUT,
            help="Exit 2 at an unreadable file instead of reporting and skipping it.",
        ),
    ] = False,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", rich_help_panel=_OUTPUT, help="Output format."),
    ] = OutputFormat.rich,
    fail_on_duplicates: Annotated[
        bool,
        typer.Option(
            "--fail-on-duplicates",
            rich_help_panel=_OUTPUT,
            help="Exit with code 1 when any cluster is found (for CI).",
        ),
    ] = False,
    diff: Annotated[
        bool | None,
        typer.Option(
            "--diff/--no-diff",
            rich_help_panel=_OUTPUT,
            show_default=False,
            help="Align each copy with its cluster's canonical member: divergent passages in "
            "the terminal (on by default), passages in JSON (alignment summaries are always "
            "there unless --no-diff).",
        ),
    ] = None,
    diff_context: Annotated[
        int,
        typer.Option(
            "--diff-context",
            min=0,
            metavar="N",
            rich_help_panel=_OUTPUT,
            help="Shared passages to show around each change.",
        ),
    ] = 0,
    timings: Annotated[
        bool,
        typer.Option(
            "--timings",
            rich_help_panel=_OUTPUT,
            help="Add elapsed seconds to JSON (off: output reproducible byte for byte).",
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", rich_help_panel=_OUTPUT, help="Print no warnings on stderr."),
    ] = False,
    color: Annotated[
        ColorChoice,
        typer.Option("--color", rich_help_panel=_OUTPUT, help="When to use colour."),
    ] = ColorChoice.auto,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            "-t",
            min=0.0,
            max=1.0,
            rich_help_panel=_MATCHING,
            help="Exact word-shingle Jaccard at or above which two documents are copies.",
        ),
    ] = _DEFAULTS.jaccard_threshold,
    containment: Annotated[
        float,
        typer.Option(
            "--containment",
            "-c",
            min=0.0,
            max=1.0,
            rich_help_panel=_MATCHING,
            help="Shared shingles / shingles of the shorter document at or above which a "
            "trimmed or padded copy is a copy.",
        ),
    ] = _DEFAULTS.containment_threshold,
    min_shared: Annotated[
        int,
        typer.Option(
            "--min-shared",
            min=1,
            rich_help_panel=_MATCHING,
            help="Shingles two documents must share before --containment applies.",
        ),
    ] = _DEFAULTS.min_shared_shingles,
    shingle_size: Annotated[
        int,
        typer.Option(
            "--shingle-size", "-k", min=1, rich_help_panel=_MATCHING, help="Words per shingle."
        ),
    ] = _DEFAULTS.shingle_size,
    num_perm: Annotated[
        int,
        typer.Option(
            "--num-perm",
            min=2,
            rich_help_panel=_MATCHING,
            help="MinHash permutations per signature.",
        ),
    ] = _DEFAULTS.num_perm,
    lsh_threshold: Annotated[
        float,
        typer.Option(
            "--lsh-threshold",
            min=0.01,
            max=0.99,
            rich_help_panel=_MATCHING,
            help="Estimated Jaccard around which LSH proposes candidate pairs (lower finds "
            "more and costs more verification).",
        ),
    ] = _DEFAULTS.lsh_threshold,
    seed: Annotated[
        int, typer.Option("--seed", rich_help_panel=_MATCHING, help="MinHash permutation seed.")
    ] = _DEFAULTS.seed,
) -> int:
    """Find and cluster near-duplicate articles in files and folders."""
    stderr = _stderr_console(color)
    try:
        options = ScanOptions(
            shingle_size=shingle_size,
            num_perm=num_perm,
            lsh_threshold=lsh_threshold,
            jaccard_threshold=threshold,
            containment_threshold=containment,
            min_shared_shingles=min_shared,
            seed=seed,
        )
    except ValueError as error:
        raise UserError(str(error)) from error

    def report(problem: Problem) -> None:
        if problem.fatal and strict:
            raise UserError(str(problem))
        if not quiet:
            level = "error" if problem.fatal else "warning"
            stderr.print(f"dupfind: {level}: {problem}", markup=False)

    try:
        result = scan(
            paths,
            options,
            include=tuple(include) if include else DEFAULT_INCLUDE,
            exclude=tuple(exclude or ()),
            stdin=sys.stdin,
            on_problem=report,
        )
    except SourceError as error:
        raise UserError(str(error)) from error
    if result.stats.documents == 0:
        raise UserError("no readable documents in " + ", ".join(paths))

    aligner = None if diff is False else align_cluster
    passages = bool(diff)
    if output_format is OutputFormat.json:
        text = to_json(result, aligner=aligner, passages=passages, timings=timings)
        sys.stdout.write(text + "\n")
    elif output_format is OutputFormat.ndjson:
        for line in to_ndjson_lines(result, aligner=aligner, passages=passages, timings=timings):
            sys.stdout.write(line + "\n")
    else:
        render_scan(result, _stdout_console(color), aligner, diff_context)
    sys.stdout.flush()
    return EXIT_DUPLICATES if fail_on_duplicates and result.clusters else EXIT_OK


def _read_one(path: str) -> Document:
    """Read the single document of a file named on the command line, or raise a UserError."""
    missing = check_paths([path], stdin_ok=False)
    if missing:
        raise UserError(str(missing[0]))
    problems: list[Problem] = []
    documents = list(read_file(path, path, on_problem=problems.append))
    fatal = [p for p in problems if p.fatal]
    if fatal or not documents:
        raise UserError(str(fatal[0]) if fatal else f"{path}: no document in file")
    for problem in problems:
        sys.stderr.write(f"dupfind: warning: {problem}\n")
    return documents[0]


@app.command("diff")
def diff_command(
    canonical_path: Annotated[
        str, typer.Argument(metavar="A", help="The reference text (e.g. the wire original).")
    ],
    copy_path: Annotated[str, typer.Argument(metavar="B", help="The copy to compare with A.")],
    output_format: Annotated[
        DiffFormat,
        typer.Option(
            "--format",
            "-f",
            help="rich: the divergent passages; json: the whole alignment with offsets.",
        ),
    ] = DiffFormat.rich,
    diff_context: Annotated[
        int,
        typer.Option("--diff-context", min=0, metavar="N", help="Shared passages around changes."),
    ] = 0,
    shingle_size: Annotated[
        int, typer.Option("--shingle-size", "-k", min=1, help="Words per shingle.")
    ] = _DEFAULTS.shingle_size,
    color: Annotated[
        ColorChoice, typer.Option("--color", help="When to use colour.")
    ] = ColorChoice.auto,
) -> int:
    """Show what B changed from A: passages shared, changed, added (in B) and removed (from A)."""
    canonical, copy = _read_one(canonical_path), _read_one(copy_path)
    options = ScanOptions(shingle_size=shingle_size)
    scores, is_copy = compare(canonical.text, copy.text, options)
    alignment = align(canonical.text, copy.text)
    if output_format is DiffFormat.json:
        document = diff_to_dict(canonical, copy, scores, is_copy, alignment, options)
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    console = _stdout_console(color)
    console.print(render_pair_header(canonical, copy, scores, is_copy, alignment))
    console.print(render_alignment(alignment, context=diff_context))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and turn every failure into one line and an exit code."""
    try:
        code = app(args=argv, prog_name="dupfind", standalone_mode=False)
    except UserError as error:
        _fail(str(error))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        if error.errno == errno.EPIPE:
            # The reader (``| head``) went away: stop quietly, as ripgrep does.
            _silence_stdout()
            return EXIT_OK
        _fail(str(error))
        return EXIT_ERROR
    except Exception as error:  # one line, never a traceback (see DUPFIND_TRACEBACK)
        if _is_usage_error(error):
            message = error.format_message()  # type: ignore[attr-defined]
            context = getattr(error, "ctx", None)
            if message:  # empty when the help was printed instead (no arguments at all)
                hint = f" (see '{context.command_path} --help')" if context else ""
                _fail(f"{message}{hint}")
            return EXIT_ERROR
        if type(error).__name__ == "Abort":
            return 130
        if os.environ.get("DUPFIND_TRACEBACK"):
            raise
        _fail(
            f"internal error: {type(error).__name__}: {error} "
            "(set DUPFIND_TRACEBACK=1 for details and please report it)"
        )
        return EXIT_ERROR
    return code if isinstance(code, int) else EXIT_OK


def _is_usage_error(error: Exception) -> bool:
    """Typer's parser errors (its vendored click exceptions) carry a message and an exit code."""
    return hasattr(error, "format_message") and hasattr(error, "exit_code")


def _fail(message: str) -> None:
    sys.stderr.write(f"dupfind: error: {message}\n")
    sys.stderr.flush()


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
