"""CI guard over tests/: every test can fail, and none waits or judges by the clock.

    python tests/check_tests.py          # exit 1, with one line per finding, when something is wrong

Two rules, read from the source (ast), not from a run:

1. A test function (``test_*``, module level or in a class) holds an ``assert``,
   a ``pytest.raises``/``pytest.fail``, or a ``numpy.testing.assert_*`` call.  One
   that delegates its check to a helper is listed in ``DELEGATES`` with the reason.
2. No ``time.sleep``, ``qtbot.wait`` or clock read (``time.monotonic``,
   ``time.perf_counter``, ``time.time`` ...) anywhere under tests/: wait for an
   event or a condition (``threading.Event``, ``qtbot.waitSignal``/``waitUntil``,
   ``waiting.wait_until``), and put speed figures in bench/.  The few functions
   that need one are listed in ``CLOCK_ALLOWED`` with the reason.

``tests/test_check_tests.py`` runs this over tests/ inside pytest as well, and
checks that each rule catches what it is for.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# (file, function) -> why it has no assertion of its own.
DELEGATES: dict[tuple[str, str], str] = {
    ("test_crash_safety.py", "test_a_few_random_kills_leave_a_sound_library"):
        "kill_loop calls CrashLab.check after every kill and resume, which asserts the library's invariants",
    ("test_crash_safety.py", "test_many_random_kills_leave_a_sound_library"):
        "the same kill_loop / CrashLab.check, more rounds (marker 'slow')",
}

# (file, function) -> why it may sleep or read the clock.
CLOCK_ALLOWED: dict[tuple[str, str], str] = {
    ("waiting.py", "wait_until"):
        "the one polling helper, for conditions with no event (another process, a file, a thread's end); "
        "its timeout is a limit for a hung test, nothing is asserted about the time taken",
    ("hostile_corpus.py", "misbehaving_convert"):
        "a converter double that hangs on purpose ('hang'), to test the pool's time limit and orphan handling",
    ("hostile_corpus.py", "hanging_convert_job"):
        "a conversion job that hangs on purpose, to test that a lone file still gets the time limit",
    ("test_crash_safety.py", "run_and_kill"):
        "crash injection: a random delay lands the SIGKILL inside a step; the deadline only bounds the wait",
    ("test_crash_safety.py", "_read_lines"):
        "a deadline for select() on a child's output, so a silent child cannot hang the test",
    ("test_crash_safety.py", "_orphans"):
        "polls /proc for processes that must exit; returns the survivors to name them in the failure",
    ("test_ui_playback.py", "test_space_plays_through_the_sound_device_and_the_notes_follow"):
        "a paused player must stay still: no event marks the absence of progress, so it is seen across "
        "300 ms of real audio time (the test skips without a sound device); nothing is asserted about speed",
    ("test_packaging.py", "test_bundle_gui_starts_headless"):
        "bundle smoke test (marker 'bundle'): the only sign the GUI started is that it is still running after a while",
}

SLEEPS = {("time", "sleep"), ("qtbot", "wait")}
CLOCKS = {("time", name) for name in ("monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "time",
                                      "time_ns", "process_time")}
CLOCK_FUNCTIONS = {name for _, name in SLEEPS | CLOCKS} - {"wait"}   # the names ``from time import ...`` brings
ASSERTING_CALLS = {("pytest", "raises"), ("pytest", "fail"), ("pytest", "warns")}


def _dotted(node: ast.AST) -> tuple[str, ...]:
    """('np', 'testing', 'assert_allclose') for np.testing.assert_allclose; () when not a plain name chain."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return (node.id, *reversed(parts))
    return ()


def _asserts(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name[-2:] in ASSERTING_CALLS:
                return True
            if len(name) >= 3 and name[-2] == "testing" and name[-1].startswith("assert_"):
                return True
    return False


def _time_imports(tree: ast.Module) -> set[str]:
    """Local names bound by ``from time import sleep, monotonic ...``."""
    return {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.module == "time" for alias in node.names if alias.name in CLOCK_FUNCTIONS}


def _clock_uses(function: ast.AST, bare_names: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name[-2:] in SLEEPS | CLOCKS or (len(name) == 1 and name[0] in bare_names):
            found.append((node.lineno, ".".join(name)))
    return found


def _functions(tree: ast.Module):
    """(function, is_test) for every function, outermost first; nested ones are checked with their parent."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node, node.name.startswith("test_")
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield item, node.name.startswith("Test") and item.name.startswith("test_")


def check_source(source: str, filename: str) -> list[str]:
    """Findings for one file's source, as 'file:line: what is wrong'."""
    tree = ast.parse(source, filename)
    bare = _time_imports(tree)
    findings = []
    for function, is_test in _functions(tree):
        key = (filename, function.name)
        if is_test and not _asserts(function) and key not in DELEGATES:
            findings.append(f"{filename}:{function.lineno}: {function.name} has no assert and no pytest.raises "
                            "(a test that cannot fail), and is not in DELEGATES")
        if key not in CLOCK_ALLOWED:
            findings += [f"{filename}:{line}: {function.name} calls {name}(): wait for an event or condition "
                         "(waiting.wait_until, qtbot.waitSignal) and measure speed in bench/"
                         for line, name in _clock_uses(function, bare)]
    top_level = ast.Module(body=[n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                              ast.ClassDef))], type_ignores=[])
    findings += [f"{filename}:{line}: module level calls {name}()" for line, name in _clock_uses(top_level, bare)]
    return findings


def stale_entries(folder: Path = TESTS) -> list[str]:
    """Allow-list entries whose function no longer exists (an allow-list must not outlive its reason)."""
    present = set()
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        present |= {(path.name, f.name) for f, _ in _functions(tree)}
    return [f"allow-list names {file}::{name}, which does not exist" for file, name in
            sorted(set(DELEGATES) | set(CLOCK_ALLOWED)) if (file, name) not in present]


def check_folder(folder: Path = TESTS) -> list[str]:
    findings = []
    for path in sorted(folder.glob("*.py")):
        findings += check_source(path.read_text(encoding="utf-8"), path.name)
    return findings + stale_entries(folder)


def main() -> int:
    findings = check_folder()
    for finding in findings:
        print(finding)
    if findings:
        print(f"tests/check_tests.py: {len(findings)} finding(s); see the rules at the top of the file")
        return 1
    print(f"tests/check_tests.py: {len(list(TESTS.glob('test_*.py')))} test files checked, nothing found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
