"""The ``dupfind`` command line: a thin layer that parses options, calls the Python API and
renders the result. Exit codes (stable, as in ruff): 0 success, 1 duplicates found when
``--fail-on-duplicates`` is given, 2 usage or input error.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from collections.abc import Iterator
from enum import Enum
from functools import partial
from typing import Annotated

import typer
from rich.console import Console

from dupfind import __version__
from dupfind.align import align
from dupfind.check import add_documents, check, match_aligner, params_for
from dupfind.check import update as update_index
from dupfind.diffs import align_cluster, reread_text
from dupfind.diffview import render_alignment
from dupfind.documents import Document, Problem
from dupfind.evaluation import SWEEP_GRID, LabelsError, evaluate, load_labels, run_sweep
from dupfind.executor import default_jobs
from dupfind.index import DEFAULT_INDEX, IndexStoreError, SQLiteIndex
from dupfind.output import (
    check_ndjson_lines,
    check_to_dict,
    diff_to_dict,
    evaluation_to_dict,
    github_lines,
    index_stats_to_dict,
    json_chunks,
    to_ndjson_lines,
)
from dupfind.pipeline import Member, ScanOptions, compare, files_reader, prepare, scan
from dupfind.progress import for_stderr
from dupfind.render import (
    render_check,
    render_evaluation,
    render_index_stats,
    render_pair_header,
    render_scan,
    render_sweep,
)
from dupfind.sources import (
    DEFAULT_INCLUDE,
    InputFormat,
    ReadOptions,
    SourceError,
    check_paths,
    iter_documents,
    read_file,
)

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


def _matching(*names: str, help: str, **limits: float) -> typer.models.OptionInfo:
    return typer.Option(*names, rich_help_panel=_MATCHING, help=help, **limits)


# The decision rule's options, shared by every command that clusters (see verify.py).
ThresholdOption = Annotated[
    float,
    _matching(
        "--threshold",
        "-t",
        min=0.1,
        max=1.0,
        help="Word-shingle Jaccard at or above which aligned texts are copies.",
    ),
]
ContainmentOption = Annotated[
    float,
    _matching(
        "--containment",
        "-c",
        min=0.1,
        max=1.0,
        help="Shared shingles / shingles of the shorter text at or above which a trimmed or "
        "padded copy is a copy.",
    ),
]
MinSharedOption = Annotated[
    int,
    _matching("--min-shared", min=1, help="Shingles two texts must share for --containment."),
]
MinSentencesOption = Annotated[
    int,
    _matching(
        "--min-sentences",
        min=1,
        help="Verbatim sentences (6+ words) that make a copy with --sentence-containment.",
    ),
]
SentenceContainmentOption = Annotated[
    float,
    _matching(
        "--sentence-containment",
        min=0.1,
        max=1.0,
        help="Containment needed together with --min-sentences shared sentences.",
    ),
]
MinSpreadOption = Annotated[
    int,
    _matching(
        "--min-spread",
        min=0,
        max=4,
        help="Quarters of the shorter text the shared passages must reach (not only its top "
        "or bottom furniture).",
    ),
]
MergeSupportOption = Annotated[
    float,
    _matching(
        "--merge-support",
        min=0.0,
        max=1.0,
        help="Share of pairs between two groups that must be copies for the groups to merge "
        "(0 = plain union-find).",
    ),
]
MinWordsOption = Annotated[
    int,
    _matching(
        "--min-words",
        min=0,
        help="Words (boilerplate left out) below which a document is too short to cluster: "
        "captcha pages, cookie walls.",
    ),
]
AnywhereOption = Annotated[
    bool,
    _matching(
        "--anywhere",
        help="Accept shared text anywhere in the texts, not only from their tops: for text "
        "reuse such as quotations lifted from a source (syndicated copies keep the lead).",
    ),
]
KeepBoilerplateOption = Annotated[
    bool,
    _matching(
        "--keep-boilerplate",
        help="Do not learn and leave out the lines that recur across unrelated documents.",
    ),
]
BoilerplateSpreadOption = Annotated[
    int,
    _matching(
        "--boilerplate-spread",
        min=2,
        help="Unrelated clusters a line must appear in to count as boilerplate.",
    ),
]
ShingleSizeOption = Annotated[
    int, _matching("--shingle-size", "-k", min=1, help="Words per shingle.")
]
NumPermOption = Annotated[
    int, _matching("--num-perm", min=2, help="MinHash permutations per signature.")
]
LshThresholdOption = Annotated[
    float,
    _matching(
        "--lsh-threshold",
        min=0.01,
        max=0.99,
        help="Estimated Jaccard around which LSH proposes candidate pairs (lower finds more "
        "and verifies more).",
    ),
]
SeedOption = Annotated[int, _matching("--seed", help="MinHash permutation seed.")]


def _scan_options(
    *,
    threshold: float,
    containment: float,
    min_shared: int,
    min_sentences: int,
    sentence_containment: float,
    min_spread: int,
    merge_support: float,
    min_words: int,
    anywhere: bool,
    keep_boilerplate: bool,
    boilerplate_spread: int,
    shingle_size: int,
    num_perm: int,
    lsh_threshold: float,
    seed: int,
) -> ScanOptions:
    """The options of the matching panel as :class:`ScanOptions` (errors as UserError)."""
    try:
        return ScanOptions(
            shingle_size=shingle_size,
            num_perm=num_perm,
            lsh_threshold=lsh_threshold,
            jaccard_threshold=threshold,
            containment_threshold=containment,
            min_shared_shingles=min_shared,
            min_shared_sentences=min_sentences,
            sentence_containment=sentence_containment,
            min_spread=min_spread,
            merge_support=merge_support,
            min_words=min_words,
            require_alignment=not anywhere,
            learn_boilerplate=not keep_boilerplate,
            boilerplate_spread=boilerplate_spread,
            seed=seed,
        )
    except ValueError as error:
        raise UserError(str(error)) from error


@app.command("scan")
def scan_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files and folders to scan (folders recursively); '-' reads newline-separated "
            "paths from stdin, or with --input-format reads stdin itself as documents in "
            "that format.",
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
    input_format: Annotated[
        InputFormat | None,
        typer.Option(
            "--input-format",
            rich_help_panel=_INPUT,
            show_default=False,
            case_sensitive=False,
            help="Read every file, and stdin given as '-', in this format instead of choosing "
            "by extension (.txt text, .md markdown, .html/.htm html, .jsonl/.ndjson jsonl, "
            ".json json, .rss/.atom/.xml feed; .gz decompressed). 'feed' (alias rss, atom) "
            "reads RSS, Atom or JSON Feed; jsonl and json read one record per line or array "
            "element. Example: cat dump.jsonl | dupfind scan - --input-format jsonl",
        ),
    ] = None,
    id_field: Annotated[
        str,
        typer.Option(
            "--id-field",
            metavar="FIELD",
            rich_help_panel=_INPUT,
            help="JSON record field holding the id (dotted path for nested fields); records "
            "without it are numbered by line or index.",
        ),
    ] = "id",
    text_field: Annotated[
        str,
        typer.Option(
            "--text-field",
            metavar="FIELD",
            rich_help_panel=_INPUT,
            help="JSON record field holding the article text (HTML is converted to text).",
        ),
    ] = "text",
    title_field: Annotated[
        str,
        typer.Option(
            "--title-field",
            metavar="FIELD",
            rich_help_panel=_INPUT,
            help="JSON record field holding the title.",
        ),
    ] = "title",
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
        typer.Option(
            "--quiet",
            "-q",
            rich_help_panel=_OUTPUT,
            help="Print no warnings or progress on stderr.",
        ),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=0,
            metavar="N",
            rich_help_panel=_INPUT,
            help="Worker processes for reading, signing and verifying (0: all cores).",
        ),
    ] = 0,
    color: Annotated[
        ColorChoice,
        typer.Option("--color", rich_help_panel=_OUTPUT, help="When to use colour."),
    ] = ColorChoice.auto,
    threshold: ThresholdOption = _DEFAULTS.jaccard_threshold,
    containment: ContainmentOption = _DEFAULTS.containment_threshold,
    min_shared: MinSharedOption = _DEFAULTS.min_shared_shingles,
    min_sentences: MinSentencesOption = _DEFAULTS.min_shared_sentences,
    sentence_containment: SentenceContainmentOption = _DEFAULTS.sentence_containment,
    min_spread: MinSpreadOption = _DEFAULTS.min_spread,
    merge_support: MergeSupportOption = _DEFAULTS.merge_support,
    min_words: MinWordsOption = _DEFAULTS.min_words,
    anywhere: AnywhereOption = False,
    keep_boilerplate: KeepBoilerplateOption = False,
    boilerplate_spread: BoilerplateSpreadOption = _DEFAULTS.boilerplate_spread,
    shingle_size: ShingleSizeOption = _DEFAULTS.shingle_size,
    num_perm: NumPermOption = _DEFAULTS.num_perm,
    lsh_threshold: LshThresholdOption = _DEFAULTS.lsh_threshold,
    seed: SeedOption = _DEFAULTS.seed,
) -> int:
    """Find and cluster near-duplicate articles in files and folders."""
    stderr = _stderr_console(color)
    options = _scan_options(
        threshold=threshold,
        containment=containment,
        min_shared=min_shared,
        min_sentences=min_sentences,
        sentence_containment=sentence_containment,
        min_spread=min_spread,
        merge_support=merge_support,
        min_words=min_words,
        anywhere=anywhere,
        keep_boilerplate=keep_boilerplate,
        boilerplate_spread=boilerplate_spread,
        shingle_size=shingle_size,
        num_perm=num_perm,
        lsh_threshold=lsh_threshold,
        seed=seed,
    )

    def report(problem: Problem) -> None:
        if problem.fatal and strict:
            raise UserError(str(problem))
        if not quiet:
            level = "error" if problem.fatal else "warning"
            stderr.print(f"dupfind: {level}: {problem}", markup=False)

    try:
        read_options = ReadOptions(input_format, id_field, text_field, title_field)
    except ValueError as error:
        raise UserError(str(error)) from error
    try:
        result = scan(
            paths,
            options,
            include=tuple(include) if include else DEFAULT_INCLUDE,
            exclude=tuple(exclude or ()),
            stdin=sys.stdin,
            on_problem=report,
            read_options=read_options,
            jobs=jobs or default_jobs(),
            progress=for_stderr(quiet),
        )
    except SourceError as error:
        raise UserError(str(error)) from error
    if result.stats.documents == 0:
        raise UserError("no readable documents in " + ", ".join(paths))

    def load_text(member: Member) -> str:
        return reread_text(member, read_options)

    aligner = None if diff is False else partial(align_cluster, load_text=load_text)
    passages = bool(diff)
    if output_format is OutputFormat.json:
        for chunk in json_chunks(result, aligner=aligner, passages=passages, timings=timings):
            sys.stdout.write(chunk)
        sys.stdout.write("\n")
    elif output_format is OutputFormat.ndjson:
        for line in to_ndjson_lines(result, aligner=aligner, passages=passages, timings=timings):
            sys.stdout.write(line + "\n")
    else:
        render_scan(result, _stdout_console(color), aligner, diff_context)
    sys.stdout.flush()
    return EXIT_DUPLICATES if fail_on_duplicates and result.clusters else EXIT_OK


@app.command("eval")
def eval_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="The labelled corpus: files and folders, as for scan.", show_default=False
        ),
    ],
    labels: Annotated[
        str,
        typer.Option(
            "--labels",
            "-l",
            metavar="FILE",
            show_default=False,
            help='Gold clusters: {"clusters": [[id, ...], ...]}; ids as scan makes them, with '
            "or without the file extension.",
        ),
    ],
    show_errors: Annotated[
        bool,
        typer.Option("--show-errors", help="List false merges and missed pairs with evidence."),
    ] = False,
    max_errors: Annotated[
        int, typer.Option("--max-errors", min=1, metavar="N", help="Errors listed of each kind.")
    ] = 20,
    sweep: Annotated[
        bool,
        typer.Option(
            "--sweep", help="Score a grid of decision-rule parameters to choose defaults."
        ),
    ] = False,
    output_format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.rich,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", "-i", metavar="GLOB", show_default=False, help="As for scan."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no warnings.")] = False,
    color: Annotated[ColorChoice, typer.Option("--color", help="When to use colour.")] = (
        ColorChoice.auto
    ),
    threshold: ThresholdOption = _DEFAULTS.jaccard_threshold,
    containment: ContainmentOption = _DEFAULTS.containment_threshold,
    min_shared: MinSharedOption = _DEFAULTS.min_shared_shingles,
    min_sentences: MinSentencesOption = _DEFAULTS.min_shared_sentences,
    sentence_containment: SentenceContainmentOption = _DEFAULTS.sentence_containment,
    min_spread: MinSpreadOption = _DEFAULTS.min_spread,
    merge_support: MergeSupportOption = _DEFAULTS.merge_support,
    min_words: MinWordsOption = _DEFAULTS.min_words,
    anywhere: AnywhereOption = False,
    keep_boilerplate: KeepBoilerplateOption = False,
    boilerplate_spread: BoilerplateSpreadOption = _DEFAULTS.boilerplate_spread,
    shingle_size: ShingleSizeOption = _DEFAULTS.shingle_size,
    num_perm: NumPermOption = _DEFAULTS.num_perm,
    lsh_threshold: LshThresholdOption = _DEFAULTS.lsh_threshold,
    seed: SeedOption = _DEFAULTS.seed,
) -> int:
    """Score scan's clusters against gold labels: pairwise precision, recall, F1 and ARI."""
    options = _scan_options(
        threshold=threshold,
        containment=containment,
        min_shared=min_shared,
        min_sentences=min_sentences,
        sentence_containment=sentence_containment,
        min_spread=min_spread,
        merge_support=merge_support,
        min_words=min_words,
        anywhere=anywhere,
        keep_boilerplate=keep_boilerplate,
        boilerplate_spread=boilerplate_spread,
        shingle_size=shingle_size,
        num_perm=num_perm,
        lsh_threshold=lsh_threshold,
        seed=seed,
    )
    try:
        gold, label_data = load_labels(labels)
    except LabelsError as error:
        raise UserError(str(error)) from error
    stderr = _stderr_console(color)

    def report(problem: Problem) -> None:
        if not quiet:
            stderr.print(
                f"dupfind: {'error' if problem.fatal else 'warning'}: {problem}", markup=False
            )

    try:
        documents = iter_documents(
            paths, include=tuple(include) if include else DEFAULT_INCLUDE, on_problem=report
        )
        prepared = prepare(documents, options, files_reader())
    except SourceError as error:
        raise UserError(str(error)) from error
    if not prepared.features:
        raise UserError("no readable documents in " + ", ".join(paths))

    def text_of(index: int) -> str:
        return next(text for _, text in files_reader()([index], prepared.infos))

    categories = label_data.get("categories") if isinstance(label_data, dict) else None
    evaluation = evaluate(
        prepared,
        options,
        gold,
        categories=categories if isinstance(categories, dict) else None,
        max_errors=max_errors if show_errors else 0,
        text_of=text_of,
    )
    results = run_sweep(prepared, options, gold) if sweep else None
    if output_format is DiffFormat.json:
        document = evaluation_to_dict(evaluation, options, results)
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    console = _stdout_console(color)
    render_evaluation(evaluation, console)
    if results is not None:
        defaults = {name: getattr(options, name) for name in SWEEP_GRID}
        render_sweep(results, defaults, console)
    return EXIT_OK


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


# ------------------------------------------------------------------------------ index, check
# The persistent index (dupfind.index) and checking new documents against it (dupfind.check).


class CheckFormat(str, Enum):
    rich = "rich"
    json = "json"
    ndjson = "ndjson"
    github = "github"


class UpdateMode(str, Enum):
    never = "never"
    clean = "clean"
    always = "always"


index_app = typer.Typer(
    name="index",
    help="Build and inspect the index of published documents that 'dupfind check' uses.",
    no_args_is_help=True,
)
app.add_typer(index_app, name="index")

IndexPathOption = Annotated[
    str,
    typer.Option(
        "--index",
        metavar="FILE",
        help="The index file (SQLite). Created, with its folders, by 'index add' and "
        "'check --update'; a file that is not a dupfind index is refused, never written.",
    ),
]
IncludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--include",
        "-i",
        metavar="GLOB",
        rich_help_panel=_INPUT,
        show_default=False,
        help="Read files in folders that match GLOB (repeatable; replaces the default).",
    ),
]
ExcludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        "-e",
        metavar="GLOB",
        rich_help_panel=_INPUT,
        show_default=False,
        help="Skip files or folders that match GLOB (repeatable).",
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        rich_help_panel=_INPUT,
        help="Exit 2 at an unreadable file instead of reporting and skipping it.",
    ),
]
InputFormatOption = Annotated[
    InputFormat | None,
    typer.Option(
        "--input-format",
        rich_help_panel=_INPUT,
        show_default=False,
        case_sensitive=False,
        help="Read every file (and stdin given as '-') in this format; as for scan.",
    ),
]
IdFieldOption = Annotated[
    str,
    typer.Option(
        "--id-field", metavar="FIELD", rich_help_panel=_INPUT, help="JSON record id field."
    ),
]
TextFieldOption = Annotated[
    str,
    typer.Option(
        "--text-field", metavar="FIELD", rich_help_panel=_INPUT, help="JSON record text field."
    ),
]
TitleFieldOption = Annotated[
    str,
    typer.Option(
        "--title-field", metavar="FIELD", rich_help_panel=_INPUT, help="JSON record title field."
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", rich_help_panel=_OUTPUT, help="Print no warnings.")
]
ColorOption = Annotated[
    ColorChoice, typer.Option("--color", rich_help_panel=_OUTPUT, help="When to use colour.")
]


def _given_params(**values: int | float | None) -> dict[str, int | float]:
    """Index parameters given on the command line (None: not given, use the index's)."""
    return {name: value for name, value in values.items() if value is not None}


def _open_index(
    path: str, *, create: ScanOptions | None, expect: dict[str, int | float]
) -> SQLiteIndex:
    """Open (or, given ``create``, create) an index; its errors as UserError (exit 2)."""
    try:
        return SQLiteIndex.open(path, create=params_for(create) if create else None, expect=expect)
    except IndexStoreError as error:
        raise UserError(str(error)) from error


def _read_documents(
    paths: list[str],
    *,
    include: list[str] | None,
    exclude: list[str] | None,
    strict: bool,
    quiet: bool,
    read_options: ReadOptions,
    stderr: Console,
    problems: list[Problem],
) -> Iterator[Document]:
    """Documents of the command line's paths, streamed (a missing path fails at once),
    problems reported as scan reports them."""

    def report(problem: Problem) -> None:
        if problem.fatal and strict:
            raise UserError(str(problem))
        problems.append(problem)
        if not quiet:
            level = "error" if problem.fatal else "warning"
            stderr.print(f"dupfind: {level}: {problem}", markup=False)

    try:
        return iter_documents(
            paths,
            include=tuple(include) if include else DEFAULT_INCLUDE,
            exclude=tuple(exclude or ()),
            stdin=sys.stdin,
            options=read_options,
            on_problem=report,
        )
    except SourceError as error:
        raise UserError(str(error)) from error


def _read_options(
    input_format: InputFormat | None, id_field: str, text_field: str, title_field: str
) -> ReadOptions:
    try:
        return ReadOptions(input_format, id_field, text_field, title_field)
    except ValueError as error:
        raise UserError(str(error)) from error


@index_app.command(
    "add",
    help="Add documents to the index in one transaction (unchanged ones skipped, changed ones "
    "replaced).\n\n--shingle-size, --num-perm, --lsh-threshold and --seed apply when the index "
    "is created; later they must match it, or be left out.",
)
def index_add_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files and folders to add (as for scan); ids are paths relative to the folder "
            "argument, so add and check with the same arguments.",
            show_default=False,
        ),
    ],
    index: IndexPathOption = DEFAULT_INDEX,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
    strict: StrictOption = False,
    input_format: InputFormatOption = None,
    id_field: IdFieldOption = "id",
    text_field: TextFieldOption = "text",
    title_field: TitleFieldOption = "title",
    quiet: QuietOption = False,
    color: ColorOption = ColorChoice.auto,
    keep_boilerplate: KeepBoilerplateOption = False,
    boilerplate_spread: BoilerplateSpreadOption = _DEFAULTS.boilerplate_spread,
    shingle_size: ShingleSizeOption = None,  # type: ignore[assignment]
    num_perm: NumPermOption = None,  # type: ignore[assignment]
    lsh_threshold: LshThresholdOption = None,  # type: ignore[assignment]
    seed: SeedOption = None,  # type: ignore[assignment]
) -> int:
    """Add documents to the index in one transaction (unchanged ones skipped, changed ones
    replaced).

    --shingle-size, --num-perm, --lsh-threshold and --seed apply when the index is created;
    later they must match it, or be left out.
    """
    stderr = _stderr_console(color)
    given = _given_params(
        shingle_size=shingle_size, num_perm=num_perm, lsh_threshold=lsh_threshold, seed=seed
    )
    options = _check_options(keep_boilerplate, boilerplate_spread, given)
    read_options = _read_options(input_format, id_field, text_field, title_field)
    problems: list[Problem] = []
    documents = _read_documents(
        paths,
        include=include,
        exclude=exclude,
        strict=strict,
        quiet=quiet,
        read_options=read_options,
        stderr=stderr,
        problems=problems,
    )
    with _open_index(index, create=options, expect=given) as store:
        try:
            result = add_documents(documents, store, options)
            total = store.count()
        except IndexStoreError as error:
            raise UserError(str(error)) from error
    if result.documents == 0:
        raise UserError("no readable documents in " + ", ".join(paths))
    sys.stdout.write(
        f"{index}: {len(result.added)} added, {len(result.replaced)} replaced, "
        f"{result.unchanged} unchanged, {result.boilerplate_added} boilerplate units learned; "
        f"{total} documents\n"
    )
    return EXIT_OK


def _check_options(
    keep_boilerplate: bool,
    boilerplate_spread: int,
    given: dict[str, int | float],
    **rule: float | int | bool,
) -> ScanOptions:
    """ScanOptions for index add and check: the rule options given (defaults otherwise) and
    the index parameters given (defaults otherwise; an existing index's replace them)."""
    values: dict[str, float | int | bool] = {
        "threshold": _DEFAULTS.jaccard_threshold,
        "containment": _DEFAULTS.containment_threshold,
        "min_shared": _DEFAULTS.min_shared_shingles,
        "min_sentences": _DEFAULTS.min_shared_sentences,
        "sentence_containment": _DEFAULTS.sentence_containment,
        "min_spread": _DEFAULTS.min_spread,
        "merge_support": _DEFAULTS.merge_support,
        "min_words": _DEFAULTS.min_words,
        "anywhere": False,
        "shingle_size": _DEFAULTS.shingle_size,
        "num_perm": _DEFAULTS.num_perm,
        "lsh_threshold": _DEFAULTS.lsh_threshold,
        "seed": _DEFAULTS.seed,
        **rule,
        **given,
    }
    return _scan_options(
        keep_boilerplate=keep_boilerplate,
        boilerplate_spread=boilerplate_spread,
        **values,  # type: ignore[arg-type]
    )


@index_app.command("stats", help="Documents, size on disk and parameters of the index.")
def index_stats_command(
    index: IndexPathOption = DEFAULT_INDEX,
    output_format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.rich,
    color: ColorOption = ColorChoice.auto,
) -> int:
    """Documents, size on disk and parameters of the index."""
    with _open_index(index, create=None, expect={}) as store:
        try:
            stats = store.stats()
        except IndexStoreError as error:
            raise UserError(str(error)) from error
    if output_format is DiffFormat.json:
        sys.stdout.write(json.dumps(index_stats_to_dict(stats), indent=2) + "\n")
    else:
        render_index_stats(stats, _stdout_console(color))
    return EXIT_OK


@index_app.command(
    "remove",
    help="Remove documents from the index by id, in one transaction (ids not in it are reported).",
)
def index_remove_command(
    ids: Annotated[list[str], typer.Argument(metavar="ID...", help="Ids of documents to remove.")],
    index: IndexPathOption = DEFAULT_INDEX,
    quiet: QuietOption = False,
) -> int:
    """Remove documents from the index by id (one transaction); ids not in it are reported."""
    with _open_index(index, create=None, expect={}) as store:
        try:
            removed = store.remove(ids)
            total = store.count()
        except IndexStoreError as error:
            raise UserError(str(error)) from error
    for missing in sorted(set(ids) - set(removed)):
        if not quiet:
            sys.stderr.write(f"dupfind: warning: {missing}: not in the index\n")
    sys.stdout.write(f"{index}: {len(removed)} removed; {total} documents\n")
    return EXIT_OK


@app.command(
    "check",
    help="Check new documents against the index and against each other: exit 1 when more than "
    "--max-duplicates of them repeat something.",
)
def check_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="New documents: files and folders (as for scan). Those already indexed with "
            "the same content are skipped.",
            show_default=False,
        ),
    ],
    index: IndexPathOption = DEFAULT_INDEX,
    output_format: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            "-f",
            rich_help_panel=_OUTPUT,
            help="rich, json, ndjson, or github (workflow commands that annotate the pull "
            "request).",
        ),
    ] = CheckFormat.rich,
    max_duplicates: Annotated[
        int,
        typer.Option(
            "--max-duplicates",
            min=0,
            metavar="N",
            rich_help_panel=_OUTPUT,
            help="Duplicate documents allowed before exiting with code 1.",
        ),
    ] = 0,
    update: Annotated[
        UpdateMode,
        typer.Option(
            "--update",
            metavar="[=WHEN]",
            help="Add the checked documents to the index: '--update' after a check that "
            "passes, '--update=always' whatever the result.",
        ),
    ] = UpdateMode.never,
    diff: Annotated[
        bool | None,
        typer.Option(
            "--diff/--no-diff",
            rich_help_panel=_OUTPUT,
            show_default=False,
            help="Divergent passages of each match (terminal: on by default; JSON: passages "
            "with --diff, alignment summaries unless --no-diff).",
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
        typer.Option("--timings", rich_help_panel=_OUTPUT, help="Add elapsed seconds to JSON."),
    ] = False,
    quiet: QuietOption = False,
    color: ColorOption = ColorChoice.auto,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
    strict: StrictOption = False,
    input_format: InputFormatOption = None,
    id_field: IdFieldOption = "id",
    text_field: TextFieldOption = "text",
    title_field: TitleFieldOption = "title",
    threshold: ThresholdOption = _DEFAULTS.jaccard_threshold,
    containment: ContainmentOption = _DEFAULTS.containment_threshold,
    min_shared: MinSharedOption = _DEFAULTS.min_shared_shingles,
    min_sentences: MinSentencesOption = _DEFAULTS.min_shared_sentences,
    sentence_containment: SentenceContainmentOption = _DEFAULTS.sentence_containment,
    min_spread: MinSpreadOption = _DEFAULTS.min_spread,
    merge_support: MergeSupportOption = _DEFAULTS.merge_support,
    min_words: MinWordsOption = _DEFAULTS.min_words,
    anywhere: AnywhereOption = False,
    keep_boilerplate: KeepBoilerplateOption = False,
    boilerplate_spread: BoilerplateSpreadOption = _DEFAULTS.boilerplate_spread,
    shingle_size: ShingleSizeOption = None,  # type: ignore[assignment]
    num_perm: NumPermOption = None,  # type: ignore[assignment]
    lsh_threshold: LshThresholdOption = None,  # type: ignore[assignment]
    seed: SeedOption = None,  # type: ignore[assignment]
) -> int:
    """Check new documents against the index and against each other; exit 1 when more than
    --max-duplicates of them repeat something."""
    stderr = _stderr_console(color)
    given = _given_params(
        shingle_size=shingle_size, num_perm=num_perm, lsh_threshold=lsh_threshold, seed=seed
    )
    options = _check_options(
        keep_boilerplate,
        boilerplate_spread,
        given,
        threshold=threshold,
        containment=containment,
        min_shared=min_shared,
        min_sentences=min_sentences,
        sentence_containment=sentence_containment,
        min_spread=min_spread,
        merge_support=merge_support,
        min_words=min_words,
        anywhere=anywhere,
    )
    read_options = _read_options(input_format, id_field, text_field, title_field)
    store: SQLiteIndex | None = None
    if os.path.exists(index):
        store = _open_index(index, create=None, expect=given)
    elif not quiet:
        stderr.print(
            f"dupfind: warning: {index}: no index yet; checking the documents against each "
            "other only",
            markup=False,
        )
    updated = None
    try:
        problems: list[Problem] = []
        documents = _read_documents(
            paths,
            include=include,
            exclude=exclude,
            strict=strict,
            quiet=quiet,
            read_options=read_options,
            stderr=stderr,
            problems=problems,
        )
        result = check(documents, store, options, problems)
        if result.stats.documents == 0:
            raise UserError("no readable documents in " + ", ".join(paths))
        passed = result.stats.duplicate_documents <= max_duplicates
        if update is UpdateMode.always or (update is UpdateMode.clean and passed):
            if store is None:
                store = _open_index(index, create=options, expect=given)
            updated = update_index(result, store)
    except IndexStoreError as error:
        raise UserError(str(error)) from error
    finally:
        if store is not None:
            store.close()
    aligner = None if diff is False else match_aligner(result, read_options)
    if output_format is CheckFormat.github:
        for line in github_lines(result, max_duplicates):
            sys.stdout.write(line + "\n")
    elif output_format is CheckFormat.json:
        document = check_to_dict(
            result,
            index_path=index,
            max_duplicates=max_duplicates,
            updated=updated,
            aligner=aligner,
            passages=bool(diff),
            timings=timings,
        )
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    elif output_format is CheckFormat.ndjson:
        for line in check_ndjson_lines(
            result,
            index_path=index,
            max_duplicates=max_duplicates,
            updated=updated,
            aligner=aligner,
            passages=bool(diff),
            timings=timings,
        ):
            sys.stdout.write(line + "\n")
    else:
        render_check(result, _stdout_console(color), aligner, diff_context, max_duplicates, updated)
    sys.stdout.flush()
    return EXIT_OK if passed else EXIT_DUPLICATES


def _optional_values(argv: list[str] | None) -> list[str]:
    """Typer has no options with an optional value: a bare ``--update`` (before ``--``)
    becomes ``--update=clean``, so ``--update`` and ``--update=always`` both parse."""
    args = list(sys.argv[1:] if argv is None else argv)
    end = args.index("--") if "--" in args else len(args)
    return [
        "--update=clean" if arg == "--update" and n < end else arg for n, arg in enumerate(args)
    ]


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and turn every failure into one line and an exit code."""
    try:
        code = app(args=_optional_values(argv), prog_name="dupfind", standalone_mode=False)
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
