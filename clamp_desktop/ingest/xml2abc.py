"""Wim Vree's xml2abc v143 (vendored by abcforge), run in-process.

The reference runs ``xml2abc.py -m 2 -c 6 -x FILE`` as a new interpreter per
file; we call the same parser with the same options inside a long-lived
process.  xml2abc keeps its output object in a module global, so one process
converts one file at a time (the ingest pool uses processes, not threads).

abcforge's copy parses with lxml in recovery mode; Wim Vree's original parses
with the standard library's ElementTree, and so do we: it is the reference's
parser (comments are dropped, malformed XML is an error, not guessed at) and
it is faster for xml2abc's element-by-element Python walk.  Entity
declarations never reach it (``musicxml.check_musicxml`` refuses them).
"""

from __future__ import annotations

import contextlib
import io
import warnings
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from types import SimpleNamespace

from abcforge.vendor.xml2abc import xml2abc as _xml2abc

from ..errors import ConversionError


class ConverterStopped(ConversionError):
    """xml2abc raised on something in a well-formed score (a mark it does not read): a repaired copy may convert."""

    def __init__(self, message: str, measure: int | None = None, part: int | None = None):
        super().__init__(message)
        self.measure = measure      # xml2abc's count of measures (1-based) when it stopped, if known
        self.part = part

_xml2abc.E = ElementTree     # the original's parser (see above)
XML2ABC_VERSION = _xml2abc.VERSION
# The largest real scores give a few MiB of ABC; a tiny file can ask for far more
# (a tremolo of a billion strokes), which the library would store and the encoder read.
MAX_ABC_CHARS = 16 * 1024 * 1024

# optparse's values for "-m 2 -c 6 -x" (everything else at its default).
_REFERENCE_OPTIONS = dict(
    u=None, m="2", c=6, d=0, n=0, b=0, o="", v=0, x=True, p=[], j=None, t=None, s=None,
    v1=None, ped=True, stm=False, i=None,
)


def musicxml_to_abc(data: bytes, name: str = "score", options: dict | None = None,
                    keep_carriage_returns: bool = False) -> str:
    """Raw xml2abc output for MusicXML bytes, as the reference's stdout (with ``\\r`` removed).

    ``options``: xml2abc's option values (default CLaMP v1's ``-m 2 -c 6 -x``);
    ``keep_carriage_returns``: leave ``\\r`` for the caller (CLaMP 3 reads them as line ends).
    """
    options = SimpleNamespace(**(options or _REFERENCE_OPTIONS))
    output = _xml2abc.ABCoutput(name + ".abc", "", 0, options)
    buffer = io.StringIO()
    output.outfile = buffer
    _xml2abc.abcOut = output
    messages = io.StringIO()
    parser = _xml2abc.Parser(options)
    try:
        # xml2abc tests elements for truth, which lxml warns about on every score.
        with contextlib.redirect_stderr(messages), warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            parser.parse(io.BytesIO(data))
    except RecursionError as exc:
        raise ConversionError("xml2abc failed: the score nests too deeply") from exc
    except MemoryError as exc:
        raise ConversionError("xml2abc ran out of memory (the converter's size limit); refused") from exc
    except ElementTree.ParseError as exc:
        raise ConversionError(f"xml2abc failed: ParseError: {exc}"[:300]) from exc
    except Exception as exc:  # xml2abc raises bare errors on marks it does not read
        measure, part = _position(parser)
        raise ConverterStopped(f"xml2abc failed: {type(exc).__name__}: {exc}"[:300], measure, part) from exc
    finally:
        _xml2abc.abcOut = None
    text = buffer.getvalue()
    text = text if keep_carriage_returns else text.replace("\r", "")
    if len(text) > MAX_ABC_CHARS:
        raise ConversionError(f"the score converts to more than {MAX_ABC_CHARS // 2**20} MiB of ABC; refused")
    if not text.strip():
        reason = messages.getvalue().strip().splitlines()
        raise ConverterStopped("xml2abc wrote nothing" + (f" ({reason[-1].strip('- ')})" if reason else ""))
    return text


def _position(parser) -> tuple[int | None, int | None]:
    """(measure, part), 1-based, where xml2abc was when it raised; (None, None) before the first measure."""
    measure = getattr(parser, "msr", None)
    if measure is None or not hasattr(measure, "ixm"):
        return None, None
    return measure.ixm + 1, measure.ixp + 1


_LXML_BLOCK_START = "from lxml import etree as _lxml_etree"
_LXML_BLOCK_END = "E = _LxmlWrapper()\n"
_ORIGINAL_IMPORT = "try:    import xml.etree.cElementTree as E\nexcept: import xml.etree.ElementTree as E\n"


def write_reference_script(folder: Path) -> Path:
    """xml2abc.py as Wim Vree published it (ElementTree, not abcforge's lxml), for running as a program.

    Tests and benchmarks run this file once per score, as the reference workflow does.
    """
    source = Path(_xml2abc.__file__).read_text(encoding="latin-1")
    start, end = source.index(_LXML_BLOCK_START), source.index(_LXML_BLOCK_END) + len(_LXML_BLOCK_END)
    script = Path(folder) / "xml2abc.py"
    script.write_text(source[:start] + _ORIGINAL_IMPORT + source[end:], encoding="latin-1")
    return script
