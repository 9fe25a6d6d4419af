"""A folder of hostile score files, written at test time (nothing binary is committed).

``build_hostile_corpus(folder)`` writes every case of ``CASES`` and returns
``{name: Expectation}``; ``name`` is the file's path relative to ``folder``.
Each case is what a real library meets: exports of old notation programs,
downloads, OMR output, archives that unpacked symlinks, files that change
while the indexer runs.  A secret "canary" file sits next to them; several
cases try to pull it into the library, and its text must never appear there.
"""

from __future__ import annotations

import functools
import io
import os
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

CANARY_TEXT = "CANARY-0f6b7c1e-this-secret-must-never-reach-the-library"
CANARY_PATH = "secrets/canary.txt"          # relative to the corpus folder; not a score suffix
HUGE_MEASURES = 10_000
ZIP_BOMB_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class Expectation:
    """What the library must hold for one file after indexing the corpus to the end."""

    outcome: str                                    # "ok", "failed" (a row with a reason) or "absent"
    reason: str = ""                                # regex the recorded reason must match
    during_run: Callable[[Path], None] | None = None  # done to the file after the scan, before it is read
    skip: str = ""                                  # why this case cannot be checked on this machine


# --- scores ----------------------------------------------------------------

_STEPS = "CDEFGAB"


def musicxml(measures: int = 4, title: str = "Hostile test", extra_head: str = "",
             notations: str = "", work_title: str | None = None) -> str:
    """A one-part MusicXML score of whole notes; ``notations`` go on the first note."""
    notes = []
    for number in range(1, measures + 1):
        attributes = (
            "<attributes><divisions>1</divisions><key><fifths>0</fifths></key>"
            "<time><beats>4</beats><beat-type>4</beat-type></time>"
            "<clef><sign>G</sign><line>2</line></clef></attributes>" if number == 1 else ""
        )
        marks = f"<notations>{notations}</notations>" if number == 1 and notations else ""
        notes.append(
            f'<measure number="{number}">{attributes}<note><pitch><step>{_STEPS[number % 7]}</step>'
            f"<octave>4</octave></pitch><duration>4</duration><type>whole</type>{marks}</note></measure>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + extra_head
        + '<score-partwise version="3.1">'
        + f"<work><work-title>{work_title if work_title is not None else title}</work-title></work>"
        + f"<movement-title>{title}</movement-title>"
        + '<part-list><score-part id="P1"><part-name>Flute</part-name></score-part></part-list>'
        + '<part id="P1">' + "".join(notes) + "</part></score-partwise>\n"
    )


def _doctype(subset: str) -> str:
    return f"<!DOCTYPE score-partwise [\n{subset}\n]>\n"


def _laughs(levels: int = 10) -> str:
    lines = ['<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return "\n".join(lines)


def billion_laughs(pad: int = 0) -> str:
    """Entity expansion to 10**9 "lol"s; ``pad`` spaces push the declarations past a first-MiB check."""
    head = "<!DOCTYPE score-partwise [" + " " * pad + "\n" + _laughs() + "\n]>\n"
    return musicxml(title="&lol9;", extra_head=head)


# --- zip archives ----------------------------------------------------------

@dataclass(frozen=True)
class RawMember:
    """A zip member as stored: compressed bytes and header fields that may lie."""

    name: str
    data: bytes
    crc: int
    size: int           # declared uncompressed size
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0


def raw_zip(members: list[RawMember]) -> bytes:
    """A zip archive written field by field, so its headers can say what a hostile file says."""
    out, central = io.BytesIO(), io.BytesIO()
    for m in members:
        name = m.name.encode()
        offset = out.tell()
        fields = (m.flags, m.method, 0, 0x21, m.crc, len(m.data), m.size, len(name))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, *fields, 0) + name + m.data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, *fields, 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                          len(central.getvalue()), start, 0))
    return out.getvalue()


def deflated(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


@functools.cache
def zip_bomb_stream(total: int) -> tuple[bytes, int, int]:
    """(raw deflate data, crc32, inflated size) for an XML start followed by ``total`` bytes of spaces.

    A full flush resets the compressor, so one compressed MiB of spaces can be
    repeated: two megabytes of file inflate to gigabytes.
    """
    prefix = musicxml(1).encode().split(b"<part id")[0]
    chunk = b" " * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush()
    count = total // len(chunk)
    crc = zlib.crc32(prefix)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    return head + block * count + tail, crc, len(prefix) + count * len(chunk)


def mxl(score: str | bytes, name: str = "score.xml", container: bool = True) -> bytes:
    """A well-formed compressed MusicXML archive holding ``score``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if container:
            archive.writestr("META-INF/container.xml", container_xml(name))
        archive.writestr(name, score)
    return buffer.getvalue()


def container_xml(rootfile: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><container><rootfiles>'
        f'<rootfile full-path="{rootfile}" media-type="application/vnd.recordare.musicxml+xml"/>'
        "</rootfiles></container>"
    )


def _container_only(rootfile: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/container.xml", container_xml(rootfile))
        archive.writestr("score.musicxml.bak", musicxml())
    return buffer.getvalue()


def _many_members(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("score.xml", musicxml())
        for i in range(10_001):
            archive.writestr(f"images/{i}.png", b"")


def _zip_bomb(honest: bool) -> Callable[[Path], None]:
    """A 2 MB .mxl of 2 GiB; the lying one declares 48 MiB, under every size and ratio limit."""

    def make(path: Path) -> None:
        stream, crc, size = zip_bomb_stream(ZIP_BOMB_BYTES)
        path.write_bytes(raw_zip([RawMember("score.xml", stream, crc, size if honest else 48 * 1024**2)]))

    return make


def _huge_score(path: Path) -> None:
    path.write_text(musicxml(HUGE_MEASURES, title="Ten thousand bars"), encoding="utf-8")


def _flipped(data: bytes, start: int, count: int = 16) -> bytes:
    broken = bytearray(data)
    for i in range(start, start + count):
        broken[i] ^= 0x5A
    return bytes(broken)


# --- what happens to files mid-run ---------------------------------------------

def _vanish(path: Path) -> None:
    path.unlink()


def _rewrite_as_other_score(path: Path) -> None:
    path.write_text(musicxml(8, title="Rewritten while indexing"), encoding="utf-8")


def _rewrite_as_garbage(path: Path) -> None:
    path.write_bytes(b"\x00\x01garbage written while indexing")


# --- the cases -------------------------------------------------------------------

def _cases(folder: Path) -> dict[str, tuple[bytes | Callable[[Path], None], Expectation]]:
    """name -> (file bytes, or a function that makes the file at a path; expectation)."""
    canary = folder / CANARY_PATH
    valid = musicxml().encode()
    valid_mxl = mxl(valid)
    member = deflated(valid)
    root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    linux = sys.platform.startswith("linux")
    evil_dtd = f'<!ENTITY xxe SYSTEM "{canary.as_uri()}">'
    failed, ok = "failed", "ok"
    return {
        # control cases: valid files must index fine next to the hostile ones
        "valid.musicxml": (valid, Expectation(ok)),
        "valid.mxl": (valid_mxl, Expectation(ok)),
        # broken and hostile zips
        "truncated.mxl": (valid_mxl[: len(valid_mxl) // 2], Expectation(failed, r"not a valid \.mxl \(zip\) file")),
        "corrupt_deflate.mxl": (_flipped(valid_mxl, valid_mxl.index(b"score.xml") + 40),
                                Expectation(failed, r"cannot be read|not a valid \.mxl")),
        "not_a_zip.mxl": (valid, Expectation(failed, r"not a valid \.mxl \(zip\)")),
        "zip_bomb.mxl": (_zip_bomb(honest=True),
                         Expectation(failed, r"would inflate to 2,147,\d{3},\d{3} bytes; refused")),
        "zip_bomb_lying_header.mxl": (_zip_bomb(honest=False), Expectation(failed, r"Bad CRC-32")),
        "encrypted.mxl": (raw_zip([RawMember("score.xml", member, zlib.crc32(valid), len(valid), flags=1)]),
                          Expectation(failed, r"encrypted")),
        "unknown_compression.mxl": (raw_zip([RawMember("score.xml", member, zlib.crc32(valid), len(valid), method=97)]),
                                    Expectation(failed, r"compression method")),
        "container_escapes.mxl": (_container_only("../../etc/passwd"),
                                  Expectation(failed, r"names '\.\./\.\./etc/passwd', which is not in the archive")),
        "container_points_at_canary.mxl": (_container_only(str(canary)), Expectation(failed, r"not in the archive")),
        "member_named_outside.mxl": (mxl(valid, "../../escaped.xml", container=False), Expectation(ok)),
        "many_members.mxl": (_many_members, Expectation(failed, r"holds 10002 files; refused")),
        # entity attacks: declarations anywhere, in any encoding, are refused before parsing
        "billion_laughs.musicxml": (billion_laughs().encode(), Expectation(failed, r"declares entities")),
        "billion_laughs_past_first_mib.musicxml": (billion_laughs(pad=1 << 20).encode(),
                                                   Expectation(failed, r"declares entities")),
        "billion_laughs_utf16_no_bom.musicxml": (billion_laughs().replace("UTF-8", "UTF-16").encode("utf-16-le"),
                                                 Expectation(failed, r"declares entities")),
        "billion_laughs_in_container.mxl": (_container_with_laughs(valid), Expectation(failed, r"container declares")),
        "xxe_local_file.musicxml": (musicxml(title="&xxe;", extra_head=_doctype(evil_dtd)).encode(),
                                    Expectation(failed, r"declares entities")),
        "xxe_via_external_dtd.musicxml": (
            musicxml(title="&xxe;", extra_head=f'<!DOCTYPE score-partwise SYSTEM "{(folder / "secrets/evil.dtd").as_uri()}">\n').encode(),
            Expectation(failed, r"undefined entity &xxe;")),     # xml2abc's ElementTree never reads the DTD
        "xinclude_of_canary.musicxml": (
            musicxml(work_title=f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{canary.as_uri()}" parse="text"/>').encode(),
            Expectation(ok)),
        # structure
        "deeply_nested.musicxml": (musicxml(1).replace("<type>whole</type>", "<a>" * 100_000 + "</a>" * 100_000).encode(),
                                   Expectation(failed, r"not well-formed XML \(Excessive depth")),
        "not_musicxml.xml": (b'<?xml version="1.0"?><rss version="2.0"><channel><title>feed</title></channel></rss>',
                             Expectation(failed, r"not MusicXML \(root element <rss>\)")),
        "huge_valid.musicxml": (_huge_score, Expectation(ok)),
        "tremolo_memory_bomb.musicxml": (
            musicxml(notations='<ornaments><tremolo type="single">4000000000</tremolo></ornaments>').encode(),
            Expectation(failed, r"out of memory", skip="" if linux else "the converter's memory limit is Linux-only")),
        "tremolo_abc_bomb.musicxml": (
            musicxml(notations='<ornaments><tremolo type="single">20000000</tremolo></ornaments>').encode(),
            Expectation(failed, r"MiB of ABC; refused")),
        # empty, undecodable, noise
        "empty.musicxml": (b"", Expectation(failed, r"the file is empty")),
        "empty.mxl": (b"", Expectation(failed, r"not a valid \.mxl \(zip\) file")),
        "only_whitespace.xml": (b" \n\t\n", Expectation(failed, r"the file is empty")),
        "nul_bytes.xml": (b"\x00" * 4096, Expectation(failed, r"not well-formed XML")),
        "noise.musicxml": (random.Random(7).randbytes(50_000), Expectation(failed, r"not well-formed XML|not MusicXML")),
        "bad_utf8_before_root.musicxml": (valid.replace(b"<score-partwise", b"<!-- \xff\xfe\xc3 --><score-partwise", 1),
                                          Expectation(failed, r"not well-formed XML")),
        "undecodable_shift_jis.xml": (valid.replace(b"UTF-8", b"Shift_JIS").replace(b"Flute", b"\x81\x39\xff\xfd"),
                                      Expectation(failed, r"cannot be decoded as shift_jis")),
        "unknown_encoding.xml": (valid.replace(b"UTF-8", b"x-no-such-charset"),
                                 Expectation(failed, r"cannot be decoded as x-no-such-charset")),
        "lone_surrogate_via_codec.xml": (valid.replace(b"UTF-8", b"unicode_escape").replace(b"Flute", b"\\ud800"),
                                         Expectation(failed, r"cannot be decoded as unicode_escape")),
        "utf16_without_bom.musicxml": (valid.replace(b"UTF-8", b"UTF-16").decode().encode("utf-16-le"),
                                       Expectation(ok)),
        # names
        "name with  spaces.musicxml": (valid, Expectation(ok)),
        "ünïcödé – 曲 🎻.musicxml": (valid, Expectation(ok)),
        "new\nline.musicxml": (valid, Expectation(ok)),
        os.fsdecode(b"latin1_caf\xe9.musicxml"): (valid, Expectation(failed, r"file name is not valid UTF-8")),
        # the file system
        "vanishes_while_indexing.musicxml": (valid, Expectation("absent", during_run=_vanish)),
        "rewritten_while_indexing.musicxml": (valid, Expectation(ok, during_run=_rewrite_as_other_score)),
        "garbled_while_indexing.musicxml": (valid, Expectation(failed, r"not well-formed XML",
                                                               during_run=_rewrite_as_garbage)),
        "unreadable.musicxml": (_unreadable, Expectation(
            failed, r"Permission denied",
            skip="running as root: chmod 000 does not stop root from reading" if root else "")),
        "looped/inside_a_symlink_loop.musicxml": (_symlink_loop, Expectation(ok)),
        "link_to_canary.musicxml": (_link_to_canary, Expectation(failed, r"not well-formed XML")),
        "sparse_300_mib.mxl": (_sparse_huge, Expectation(failed, r"larger than 256 MiB")),
    }


def _container_with_laughs(score: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/container.xml", _doctype(_laughs()) + container_xml("&lol9;"))
        archive.writestr("score.musicxml", score)
    return buffer.getvalue()


def _unreadable(path: Path) -> None:
    path.write_text(musicxml(), encoding="utf-8")
    path.chmod(0)


def _symlink_loop(path: Path) -> None:
    """A folder holding a score, a link to itself and a link back to the corpus root."""
    path.write_text(musicxml(), encoding="utf-8")
    (path.parent / "self").symlink_to(".", target_is_directory=True)
    (path.parent / "back").symlink_to("..", target_is_directory=True)


def _link_to_canary(path: Path) -> None:
    path.symlink_to(Path("secrets") / "canary.txt")


def _sparse_huge(path: Path) -> None:
    with open(path, "wb") as handle:
        handle.truncate(300 * 1024**2)


def build_hostile_corpus(folder: str | Path, names: tuple[str, ...] | None = None) -> dict[str, Expectation]:
    """Write every hostile case, or those ``names``, (and the canary) under ``folder``; returns name -> expectation."""
    folder = Path(folder)
    secrets = folder / "secrets"
    secrets.mkdir(parents=True, exist_ok=True)
    (folder / CANARY_PATH).write_text(CANARY_TEXT + "\n", encoding="utf-8")
    (secrets / "evil.dtd").write_text(f'<!ENTITY xxe SYSTEM "{(folder / CANARY_PATH).as_uri()}">\n', encoding="utf-8")
    expectations = {}
    for name, (content, expectation) in _cases(folder).items():
        if names is not None and name not in names:
            continue
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if callable(content):
                content(path)
            else:
                path.write_bytes(content)
        except OSError as exc:  # e.g. a file system that only takes UTF-8 names
            expectation = replace(expectation, skip=f"this file system cannot hold the case: {exc.strerror or exc}")
        expectations[name] = expectation
    return expectations


# The case names, for parametrizing tests before any folder exists (building the dict writes nothing).
CASE_NAMES = tuple(_cases(Path("/hostile")))


def misbehaving_convert(item: str) -> str:
    """A converter that fails the ways a converter process can: for testing ``ConverterPool``.

    It lives here, not in a test module, because spawned workers import it and
    this module is light (no torch).
    """
    import signal
    import time

    if item == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if item == "hang":
        if os.environ.get("CLAMP_TESTS_BUSY_MARKER"):   # tells a test the worker has the item and is busy
            Path(os.environ["CLAMP_TESTS_BUSY_MARKER"]).touch()
        time.sleep(3600)
    if item == "exit":
        os._exit(3)
    if item == "raise":
        raise KeyError("something the converter did not expect")
    return item.upper()


def hanging_convert_job(item) -> list:
    """The indexer's conversion job, stuck: for testing that a lone file still gets the time limit.

    60 s, not forever: converted in-process by mistake, the test fails after a minute instead of hanging.
    """
    import time

    time.sleep(60)
    raise RuntimeError(f"{item[0]} was converted in the indexing process, not in a killable one")
