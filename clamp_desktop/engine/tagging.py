"""Zero-shot tagging with vocabularies, and the user's own tag edits.

A vocabulary (``resources/vocabularies/*.toml``, or the user's in
``<config>/vocabularies/*.toml``, which win on a name clash) is a prompt
template with one placeholder and a list of labels::

    name = "composer"
    template = "This piece of music is composed by {composer}."
    labels = ["Johann Sebastian Bach", "Wolfgang Amadeus Mozart"]
    threshold = 0.12      # least probability at which an automatic tag is shown
    top_k = 3             # labels kept per piece

Tagging a library encodes each filled-in template once (cheap), takes the
piece vectors from the store, and keeps for every piece the ``top_k`` labels
with their probability: softmax over the vocabulary's labels of cosine x e,
as CLaMP's reference tool scores, divided by the model's calibrated
temperature for the vocabulary (``engine.calibration``).  Those are ``auto``
rows of ``tags``; at read time a tag is shown when its probability reaches
both the vocabulary's threshold and the model's calibrated one (chosen so that
shown tags are right >= 90 % of the time on held-out pieces); the others are
suggestions.  A guessed composer is never shown for a piece whose composer
is known.

The user always wins: a ``user`` tag stays until the user removes it, and
removing an automatic tag leaves a ``hidden`` mark so re-tagging never brings
it back.  Re-tagging replaces only the ``auto`` rows of the vocabularies
tagged; re-indexing keeps piece ids (and so every tag) of changed files.
"""

from __future__ import annotations

import os
import re
import string
import time
import tomllib
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .. import paths
from ..errors import ClampDesktopError, VocabularyError
from ..model.linalg import normalize
from ..store import queries
from .calibration import UNCALIBRATED_THRESHOLD, calibration_for, probabilities
from .progress import Progress

NAME_PATTERN = re.compile(r"[A-Za-z0-9][\w-]*")
DEFAULT_TOP_K = 3
DEFAULT_CLASSIFY_TEMPLATE = "{label}"


@dataclass(frozen=True)
class Vocabulary:
    name: str
    template: str
    labels: tuple[str, ...]
    threshold: float = 0.0
    top_k: int = DEFAULT_TOP_K
    description: str = ""
    path: Path | None = field(default=None, compare=False)

    def prompts(self) -> list[str]:
        return [fill_template(self.template, label) for label in self.labels]

    def as_toml_dict(self) -> dict:
        data = {"name": self.name, "template": self.template, "labels": list(self.labels),
                "threshold": float(self.threshold), "top_k": int(self.top_k)}
        if self.description:
            data["description"] = self.description
        return data


@dataclass(frozen=True)
class TagView:
    """One label of a piece as the user sees it."""

    label: str
    score: float | None      # the automatic probability, when there is one
    source: str              # 'user', 'auto' or 'hidden'
    visible: bool


@dataclass
class TagSummary:
    model: str
    vocabularies: list[str] = field(default_factory=list)
    pieces: int = 0
    tags: int = 0
    visible: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    message: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


# --- templates and vocabulary files --------------------------------------------

def _placeholder(template: str) -> str:
    """The one field name of a template ('' for ``{}``); raises ValueError otherwise."""
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as exc:
        raise ValueError(f"the template is not valid ({exc})") from exc
    if len(fields) != 1:
        raise ValueError(f"the template needs exactly one {{placeholder}}, it has {len(fields)}")
    name, spec, conv = fields[0]
    if spec or conv or not re.fullmatch(r"\w*", name):
        raise ValueError("the placeholder must be a plain {name}")
    return name


def fill_template(template: str, label: str) -> str:
    name = _placeholder(template)
    return template.format(label) if name == "" else template.format(**{name: label})


def vocabulary_from_dict(data: Mapping, source: str, path: Path | None = None) -> Vocabulary:
    """A checked Vocabulary; raises VocabularyError naming ``source`` and the first problem."""

    def fail(problem: str):
        raise VocabularyError(f"{source}: {problem}.")

    name = data.get("name", path.stem if path else None)
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        fail("'name' must be a word of letters, digits, '-' or '_'")
    template = data.get("template")
    if not isinstance(template, str):
        fail("'template' is missing")
    try:
        _placeholder(template)
    except ValueError as exc:
        fail(str(exc))
    labels = data.get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) and x.strip() for x in labels):
        fail("'labels' must be a non-empty list of non-empty strings")
    labels = tuple(" ".join(label.split()) for label in labels)
    seen: set[str] = set()
    for label in labels:
        if label.casefold() in seen:
            fail(f"the label '{label}' appears twice")
        seen.add(label.casefold())
    threshold = data.get("threshold", 0.0)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        fail("'threshold' must be a number from 0 to 1")
    top_k = data.get("top_k", min(DEFAULT_TOP_K, len(labels)))
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= len(labels):
        fail(f"'top_k' must be a whole number from 1 to {len(labels)}")
    description = data.get("description", "")
    if not isinstance(description, str):
        fail("'description' must be text")
    unknown = set(data) - {"name", "template", "labels", "threshold", "top_k", "description"}
    if unknown:
        fail(f"unknown field '{sorted(unknown)[0]}'")
    return Vocabulary(name, template, labels, float(threshold), top_k, description, path)


def read_vocabulary(path: Path) -> Vocabulary:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise VocabularyError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise VocabularyError(f"{path}: not valid TOML ({exc}).") from exc
    return vocabulary_from_dict(data, str(path), Path(path))


def user_vocabulary_dir() -> Path:
    return paths.config_dir() / "vocabularies"


def builtin_vocabulary_files() -> list[Path]:
    folder = resources.files("clamp_desktop.resources") / "vocabularies"
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".toml"))


def load_vocabularies(user_dir: str | Path | None = None) -> tuple[dict[str, Vocabulary], list[VocabularyError]]:
    """Every vocabulary, built-in then the user's (a user file replaces a built-in of the same name).

    A broken file is left out and reported as one VocabularyError naming it;
    the others load all the same.
    """
    user_dir = Path(user_dir) if user_dir is not None else user_vocabulary_dir()
    user_files = sorted(user_dir.glob("*.toml")) if user_dir.is_dir() else []
    vocabularies: dict[str, Vocabulary] = {}
    problems: list[VocabularyError] = []
    for files in (builtin_vocabulary_files(), user_files):
        names_here: set[str] = set()
        for path in files:
            try:
                vocabulary = read_vocabulary(path)
            except VocabularyError as exc:
                problems.append(exc)
                continue
            if vocabulary.name in names_here:
                problems.append(VocabularyError(
                    f"{path}: the name '{vocabulary.name}' is already used by another file in {path.parent}."))
                continue
            names_here.add(vocabulary.name)
            vocabularies[vocabulary.name] = vocabulary
    return vocabularies, problems


def save_vocabulary(vocabulary: Vocabulary, user_dir: str | Path | None = None) -> Path:
    """Write a user vocabulary file ``<name>.toml`` (checked first); returns its path."""
    import tomli_w

    checked = vocabulary_from_dict(vocabulary.as_toml_dict(), f"vocabulary '{vocabulary.name}'")
    folder = Path(user_dir) if user_dir is not None else user_vocabulary_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{checked.name}.toml"
    temporary = target.with_suffix(".toml.tmp")
    temporary.write_text(tomli_w.dumps(checked.as_toml_dict()), encoding="utf-8")
    os.replace(temporary, target)
    return target


def thresholds(vocabularies: Mapping[str, Vocabulary], library=None) -> dict[str, float]:
    """vocabulary -> least probability shown.  With ``library``: the higher of the vocabulary's own
    threshold and the calibrated one of the model that tagged it (``engine.calibration``)."""
    if library is None:
        return {name: v.threshold for name, v in vocabularies.items()}
    out = {}
    for name, vocabulary in vocabularies.items():
        model = queries.tagging_model(library, name)
        calibrated = shown_from(calibration_for(model), vocabulary) if model else 0.0
        out[name] = max(vocabulary.threshold, calibrated)
    return out


def shown_from(calibration, vocabulary: Vocabulary) -> float:
    """The calibrated show-threshold of a vocabulary (conservative when the model has no calibration)."""
    if calibration is None:
        return UNCALIBRATED_THRESHOLD
    return calibration.threshold(vocabulary.name, vocabulary.labels)


# --- tagging a library -----------------------------------------------------------

def label_probabilities(piece_vectors: np.ndarray, label_vectors: np.ndarray,
                        temperature: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, cosines), each [pieces, labels]: softmax over labels of cosine x e / temperature."""
    cos = normalize(piece_vectors) @ normalize(label_vectors).T
    return probabilities(cos, temperature).astype(np.float32), cos


def _top_labels(ids: np.ndarray, probs: np.ndarray, top_k: int, labels: tuple[str, ...]):
    top = np.argsort(-probs, axis=1, kind="stable")[:, :top_k]
    for row, piece_id in enumerate(ids):
        for column in top[row]:
            yield int(piece_id), labels[column], float(probs[row, column])


def tag_library(library, model_name: str, load_model: Callable,
                vocabularies: Iterable[Vocabulary] | Mapping[str, Vocabulary] | None = None,
                *, chunk_size: int = 4096) -> Generator[Progress, None, TagSummary]:
    """Tag every piece with a vector from ``model_name``; yields Progress, returns a TagSummary.

    Each vocabulary is written in one transaction, so a cancelled job leaves
    every vocabulary either as it was or fully re-tagged.
    """
    started = time.monotonic()
    summary = TagSummary(model=model_name)
    if vocabularies is None:
        vocabularies, problems = load_vocabularies()
        summary.problems = [str(p) for p in problems]
    if isinstance(vocabularies, Mapping):
        vocabularies = vocabularies.values()
    vocabularies = list(vocabularies)
    yield Progress("tag", 0, 0, "reading vectors")
    ids, matrix = library.load_vectors(model_name)
    if not len(ids):
        summary.message = f"No piece has a vector from {model_name} yet; index the library first."
        return summary
    summary.pieces = len(ids)
    total = len(ids) * len(vocabularies)
    model = load_model()
    calibration = calibration_for(model_name)
    for number, vocabulary in enumerate(vocabularies):
        temperature = calibration.temperature(vocabulary.name, vocabulary.labels) if calibration else 1.0
        shown = max(vocabulary.threshold, shown_from(calibration, vocabulary))
        label_vectors = model.encode_text(vocabulary.prompts())
        if label_vectors.shape[1] != matrix.shape[1]:
            raise ClampDesktopError(
                f"The model gives {label_vectors.shape[1]}-number vectors but the library holds "
                f"{matrix.shape[1]}-number vectors under {model_name}; re-index with this model.")
        rows: list[tuple[int, str, float]] = []
        for start in range(0, len(ids), chunk_size):
            probs, _ = label_probabilities(matrix[start:start + chunk_size], label_vectors, temperature)
            rows.extend(_top_labels(ids[start:start + chunk_size], probs, vocabulary.top_k, vocabulary.labels))
            yield Progress("tag", number * len(ids) + min(start + chunk_size, len(ids)), total, vocabulary.name)
        with library.atomic():
            summary.tags += queries.replace_auto_tags(library, vocabulary.name, model_name, rows)
        summary.visible += sum(1 for _, _, score in rows if score >= shown)
        summary.vocabularies.append(vocabulary.name)
    summary.seconds = round(time.monotonic() - started, 2)
    yield Progress("done", 1, 1, "")
    return summary


def classify(model, path_or_abc: str | Path, labels: Iterable[str],
             template: str = DEFAULT_CLASSIFY_TEMPLATE) -> list[tuple[str, float, float]]:
    """(label, probability, cosine) best first, for one score file or one CLaMP ABC text.

    A string naming an existing file is read as a score; any other string is
    taken as CLaMP ABC as the library stores it (already filtered).
    """
    from ..ingest.model_input import model_input

    labels = [" ".join(label.split()) for label in labels if label.strip()]
    if not labels:
        raise VocabularyError("Give at least one label to classify with.")
    try:
        prompts = [fill_template(template, label) for label in labels]
    except ValueError as exc:
        raise VocabularyError(f"Template '{template}': {exc}.") from exc
    is_file = isinstance(path_or_abc, Path) or (len(path_or_abc) < 4096 and Path(path_or_abc).is_file())
    abc = model_input(path_or_abc, model.reads).text if is_file else str(path_or_abc)
    music = model.encode_music([abc])
    probs, cos = label_probabilities(music, model.encode_text(prompts))
    order = np.argsort(-probs[0], kind="stable")
    return [(labels[i], float(probs[0, i]), float(cos[0, i])) for i in order]


# --- reading and editing one piece's tags -------------------------------------------

def piece_tags(library, piece_id: int,
               vocabularies: Mapping[str, Vocabulary] | None = None) -> dict[str, list[TagView]]:
    """vocabulary -> its labels for one piece: shown ones first (by score), then the rest.

    Automatic tags below the threshold (the calibrated one of the model that
    tagged, ``thresholds``) and of vocabularies no longer defined are listed with
    ``visible=False``: suggestions the user may accept.  A guessed composer of
    a piece whose composer is known is not listed at all (the score says who
    wrote it; a guess beside that is noise, not a suggestion).
    """
    if vocabularies is None:
        vocabularies, _ = load_vocabularies()
    shown = thresholds(vocabularies, library)
    composer_known = queries.has_composer(library, piece_id)
    by_label: dict[tuple[str, str], dict[str, float | None]] = {}
    for vocabulary, label, score, source in queries.tag_rows(library, piece_id):
        by_label.setdefault((vocabulary, label), {})[source] = score
    views: dict[str, list[TagView]] = {}
    for (vocabulary, label), sources in by_label.items():
        score = sources.get("auto")
        if "user" in sources:
            view = TagView(label, score if score is not None else sources["user"], "user", True)
        elif "hidden" in sources:
            view = TagView(label, score, "hidden", False)
        elif vocabulary == "composer" and composer_known:
            continue
        else:
            view = TagView(label, score, "auto", vocabulary in shown and score >= shown[vocabulary])
        views.setdefault(vocabulary, []).append(view)
    for items in views.values():
        items.sort(key=lambda v: (not v.visible, -(v.score or 0.0), v.label.casefold()))
    return dict(sorted(views.items()))


def _checked(library, piece_id: int, vocabulary: str, label: str) -> tuple[str, str]:
    label = " ".join((label or "").split())
    if not NAME_PATTERN.fullmatch(vocabulary or ""):
        raise VocabularyError(f"'{vocabulary}' is not a vocabulary name (letters, digits, '-' or '_').")
    if not label:
        raise VocabularyError("A tag needs a label.")
    if library.piece(piece_id) is None:
        raise ClampDesktopError(f"There is no piece {piece_id} in the library.")
    return vocabulary, label


def _sources(library, piece_id: int, vocabulary: str, label: str) -> dict[str, float | None]:
    return {source: score for v, lab, score, source in queries.tag_rows(library, piece_id)
            if (v, lab) == (vocabulary, label)}


def add_user_tag(library, piece_id: int, vocabulary: str, label: str) -> None:
    """The user tags a piece; it shows from now on (un-hiding it if the user had removed it)."""
    vocabulary, label = _checked(library, piece_id, vocabulary, label)
    with library.atomic():
        queries.delete_tag(library, piece_id, vocabulary, label, "hidden")
        queries.put_tag(library, piece_id, vocabulary, label, "user")


def remove_tag(library, piece_id: int, vocabulary: str, label: str) -> str | None:
    """Remove a tag: a user tag is deleted, an automatic one is hidden so re-tagging keeps it away.

    Returns 'hidden', 'deleted' or None when the piece had no such tag to remove.
    """
    vocabulary, label = _checked(library, piece_id, vocabulary, label)
    sources = _sources(library, piece_id, vocabulary, label)
    if not {"user", "auto"} & set(sources):
        return None
    with library.atomic():
        queries.delete_tag(library, piece_id, vocabulary, label, "user")
        if "auto" in sources:
            queries.put_tag(library, piece_id, vocabulary, label, "hidden")
    return "hidden" if "auto" in sources else "deleted"


def accept_tag(library, piece_id: int, vocabulary: str, label: str) -> None:
    """Make an automatic tag the user's own: it stays whatever later tagging says."""
    vocabulary, label = _checked(library, piece_id, vocabulary, label)
    score = _sources(library, piece_id, vocabulary, label).get("auto")
    with library.atomic():
        queries.delete_tag(library, piece_id, vocabulary, label, "hidden")
        queries.put_tag(library, piece_id, vocabulary, label, "user", score)
