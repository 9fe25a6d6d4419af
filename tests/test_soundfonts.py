"""Finding a SoundFont, and downloading the pinned one: resumable, size- and sha256-checked."""

from __future__ import annotations

import hashlib
import http.server
import threading

import pytest

from clamp_desktop.engine.download import DownloadError, download
from clamp_desktop.engine.soundfonts import find_soundfont, system_soundfonts
from clamp_desktop.engine.synth import SoundError

PAYLOAD = bytes(range(256)) * 4000          # ~1 MB stands in for the SoundFont
PIN = hashlib.sha256(PAYLOAD).hexdigest()


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves PAYLOAD at any path, honouring 'Range: bytes=N-'; records what was asked."""

    requests: list = []
    cut_after: int | None = None             # drop the connection after this many bytes

    def do_GET(self):
        start = int(self.headers["Range"][6:-1]) if self.headers.get("Range") else 0
        type(self).requests.append(start)
        body = PAYLOAD[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.cut_after is not None:
            body = body[: self.cut_after]
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    RangeHandler.requests, RangeHandler.cut_after = [], None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/FluidR3Mono_GM.sf3"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_download_writes_the_pinned_file_with_progress(server, tmp_path):
    seen = []
    target = download(server, tmp_path / "font.sf3", len(PAYLOAD), PIN, lambda done, total: seen.append(done))
    assert target.read_bytes() == PAYLOAD
    assert seen[-1] == len(PAYLOAD) and seen == sorted(seen)
    assert not (tmp_path / "font.sf3.part").exists()


def test_an_interrupted_download_resumes_where_it_stopped(server, tmp_path):
    RangeHandler.cut_after = 300_000
    with pytest.raises(DownloadError, match="run it again to resume"):
        download(server, tmp_path / "font.sf3", len(PAYLOAD), PIN)
    assert (tmp_path / "font.sf3.part").stat().st_size == 300_000
    RangeHandler.cut_after = None
    download(server, tmp_path / "font.sf3", len(PAYLOAD), PIN)
    assert RangeHandler.requests == [0, 300_000]
    assert (tmp_path / "font.sf3").read_bytes() == PAYLOAD


def test_a_file_that_does_not_match_its_pin_is_deleted_not_used(server, tmp_path):
    with pytest.raises(DownloadError, match="does not match"):
        download(server, tmp_path / "font.sf3", len(PAYLOAD), "0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_a_file_url_works_and_a_present_file_is_not_fetched_again(tmp_path):
    source = tmp_path / "mirror.sf3"
    source.write_bytes(PAYLOAD)
    target = download(source.as_uri(), tmp_path / "out" / "font.sf3", len(PAYLOAD), PIN)
    source.unlink()
    assert download(source.as_uri(), target, len(PAYLOAD), PIN).read_bytes() == PAYLOAD


def test_download_command_fetches_into_the_data_folder(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from clamp_desktop.cli import cli
    from clamp_desktop.engine import soundfonts

    source = tmp_path / "mirror.sf3"
    source.write_bytes(PAYLOAD)
    monkeypatch.setattr(soundfonts, "FLUIDR3_MONO", soundfonts.PinnedSoundFont(
        "FluidR3Mono_GM.sf3", "https://unreachable.invalid/x.sf3", len(PAYLOAD), PIN, "MIT"))
    result = CliRunner().invoke(cli, ["soundfont", "download", "--url", source.as_uri()], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert soundfonts.downloaded_path().read_bytes() == PAYLOAD
    assert find_soundfont(folders=[]) == soundfonts.downloaded_path()


def test_system_folders_are_searched_general_midi_first(tmp_path):
    (tmp_path / "sf2").mkdir()
    (tmp_path / "sf3").mkdir()
    for name in ("sf2/Organ.sf2", "sf3/FluidR3Mono_GM.sf3", "sf2/notes.txt"):
        (tmp_path / name).write_bytes(b"RIFF")
    (tmp_path / "sf3/default-GM.sf3").symlink_to(tmp_path / "sf3/FluidR3Mono_GM.sf3")
    found = system_soundfonts([tmp_path / "sf2", tmp_path / "sf3", tmp_path / "missing"])
    assert [p.name for p in found] == ["FluidR3Mono_GM.sf3", "Organ.sf2"]
    assert find_soundfont(folders=[tmp_path / "sf2", tmp_path / "sf3"]).name == "FluidR3Mono_GM.sf3"
    assert find_soundfont(folders=[]) is None


def test_a_chosen_soundfont_wins_and_a_missing_one_says_so(tmp_path, monkeypatch):
    chosen = tmp_path / "mine.sf2"
    chosen.write_bytes(b"RIFF")
    assert find_soundfont(chosen, folders=[]) == chosen
    monkeypatch.setenv("CLAMP_DESKTOP_SOUNDFONT", str(chosen))
    assert find_soundfont(folders=[]) == chosen
    with pytest.raises(SoundError, match="does not exist"):
        find_soundfont(tmp_path / "gone.sf3")
