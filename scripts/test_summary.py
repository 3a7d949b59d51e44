"""Read an Odoo test log and decide, more strictly than Odoo's exit code, whether the run passed.

Odoo exits 0 when no test ran and only warns when a browser test is skipped; a traceback logged
outside a test does not fail the run either. This script fails on all of those and prints one
closing line: "N passed, N failed[, N skipped]".
"""
import re
import sys

RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
SKIP_RE = re.compile(r" skipped (\S+) : (.*)$")
ERROR_RE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
BROWSER_SKIP_HINTS = ("websocket", "chrome", "chromium", "browser")


def main(log_path, odoo_rc):
    with open(log_path, encoding="utf-8", errors="replace") as log_file:
        lines = log_file.read().splitlines()
    failed = errors = ran = None
    skipped, problems = [], []
    for line in lines:
        match = RESULT_RE.search(line)
        if match:
            failed, errors, ran = (int(g) for g in match.groups())
        match = SKIP_RE.search(line)
        if match:
            skipped.append((match.group(1), match.group(2)))
        if ERROR_RE.match(line):
            problems.append(line)
        elif "Traceback (most recent call last)" in line:
            problems.append(line)
    reasons = []
    if odoo_rc != 0:
        reasons.append(f"odoo-bin exited with {odoo_rc}")
    if ran is None:
        reasons.append("no test result line in the log (install error?)")
        failed, errors, ran = 0, 0, 0
    elif ran == 0:
        reasons.append("no test ran")
    browser_skips = [s for s in skipped if any(h in s[1].lower() for h in BROWSER_SKIP_HINTS)]
    if browser_skips:
        reasons.append(f"{len(browser_skips)} browser test(s) skipped: {browser_skips[0][1]}")
    if problems:
        reasons.append(f"{len(problems)} ERROR/traceback line(s) in the log")
    bad = failed + errors
    for line in problems[:20]:
        print("  log:", line[:300])
    for reason in reasons:
        print("FAILED:", reason)
    summary = f"{ran - bad - len(skipped)} passed, {bad} failed"
    if skipped:
        summary += f", {len(skipped)} skipped"
    print(f"log: {log_path}")
    print(summary)
    return 1 if (reasons or bad) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
