"""tests/ci_strict.py in a nested pytest run: under CI=true every way of skipping fails, with
the reason shown; without CI a skip stays a skip."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SKIPPING = """
import pytest

def test_skip():
    pytest.skip("no camera attached")

@pytest.mark.skipif(True, reason="needs a GPU")
def test_skipif():
    pass

def test_importorskip():
    pytest.importorskip("editron_no_such_module")

@pytest.fixture()
def service():
    pytest.skip("the service is not reachable")

def test_skipped_by_a_fixture(service):
    pass

@pytest.mark.xfail(reason="a known bug")
def test_xfail():
    assert False

def test_passes():
    pass
"""

MODULE_LEVEL = """
import pytest
pytest.importorskip("editron_no_such_module", reason="the optional extra is missing")

def test_never_collected():
    pass
"""

# The module is already imported (conftest loads it), so pytest cannot rewrite its asserts.
ARGS = ("-p", "tests.ci_strict", "-p", "no:randomly", "-p", "no:cacheprovider", "-rA",
        "-W", "ignore::pytest.PytestAssertRewriteWarning")


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str | None,
         **files: str) -> pytest.RunResult:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    pytester.makepyfile(**files)
    return pytester.runpytest_inprocess(*ARGS)


def test_under_ci_every_skip_and_xfail_fails_with_its_reason(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(pytester, monkeypatch, "true", test_skipping=SKIPPING)
    # A skip in setup (a skipif mark, a fixture that skips) fails there: reported as an error.
    result.assert_outcomes(passed=1, failed=3, errors=2)
    result.stdout.fnmatch_lines_random([
        "*CI=true forbids skipping*no camera attached*",
        "*CI=true forbids skipping*needs a GPU*",
        "*CI=true forbids skipping*editron_no_such_module*",
        "*CI=true forbids skipping*the service is not reachable*",
        "*CI=true forbids skipping*xfail*a known bug*",
    ])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_under_ci_a_module_level_skip_fails_the_run(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(pytester, monkeypatch, "1", test_module_level=MODULE_LEVEL)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*CI=true forbids skipping*the optional extra is missing*"])
    assert result.ret != pytest.ExitCode.OK


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_without_ci_skips_stay_skips(ci: str | None, pytester: pytest.Pytester,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(pytester, monkeypatch, ci, test_skipping=SKIPPING,
                  test_module_level=MODULE_LEVEL)
    result.assert_outcomes(passed=1, skipped=5, xfailed=1)
    assert result.ret == pytest.ExitCode.OK
