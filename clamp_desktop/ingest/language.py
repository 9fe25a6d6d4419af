"""The language of a song's lyrics, from the stop words among its words.

Lyrics are short and split into syllables, which trips statistical
detectors; the first verse joined into words and counted against a few dozen
of each language's commonest words tells German from English from Latin
reliably.  Non-Latin scripts are told by their letters.  None when unsure.
"""

from __future__ import annotations

import re
import unicodedata

MIN_HITS = 4          # stop words needed before naming a language
MARGIN = 1.5          # the winner must beat the runner-up by this factor

STOP_WORDS = {
    "de": "der die das und ich du er sie es wir ihr nicht ist ein eine einen dem den des mit mein meine "
          "dein deine sich auf zu im in von so wie was wenn auch noch nur mir mich dir dich bist sind "
          "war hat aus um bei uns ach wo da doch schon nach über herz liebe",
    "en": "the and of to a in is it you that he was for on are with as his they be at one have this "
          "from or had by but not what all were we when your can said there my me thy thee thou o "
          "love heart night day shall will so i",
    "fr": "le la les de des du un une et est je tu il elle nous vous ils pas que qui ne se sur dans "
          "pour par mon ma mes ton ta tes son sa ses au aux avec plus mais comme tout où cœur amour",
    "it": "il lo la gli le di del della che e è un una non per con mi ti si ma come io tu lui noi "
          "voi cor amor mio mia tuo tua sono ho più nel nella al alla",
    "es": "el la los las de del que y en un una es por con no se mi tu su al lo como más pero yo "
          "corazón amor muy",
    "la": "et in est non ad cum qui quae quod te me mea tua deus domine dominus sanctus gloria "
          "nobis tibi pater filii spiritu sancto amen miserere kyrie eleison christe pacem dei",
    "pt": "o a os as de do da dos das e que em um uma não por com para meu minha teu tua coração",
    "nl": "de het een en van ik je mijn niet is dat op te zijn met voor er maar als",
    "sv": "och att det som en på är av för med till den har de inte om ett jag du min",
    "cs": "a je se na v ve to že s z do já ty mé své ale jak",
    "pl": "i w nie się na z że to do jest jak ja ty mój moja",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in STOP_WORDS.items()}
_SCRIPTS = [("CYRILLIC", "ru"), ("GREEK", "el"), ("HEBREW", "he"), ("ARABIC", "ar"), ("HIRAGANA", "ja"),
            ("KATAKANA", "ja"), ("HANGUL", "ko"), ("CJK", "zh")]


def _script(text: str) -> str | None:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    counts: dict[str, int] = {}
    for char in letters[:400]:
        name = unicodedata.name(char, "")
        for script, lang in _SCRIPTS:
            if name.startswith(script):
                counts[lang] = counts.get(lang, 0) + 1
                break
    lang, count = max(counts.items(), key=lambda kv: kv[1], default=(None, 0))
    return lang if count > 0.5 * min(len(letters), 400) else None


def detect_language(words: list[str]) -> str | None:
    """ISO 639-1 code of the lyrics' language, or None when there are too few clues."""
    if not words:
        return None
    by_script = _script(" ".join(words))
    if by_script:
        return by_script
    tokens = [t for w in words for t in re.findall(r"[^\W\d_]+", w.lower())]
    hits = {lang: sum(t in stop for t in tokens) for lang, stop in _WORDS.items()}
    ranked = sorted(hits.items(), key=lambda kv: kv[1], reverse=True)
    (best, first), (_, second) = ranked[0], ranked[1]
    return best if first >= MIN_HITS and first >= MARGIN * second else None
