"""``search``, ``similar``, ``tag``, ``tags``, ``classify`` and ``export``: using a library.

Each command is a thin face over one engine verb; ``--json`` output is
documented field by field in docs/cli-json.md.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..engine.export import export_text
from ..engine.export import fact_values as _fact_values
from ..engine.models import model_loader, model_name, text_model_loader
from ..errors import ClampDesktopError
from ..store import Library
from .app import cli, db_option, device_option, echo_json, json_option, model_option, progress_bar
from .library_commands import library_path
from .results import show_results

verbose_option = click.option("--verbose", "-v", is_flag=True, help="Show piece ids and full paths.")


# --- shaping results --------------------------------------------------------------

def _piece_fields(piece: dict, facts: tuple, tags: dict) -> dict:
    return {"id": piece["id"], "path": piece["path"], "tune": piece["tune"], "title": piece.get("title"),
            "composer": piece.get("composer"), "key": facts[0], "meter": facts[1],
            "parts": piece.get("parts"), "measures": piece.get("measures"), **_fact_values(piece), "tags": tags}


def result_rows(library, result, offset: int) -> list[dict]:
    """The JSON objects of a SearchResult's hits (docs/cli-json.md, "result")."""
    from ..engine import browse

    ids = [hit.piece["id"] for hit in result.hits]
    facts = browse.key_and_meter(library, ids)
    tags = browse.visible_tags(library, ids)
    return [dict(rank=offset + number + 1, **_piece_fields(hit.piece, facts.get(hit.piece["id"], (None, None)),
                                                            tags.get(hit.piece["id"], {})),
                 cosine=hit.cosine, probability=hit.probability, relevance=hit.relevance,
                 matched=list(hit.matched))
            for number, hit in enumerate(result.hits)]


def refuse_unknown_filters(text: str) -> None:
    """A ``word:value`` that names no filter is a mistake on the command line, not search text."""
    from ..engine.search import unknown_filters

    unknown = unknown_filters(text)
    if unknown:
        raise click.UsageError(f"unknown filter {unknown[0]}; to search for the words themselves, "
                               "quote them: '\"foo:bar\"'.")


def _split_pair(text: str) -> tuple[str, str]:
    if ":" not in text:
        raise click.BadParameter(f"'{text}' is not VOCABULARY:LABEL (e.g. genre:chorale).")
    vocabulary, label = text.split(":", 1)
    return vocabulary.strip(), label.strip()


# --- commands ------------------------------------------------------------------------

@cli.command()
@click.argument("text")
@click.option("--top", default=20, show_default=True, help="How many results to show.")
@click.option("--offset", default=0, show_default=True, help="Skip this many results (the next page).")
@click.option("--model-only", is_flag=True, help="Rank by the model's cosine alone (no hybrid fusion).")
@verbose_option
@db_option
@model_option
@device_option
@json_option
def search(text, top, offset, model_only, verbose, db_path, model, device, as_json):
    """Search the library: filters and "quoted keywords" select, free text ranks.

    The free text ranks with CLaMP fused with what it names: composers, titles,
    ensembles, keys, meters, tempi of the library (see docs/search.md).
    Filters: composer: title: key: meter: parts: tag:VOCAB=LABEL ...

    Example: clamp-desktop search 'composer:bach key:minor a slow chorale' --top 5
    """
    from ..engine.search import search as run_search

    refuse_unknown_filters(text)
    name = model_name(model)
    with Library(library_path(db_path), readonly=True) as library:
        result = run_search(library, text, name, text_model_loader(model, device), top=top, offset=offset,
                            hybrid=not model_only)
        rows = result_rows(library, result, offset)
        folders = library.folders()
    if result.unanswerable:
        raise ClampDesktopError(result.message)
    if as_json:
        echo_json({"query": text, "model": name, "total": result.total, "offset": offset, "top": top,
                   "message": result.message, "ignored": result.ignored, "hint": result.hint, "results": rows})
        return
    if result.hint:
        click.echo(f"hint: {result.hint}", err=True)
    show_results(rows, result, offset, folders, verbose)


@cli.command()
@click.argument("path_or_id")
@click.option("--top", default=10, show_default=True, help="How many similar pieces to show.")
@click.option("--filter", "filters", default="", help="Filters the candidates, e.g. 'key:minor parts:4'.")
@verbose_option
@db_option
@model_option
@device_option
@json_option
def similar(path_or_id, top, filters, verbose, db_path, model, device, as_json):
    """Pieces whose music is closest to a library piece (by id) or to a score file.

    Example: clamp-desktop similar ~/Downloads/minuet.mxl --filter 'parts:2' --top 5
    """
    from ..engine.similar import similar_to_file, similar_to_piece

    name = model_name(model)
    is_file = Path(path_or_id).is_file()
    if not is_file and not path_or_id.isdigit():
        raise ClampDesktopError(f"{path_or_id} is neither a score file nor a piece id.")
    refuse_unknown_filters(filters)
    with Library(library_path(db_path), readonly=True) as library:
        if is_file:
            query = {"path": str(Path(path_or_id).resolve())}
            result = similar_to_file(library, path_or_id, name, model_loader(model, device),
                                     top=top, filters=filters)
        else:
            query = {"piece_id": int(path_or_id)}
            result = similar_to_piece(library, int(path_or_id), name, top=top, filters=filters)
        rows = result_rows(library, result, 0)
        folders = library.folders()
    if result.unanswerable:
        raise ClampDesktopError(result.message)
    if as_json:
        echo_json({"query": query, "model": name, "filter": filters, "total": result.total,
                   "message": result.message, "ignored": result.ignored, "results": rows})
        return
    show_results(rows, result, 0, folders, verbose)


@cli.command()
@click.option("--vocab", "vocab_names", multiple=True,
              help="Tag with this vocabulary only (repeatable; default: every vocabulary).")
@db_option
@model_option
@device_option
@json_option
def tag(vocab_names, db_path, model, device, as_json):
    """Tag every piece zero-shot with the vocabularies (your own tags and removals are kept).

    Example: clamp-desktop tag --vocab genre --vocab mood
    """
    from tqdm import tqdm

    from ..engine.indexer import run_to_end
    from ..engine.tagging import load_vocabularies, tag_library

    vocabularies, problems = load_vocabularies()
    for problem in problems:
        click.echo(f"skipped vocabulary: {problem}", err=True)
    unknown = [v for v in vocab_names if v not in vocabularies]
    if unknown:
        raise ClampDesktopError(f"No vocabulary named '{unknown[0]}'; known: {', '.join(vocabularies)}.")
    chosen = [vocabularies[v] for v in vocab_names] if vocab_names else list(vocabularies.values())
    name = model_name(model)
    db = library_path(db_path)
    with Library(db) as library:
        bar = progress_bar(0, "tagging", enabled=not as_json)
        bar.unit = "piece"

        def show(progress):
            bar.total = max(progress.total, 1)
            bar.n = progress.done
            bar.set_description(progress.detail or progress.stage)
            bar.refresh()

        try:
            summary = run_to_end(tag_library(library, name, model_loader(model, device, tqdm), chosen), show)
        finally:
            bar.close()
    summary.problems = [str(p) for p in problems]
    if as_json:
        echo_json(dict(summary.as_dict(), db=str(db)))
        return
    if summary.message:
        click.echo(summary.message)
        return
    click.echo(f"tagged {summary.pieces} pieces with {', '.join(summary.vocabularies)}: "
               f"{summary.tags} tags stored, {summary.visible} shown, in {summary.seconds:.1f} s ({name})")


@cli.command()
@click.argument("piece_id", type=int)
@click.option("--add", "additions", multiple=True, metavar="VOCAB:LABEL", help="Add your own tag (repeatable).")
@click.option("--remove", "removals", multiple=True, metavar="VOCAB:LABEL",
              help="Remove a tag; an automatic one stays hidden on re-tagging (repeatable).")
@click.option("--accept", "acceptances", multiple=True, metavar="VOCAB:LABEL",
              help="Keep an automatic tag as your own (repeatable).")
@db_option
@json_option
def tags(piece_id, additions, removals, acceptances, db_path, as_json):
    """Show a piece's tags, and add, remove or accept tags.

    Example: clamp-desktop tags 12 --add genre:chorale --remove mood:happy
    """
    from ..engine import tagging

    edits = [("add", p) for p in additions] + [("remove", p) for p in removals] + \
        [("accept", p) for p in acceptances]
    changes = []
    with Library(library_path(db_path), readonly=not edits) as library:
        piece = library.piece(piece_id)
        if piece is None:
            raise ClampDesktopError(f"There is no piece {piece_id} in the library.")
        for action, pair in edits:
            vocabulary, label = _split_pair(pair)
            if action == "add":
                tagging.add_user_tag(library, piece_id, vocabulary, label)
                outcome = "added"
            elif action == "accept":
                tagging.accept_tag(library, piece_id, vocabulary, label)
                outcome = "accepted"
            else:
                outcome = tagging.remove_tag(library, piece_id, vocabulary, label) or "not found"
            changes.append({"action": action, "vocabulary": vocabulary, "label": label, "result": outcome})
        views = tagging.piece_tags(library, piece_id)
    if as_json:
        echo_json({"piece_id": piece_id, "title": piece["title"], "changes": changes,
                   "tags": {v: [{"label": t.label, "score": t.score, "source": t.source, "visible": t.visible}
                                for t in items] for v, items in views.items()}})
        return
    for change in changes:
        click.echo(f"{change['action']} {change['vocabulary']}:{change['label']}: {change['result']}")
    click.echo(f"{piece['title']} [{piece_id}]")
    for vocabulary, items in views.items():
        shown = [f"{t.label} ({t.source}{'' if t.score is None else f', {t.score:.3f}'})"
                 for t in items if t.visible]
        offered = [f"{t.label}{'' if t.score is None else f' {t.score:.0%}'}" for t in items
                   if t.source == "auto" and not t.visible]
        suggestions = f"  [suggestions: {', '.join(offered)}]" if offered else ""
        click.echo(f"  {vocabulary}: {', '.join(shown) or '-'}{suggestions}")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--labels", required=True, help="Comma-separated labels, e.g. 'Bach,Mozart,Beethoven'.")
@click.option("--template", default="{label}", show_default=True,
              help="Prompt with one {placeholder}, e.g. 'This piece of music is composed by {composer}.'")
@model_option
@device_option
@json_option
def classify(file, labels, template, model, device, as_json):
    """Zero-shot classify one score file against your labels (no library needed).

    Example: clamp-desktop classify song.mxl --labels 'Bach,Mozart'
    --template 'This piece of music is composed by {composer}.'
    """
    from ..engine.tagging import classify as run_classify

    name = model_name(model)
    ranked = run_classify(model_loader(model, device)(), file, labels.split(","), template)
    if as_json:
        echo_json({"file": str(Path(file).resolve()), "model": name, "template": template,
                   "results": [{"label": label, "probability": prob, "cosine": cos} for label, prob, cos in ranked]})
        return
    for label, prob, cos in ranked:
        click.echo(f"{prob * 100:6.2f}%  cos {cos:+.4f}  {label}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write here instead of to stdout.")
@db_option
def export(fmt, out, db_path):
    """Export every piece with its metadata and visible tags, as CSV or JSON.

    Example: clamp-desktop export --format csv --out library.csv
    """
    with Library(library_path(db_path), readonly=True) as library:
        text, count = export_text(library, fmt)
    if out:
        Path(out).write_text(text, encoding="utf-8", newline="")
        click.echo(f"exported {count} pieces to {out}", err=True)
    else:
        click.echo(text, nl=False)
