"""The CI guard over tests/ (tests/check_tests.py): the suite passes it, and each rule catches its case."""

from __future__ import annotations

import textwrap

from check_tests import check_folder, check_source, stale_entries


def findings(source: str, filename: str = "test_example.py") -> list[str]:
    return check_source(textwrap.dedent(source), filename)


def test_the_test_suite_passes_the_guard():
    assert check_folder() == []


def test_a_test_that_cannot_fail_is_found():
    # the fuzz test of issue 21, as it was: catches every error and asserts nothing
    found = findings("""
        def test_check_musicxml_refuses_only_with_conversion_error(data):
            try:
                check_musicxml(to_utf8(data))
            except ClampDesktopError:
                return
    """)
    assert len(found) == 1 and "test_check_musicxml_refuses_only_with_conversion_error has no assert" in found[0]


def test_assert_raises_and_numpy_testing_count_as_checks():
    assert findings("""
        import numpy as np
        import pytest

        def test_assert():
            assert 1
        def test_raises():
            with pytest.raises(ValueError):
                int("x")
        def test_numpy():
            np.testing.assert_allclose([1.0], [1.0])
        class TestGroup:
            def test_nested_helper(self):
                def check():
                    assert True
                check()
    """) == []


def test_helpers_need_no_assertion_but_tests_in_test_classes_do():
    assert findings("def helper():\n    return 1\n") == []
    found = findings("class TestGroup:\n    def test_nothing(self):\n        pass\n")
    assert len(found) == 1 and "test_nothing has no assert" in found[0]


def test_sleeps_and_clock_reads_are_found_in_tests_and_helpers():
    found = findings("""
        import time
        from time import monotonic as now, sleep

        def test_fast(qtbot):
            started = time.perf_counter()
            qtbot.wait(50)
            assert time.perf_counter() - started < 2.0
        def helper():
            sleep(0.5)
            return now()
    """)
    assert [f.split(" calls ")[1].split("(")[0] for f in found] == [
        "time.perf_counter", "qtbot.wait", "time.perf_counter", "sleep", "now"]


def test_allow_listed_functions_may_use_the_clock_and_only_they():
    source = "import time\n\ndef wait_until(condition, timeout_s, what):\n    time.sleep(0.05)\n"
    assert check_source(source, "waiting.py") == []
    assert len(check_source(source, "test_other.py")) == 1


def test_allow_list_entries_must_name_existing_functions(tmp_path):
    (tmp_path / "waiting.py").write_text("def something_else():\n    pass\n")
    stale = stale_entries(tmp_path)
    assert "allow-list names waiting.py::wait_until, which does not exist" in stale
