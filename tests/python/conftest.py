# conftest.py: prints the results as TAP so meson counts each test case
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys

_results = []


def _tap(line):
    sys.__stdout__.write(line + "\n")
    sys.__stdout__.flush()


def pytest_runtest_logreport(report):
    name = report.nodeid.replace("#", "")
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _results.append(report)
        number = len(_results)
        if hasattr(report, "wasxfail") and report.skipped:
            # an expected failure (a known bug): TAP's TODO
            _tap(f"not ok {number} - {name} # TODO {report.wasxfail}")
        elif report.passed:
            _tap(f"ok {number} - {name}")
        elif report.skipped:
            _tap(f"ok {number} - {name} # SKIP")
        else:
            _tap(f"not ok {number} - {name}")
            for line in str(report.longrepr).splitlines():
                _tap(f"# {line}")
    elif report.when == "teardown" and report.failed:
        _results.append(report)
        _tap(f"not ok {len(_results)} - {name} (teardown)")


def pytest_sessionfinish(session, exitstatus):
    _tap(f"1..{len(_results)}")
