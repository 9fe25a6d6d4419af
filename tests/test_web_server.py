"""``clamp-desktop serve``: the real server on a loopback port, real HTTP requests."""

from __future__ import annotations

import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from clamp_desktop.engine.models import model_loader, model_name
from clamp_desktop.engine.search import search as engine_search
from clamp_desktop.store import Library
from clamp_desktop.web.lanes import ModelLane
from clamp_desktop.web.security import FAILURES_ALLOWED, Password, hash_password
from clamp_desktop.web.server import ServeOptions, checked_password
from clamp_desktop.web.service import LibraryService
from tests.cli_helpers import run_cli
from tests.web_helpers import PASSWORD, basic, password_file, raw_get, start


@pytest.fixture(scope="module")
def server(web_library, tmp_path_factory):
    with start(web_library, password_file(tmp_path_factory.mktemp("pw"))) as running:
        yield running


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, headers=basic(), timeout=120) as http:
        yield http


DOCS = Path(__file__).resolve().parent.parent / "docs" / "web-api.md"


def documented(section: str) -> set[str]:
    """The field names in the table under ``## section`` of docs/web-api.md."""
    body = DOCS.read_text(encoding="utf-8").split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", body, flags=re.MULTILINE))


def piece_ids(db) -> list[int]:
    with Library(db, readonly=True) as library:
        return [piece["id"] for piece in library.pieces()]


# --- logging in ----------------------------------------------------------------------

def test_the_api_answers_401_without_a_password(server):
    response = httpx.get(f"{server.url}/api/search", params={"q": "chorale"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert "results" not in response.json()


def test_the_api_answers_401_to_a_wrong_password(server):
    response = httpx.get(f"{server.url}/api/search", params={"q": "chorale"}, headers=basic("wrong horse"))
    assert response.status_code == 401
    assert response.json()["error"] == "Wrong password."


def test_a_browser_without_a_session_is_sent_to_the_login_form(server):
    response = httpx.get(f"{server.url}/")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    form = httpx.get(f"{server.url}/login")
    assert form.status_code == 200 and 'type="password"' in form.text


def test_the_login_form_sets_an_httponly_samesite_cookie_that_logout_ends(server):
    with httpx.Client(base_url=server.url, timeout=60) as browser:
        wrong = browser.post("/login", data={"password": "nope"})
        assert wrong.status_code == 401 and "Wrong password" in wrong.text
        response = browser.post("/login", data={"password": PASSWORD})
        assert response.status_code == 303
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
        assert browser.get("/api/facets").status_code == 200
        assert browser.get("/").status_code == 200
        browser.post("/logout")
        assert browser.get("/api/facets", headers={"X-Requested-With": "fetch"}).status_code == 401


def test_failed_logins_are_answered_429_after_a_few_a_minute(web_library, tmp_path):
    with start(web_library, password_file(tmp_path)) as fresh:
        url = f"{fresh.url}/api/facets"
        statuses = [httpx.get(url, headers=basic(f"guess {n}")).status_code for n in range(FAILURES_ALLOWED)]
        assert statuses == [401] * FAILURES_ALLOWED
        blocked = httpx.get(url, headers=basic("one more guess"))
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert httpx.get(url, headers=basic()).status_code == 429      # even the right one, for a while
        assert httpx.post(f"{fresh.url}/login", data={"password": PASSWORD}).status_code == 429


def test_a_loopback_server_without_a_password_needs_no_login_but_only_answers_to_loopback_names(web_library):
    with start(web_library, None) as open_server:
        assert httpx.get(f"{open_server.url}/api/facets").status_code == 200
        assert httpx.get(f"{open_server.url}/login").headers["location"] == "/"
        for host in ("localhost", f"localhost:{open_server.port}", "127.0.0.1"):
            assert httpx.get(f"{open_server.url}/api/facets", headers={"Host": host}).status_code == 200
        for host in ("rebound.example", f"rebound.example:{open_server.port}", "192.168.1.20"):   # DNS rebinding
            refused = httpx.get(f"{open_server.url}/api/facets", headers={"Host": host})
            assert refused.status_code == 403 and "results" not in refused.text


def test_a_non_loopback_host_without_a_password_refuses_to_start(web_library, capsys):
    code, out, err = run_cli(["serve", "--db", str(web_library), "--host", "0.0.0.0", "--port", "0"], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "without a password" in err and "--password-file" in err
    for host in ("192.168.1.20", "::", "example.org"):
        with pytest.raises(Exception, match="without a password"):
            checked_password(ServeOptions(web_library, host, 0))
    assert checked_password(ServeOptions(web_library, "localhost", 0)) is None


def test_a_stored_password_is_an_scrypt_hash_and_compares_either_way(tmp_path):
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    for text in (stored, PASSWORD):
        password = Password.from_text(text)
        assert password.matches(PASSWORD) and password.matches(PASSWORD)    # the second from the known-good tag
        assert not password.matches(PASSWORD + " ") and not password.matches("")


def test_a_port_in_use_is_one_line(web_library, server, capsys):
    code, _, err = run_cli(["serve", "--db", str(web_library), "--port", str(server.port)], capsys)
    assert code == 1 and err.startswith("error: Cannot listen on 127.0.0.1:") and err.count("\n") == 1


# --- the API ---------------------------------------------------------------------------

def test_search_json_is_the_engines_ranking(client, web_library):
    body = client.get("/api/search", params={"q": "a four-part chorale", "top": 3}).json()
    name = model_name(None)
    with Library(web_library, readonly=True) as library:
        expected = engine_search(library, "a four-part chorale", name, model_loader(None), top=3)
    assert [row["id"] for row in body["results"]] == [hit.piece["id"] for hit in expected.hits]
    assert body["total"] == expected.total == len(piece_ids(web_library))
    first = body["results"][0]
    assert {"id", "title", "composer", "score", "cosine", "key", "meter", "tags"} <= first.keys()
    scores = [row["score"] for row in body["results"]]
    assert scores == [pytest.approx(hit.cosine) for hit in expected.hits] and all(-1 <= s <= 1 for s in scores)
    # the bundled model's calibrated relevance, as the engine gives it
    assert [row["relevance"] for row in body["results"]] == [pytest.approx(hit.relevance) for hit in expected.hits]
    assert all(0 < hit.relevance < 1 for hit in expected.hits)
    assert "path" not in first
    assert set(body) == documented("search") and all(set(row) == documented("result") for row in body["results"])


def composers(db) -> list[str]:
    with Library(db, readonly=True) as library:
        return [piece["composer"] or "" for piece in library.pieces()]


def test_filter_mode_lists_the_matching_pieces_without_scores(client, web_library):
    body = client.get("/api/search", params={"q": "composer:bach", "mode": "filter"}).json()
    bach = sum("bach" in name.lower() for name in composers(web_library))
    assert body["total"] == bach >= 2 and body["mode"] == "filter"
    assert all("Bach" in row["composer"] and row["score"] is None for row in body["results"])
    assert client.get("/api/search", params={"top": "many"}).status_code == 400


def test_facets_count_the_library(client, web_library):
    facets = client.get("/api/facets").json()
    assert sum(entry["count"] for entry in facets["meter"]) == len(piece_ids(web_library))
    bach = "Johann Sebastian Bach"   # "J.S. Bach" in the files: one canonical name per person
    assert {"value": bach, "count": composers(web_library).count(bach)} in facets["composer"]


def test_a_piece_has_metadata_pages_and_similar_pieces(client, web_library):
    first = piece_ids(web_library)[0]
    piece = client.get(f"/api/pieces/{first}").json()
    assert piece["id"] == first and piece["pages"] >= 1 and piece["file"].endswith(".mxl")
    assert "path" not in piece and "abc" not in piece and set(piece) == documented("piece")
    similar = client.get(f"/api/pieces/{first}/similar", params={"top": 3}).json()
    assert set(similar) == documented("similar")
    ids = [row["id"] for row in similar["results"]]
    assert len(ids) == 3 and first not in ids


def test_a_page_is_an_svg_with_engraved_notes_and_its_own_policy(client, web_library):
    first = piece_ids(web_library)[0]
    response = client.get(f"/api/pieces/{first}/pages/1.svg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    assert response.text.startswith("<svg") and response.text.count('class="note"') > 10
    assert "script" not in response.headers["content-security-policy"]
    missing = client.get(f"/api/pieces/{first}/pages/999.svg")
    assert missing.status_code == 422 and "no page 999" in missing.json()["error"]


def test_rendered_pages_are_served_from_the_cache(client, web_library):
    with Library(web_library, readonly=True) as library:
        piece = library.pieces()[-1]
    page = client.get(f"/api/pieces/{piece['id']}/pages/1.svg").content
    moved = piece["path"] + ".away"
    shutil.move(piece["path"], moved)
    try:
        assert client.get(f"/api/pieces/{piece['id']}/pages/1.svg").content == page   # no file needed
        assert client.get(f"/api/pieces/{piece['id']}/pages/2.svg").status_code == 422
        metadata = client.get(f"/api/pieces/{piece['id']}").json()      # still there, saying why no pages
        assert metadata["pages"] == 0 and "cannot be read" in metadata["render_error"]
    finally:
        shutil.move(moved, piece["path"])


def test_pages_and_api_carry_a_content_security_policy(client):
    for path in ("/", "/api/facets", "/static/app.js"):
        headers = client.get(path).headers
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"] or path == "/api/facets"
        assert headers["x-content-type-options"] == "nosniff"


# --- paths ---------------------------------------------------------------------------------

def test_path_escape_attempts_never_reach_a_file(server, tmp_path, web_library):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    score = Library(web_library, readonly=True).pieces()[0]["path"]
    attempts = [
        "/api/pieces/../../../../../../" + str(secret).lstrip("/"),
        "/api/pieces/..%2f..%2f..%2f..%2f..%2f..%2f" + str(secret).lstrip("/").replace("/", "%2f"),
        "/static/..%2f..%2f..%2f..%2f..%2f..%2f" + str(secret).lstrip("/").replace("/", "%2F"),
        "/static/../../../../../../../.." + str(secret),
        "/static/%2e%2e/%2e%2e/app.py",
        "/static/app.py", "/static/index.html/../../security.py",
        str(secret), "/" + str(secret), "//" + str(secret).lstrip("/"), "/%2f" + str(secret).lstrip("/"),
        score, "/api/pieces/" + score.replace("/", "%2f"),
        "/api/pieces/abc", "/api/pieces/1.0", "/api/pieces/-1", "/api/pieces/0x1", "/api/pieces/%31%2e",
        "/api/pieces/99999999999999999999999999", "/api/pieces/1/pages/..%2f..%2f1.svg",
        "/api/pieces/1/pages/" + str(secret).lstrip("/").replace("/", "%2f") + ".svg",
        "/api/pieces/" + "9" * 30 + "/pages/1.svg",
    ]
    for path in attempts:
        status, body = raw_get(server.port, path, basic())
        assert status in (400, 404), (path, status)
        assert b"TOP-SECRET" not in body and b"<score-partwise" not in body and b"import " not in body, path


# --- load ------------------------------------------------------------------------------------

class _OneAtATime:
    """The real model, with a probe that notes when two encodes overlap."""

    def __init__(self, model):
        self.model, self.running, self.overlaps, self.texts = model, 0, 0, 0
        self._lock = threading.Lock()

    def encode_text(self, texts):
        with self._lock:
            self.running += 1
            self.texts += len(texts)
            self.overlaps += self.running > 1
        try:
            return self.model.encode_text(texts)
        finally:
            with self._lock:
                self.running -= 1


def test_forty_concurrent_clients_are_all_answered_and_the_model_runs_one_at_a_time(web_library, tmp_path):
    probe = _OneAtATime(model_loader(None)())
    service = LibraryService(web_library)
    service.model = ModelLane(lambda: probe)
    first = piece_ids(web_library)[0]
    gate = threading.Barrier(40)

    def client(number: int) -> list[int]:
        with httpx.Client(base_url=running.url, headers=basic(), timeout=300) as http:
            gate.wait()
            answers = [http.get("/api/search", params={"q": f"a piece in the style number {number}", "top": 5})]
            answers.append(http.get(f"/api/pieces/{first}/pages/1.svg"))
        return [answer.status_code for answer in answers] + [len(answers[0].json()["results"])]

    with start(web_library, password_file(tmp_path), service=service) as running, ThreadPoolExecutor(40) as pool:
        results = list(pool.map(client, range(40)))
    assert results == [[200, 200, 5]] * 40
    assert probe.texts == 40 and probe.overlaps == 0          # every query encoded, never two runs at once


# --- TLS -------------------------------------------------------------------------------------

@pytest.fixture
def certificate(tmp_path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the system's openssl."""
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed; the TLS test needs it to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def test_tls_serves_https_with_a_secure_session_cookie(web_library, tmp_path, certificate):
    import ssl

    cert, key = certificate
    trust = ssl.create_default_context(cafile=str(cert))
    with start(web_library, password_file(tmp_path), certfile=cert, keyfile=key) as secure:
        assert secure.url.startswith("https://")
        with httpx.Client(base_url=secure.url, verify=trust, timeout=60) as browser:
            assert browser.get("/api/facets", headers=basic()).status_code == 200
            login = browser.post("/login", data={"password": PASSWORD})
            assert "secure" in login.headers["set-cookie"].lower()
    with pytest.raises(Exception, match="both --certfile and --keyfile"):
        checked_password(ServeOptions(web_library, "127.0.0.1", 0, certfile=cert))


def test_texts_encoded_together_get_the_vectors_they_get_alone():
    import numpy as np

    model = model_loader(None)()
    lane = ModelLane(lambda: model)
    texts = [f"a slow chorale number {n}" for n in range(6)]
    try:
        with ThreadPoolExecutor(6) as pool:
            together = list(pool.map(lambda text: lane.encode_text([text])[0], texts))
    finally:
        lane.close()
    alone = [model.encode_text([text])[0] for text in texts]
    assert np.allclose(np.stack(together), np.stack(alone), atol=1e-5)
