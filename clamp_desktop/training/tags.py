"""Facts -> the labels of the app's built-in tag vocabularies that are true of a piece.

Auto-tagging asks the model to pick among a vocabulary's labels, each put
into the vocabulary's template ("This piece of music is composed by
{composer}."); most labels (Scott Joplin, jazz, orchestra ...) name nothing
in the training corpus, and a model that never saw them may put them
anywhere.  So the bundled model is also trained to pick, for each piece,
the labels its facts make true (the tagging loss in ``training.trainer``):
the labels the corpus covers learn their music, and the others learn to
stay away from it.  ``bench/eval_model.py`` measures the same choice on the
held-out pieces.  Meter has no vocabulary in the app (the library reads it
from the score); a training-only one keeps the loss from drowning it out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.tagging import Vocabulary, builtin_vocabulary_files, fill_template, read_vocabulary
from .facts import mood_keys

_GENRE_TAGS = {
    "chorale": ["chorale"], "madrigal": ["madrigal"], "mass movement": ["mass"], "reel": ["reel"],
    "jig": ["jig"], "slip jig": ["jig"], "waltz": ["waltz"], "march": ["march"], "polka": ["polka"],
    "minuet": ["minuet"], "ragtime": ["ragtime"], "aria": ["opera aria"], "opera": ["opera aria"],
    "song": ["art song"], "folk song": ["folk song"], "dance song": ["folk song", "dance"],
    "lullaby": ["folk song", "lullaby"], "children's song": ["folk song"], "ballad": ["folk song"],
    "love song": ["folk song"], "work song": ["folk song"], "soldiers' song": ["folk song"],
    "sacred song": ["folk song"], "drinking song": ["folk song"], "Christmas song": ["folk song"],
    "ditty": ["folk song"], "mountain song": ["folk song"],
}
_ENSEMBLE_TAGS = {"choir": ["mixed choir"], "string quartet": ["string quartet"], "piano": ["solo piano"],
                  "voice and piano": ["voice and piano"]}
_FIDDLE_COLLECTIONS = {"O'Neill's Irish tunes", "Ryan's Mammoth fiddle tunes", "Aird's Airs"}
# Training-only: the meters of the corpus, said the way a user would ask.
METER_VOCABULARY = Vocabulary("meter", "This piece of music is in {meter} time.",
                              ("2/4", "4/4", "6/8", "3/4", "2/2", "4/2", "3/8", "9/8", "3/2", "6/4", "12/8"))
# Mood labels of ``facts.mood_keys``.  "dance" names none: the shipped model was
# trained without it (descriptions call dance tunes energetic; worth adding here
# on the next retraining).
_MOOD_TAGS = {"minor": ["sad", "melancholic"], "major": ["happy"], "slow": ["calm", "peaceful"],
              "fast": ["energetic"], "sacred": ["solemn"]}


def plain(label: str) -> str:
    """A label without case or diacritics ("Gabriel Fauré" and "Gabriel Faure" are one composer)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", label.casefold()) if not unicodedata.combining(c))


def tag_truths(facts: dict) -> dict[str, list[str]]:
    """Vocabulary name -> the labels true of a piece with these facts (vocabularies it says nothing of: absent)."""
    out: dict[str, list[str]] = {}
    if composer := facts.get("composer"):
        out["composer"] = [composer]
    elif facts.get("era") == "traditional":
        out["composer"] = ["Traditional"]
    era = {"20th-century": "Modern"}.get(facts.get("era"), facts.get("era"))
    if era and era != "traditional":
        out["era"] = [era]
    if genre := _GENRE_TAGS.get(facts.get("genre")):
        out["genre"] = genre
    if facts.get("ensemble") in _ENSEMBLE_TAGS:
        out["ensemble"] = _ENSEMBLE_TAGS[facts["ensemble"]]
    elif facts.get("ensemble") == "melody":
        out["ensemble"] = ["fiddle"] if facts.get("label") in _FIDDLE_COLLECTIONS else ["solo voice"]
    if facts.get("texture") in ("monophonic", "homophonic", "polyphonic", "melody with accompaniment"):
        out["texture"] = [facts["texture"]]
    if moods := [label for key in mood_keys(facts) for label in _MOOD_TAGS.get(key, [])]:
        out["mood"] = moods
    if facts.get("genre") == "chorale":
        out["form"] = ["chorale harmonisation"]
    if facts.get("meter") in METER_VOCABULARY.labels:
        out["meter"] = [facts["meter"]]
    return out


@dataclass
class TagTargets:
    """Every label prompt of the built-in vocabularies (and meter), and which of them are true of a piece."""

    vocabularies: list[Vocabulary]

    @classmethod
    def builtin(cls) -> TagTargets:
        return cls([read_vocabulary(path) for path in builtin_vocabulary_files()] + [METER_VOCABULARY])

    @property
    def prompts(self) -> list[str]:
        return [fill_template(v.template, label) for v in self.vocabularies for label in v.labels]

    @property
    def spans(self) -> list[tuple[int, int]]:
        """(first, end) prompt index of each vocabulary."""
        out, start = [], 0
        for vocabulary in self.vocabularies:
            out.append((start, start + len(vocabulary.labels)))
            start += len(vocabulary.labels)
        return out

    def targets(self, facts: dict) -> np.ndarray:
        """[prompts] float32: within each vocabulary, the true labels share 1; zero where none is known."""
        out = np.zeros(sum(len(v.labels) for v in self.vocabularies), dtype=np.float32)
        truths = tag_truths(facts)
        for vocabulary, (start, _) in zip(self.vocabularies, self.spans):
            wanted = {plain(t) for t in truths.get(vocabulary.name, ())}
            true = [i for i, label in enumerate(vocabulary.labels) if plain(label) in wanted]
            for i in true:
                out[start + i] = 1.0 / len(true)
        return out
