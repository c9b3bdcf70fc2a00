"""The SOC module's Sigma engine against the reference, pySigma's SQLite backend (sigma_oracle.py): the bundled rules
run over the same event corpus (data/sigma-events.ndjson, written by make_sigma_events.py) through
`hues soc match` and through SQLite, and every rule must match exactly the same events in both. What the reference
does on each construct is written down in SIGMA_SEMANTICS.md."""
import json
import os
import subprocess
import tempfile

import pytest

import make_sigma_events
import sigma_oracle
from conftest import ROOT, _binary

RULE_DIRS = make_sigma_events.RULE_DIRS
EVENTS = make_sigma_events.OUT
RULES = sigma_oracle.load_rules(RULE_DIRS)
SHOWN = 15  # disagreeing events listed per rule and side


@pytest.fixture(scope="module")
def reference():
    connection = sigma_oracle.build_db(RULES, sigma_oracle.read_events(EVENTS))
    return sigma_oracle.run(connection, RULES)["rules"]


@pytest.fixture(scope="module")
def engine():
    command = [_binary(), "soc", "match"]
    for directory in RULE_DIRS:
        command += ["--rules", directory]
    command += ["--events", EVENTS]
    env = dict(os.environ, HUES_DATA_DIR=tempfile.mkdtemp(prefix="hues-sigma-"), HUES_LOG_LEVEL="error")
    env.pop("HUES_DATABASE_URL", None)
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"{' '.join(command)} exited {run.returncode}:\n{run.stderr[-4000:]}"
    try:
        output = json.loads(run.stdout)
    except ValueError:
        pytest.fail(f"hues soc match did not print JSON:\n{run.stdout[:2000]}")
    assert isinstance(output, dict) and isinstance(output.get("rules"), dict), "the output is {\"rules\": {...}}"
    return output["rules"]


@pytest.fixture(scope="module")
def lines():
    with open(EVENTS, encoding="utf-8") as f:
        return f.read().split("\n")


def test_the_corpus_is_what_the_generator_writes(lines):
    written, _ = make_sigma_events.build()
    assert lines[:-1] == written and lines[-1] == "", \
        "data/sigma-events.ndjson is stale: run Tests/interop/make_sigma_events.py and commit the result"


def test_the_reference_matches_every_rule_at_least_once(reference):
    silent = [f"{rule.id} {rule.title}" for rule in RULES if not reference[rule.id]]
    assert not silent, "rules the corpus never triggers:\n" + "\n".join(silent)


def test_the_engine_reports_every_rule_and_only_those(engine):
    expected = {rule.id for rule in RULES}
    missing, extra = sorted(expected - set(engine)), sorted(set(engine) - expected)
    assert not missing and not extra, f"rules missing from the engine's output: {missing}; unknown rules: {extra}"


# Where the engine deliberately does not copy the reference (docs/soc.md, "Where the engine differs"): the reference
# compares CIDR networks as text prefixes and sorts any text above every number; the engine parses addresses and
# compares only numbers. Each such event is labelled in the corpus; the two may differ on those and on nothing else.
DELIBERATE = (
    "::1 written in full", "cidr is a text prefix", "text after the address", "loopback written in full",
    "'10.1.2.3:445' starts '10.'", "text never compares below a number", "is greater than any number",
    "text bytes are greater than any number",
)


def deliberate_lines(rule_file, lines):
    """The lines labelled as a deliberate difference for this rule (its file name starts the label)."""
    stem = os.path.splitext(os.path.basename(rule_file))[0]
    found = set()
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        label = json.loads(line).get("_case", "")
        if label.startswith(stem + ":") and any(mark in label for mark in DELIBERATE):
            found.add(number)
    return found


@pytest.mark.parametrize("rule", RULES, ids=[os.path.splitext(os.path.basename(r.path))[0] for r in RULES])
def test_the_engine_matches_what_the_reference_matches(rule, reference, engine, lines):
    ours = engine.get(rule.id)
    assert isinstance(ours, list) and all(isinstance(n, int) for n in ours), f"{rule.id}: not a list of line numbers"
    assert ours == sorted(set(ours)), f"{rule.id}: line numbers not ascending and distinct"
    assert ours, f"{rule.id} ({rule.title}) matched no event"
    theirs = reference[rule.id]
    differing = set(ours) ^ set(theirs)
    if differing <= deliberate_lines(rule.path, lines):
        return
    report = [f"rule {rule.id}: {rule.title}", f"  file {os.path.relpath(rule.path, ROOT)}"]
    for label, only in (("reference only (the engine misses)", sorted(set(theirs) - set(ours))),
                        ("engine only (the reference does not match)", sorted(set(ours) - set(theirs)))):
        if not only:
            continue
        report.append(f"  {label}: {len(only)} event(s)")
        for number in only[:SHOWN]:
            report.append(f"    line {number}: {lines[number] if number < len(lines) else '<past the end of the file>'}")
        if len(only) > SHOWN:
            report.append(f"    ... and {len(only) - SHOWN} more")
    report.append("  reference SQL: " + " UNION ".join(rule.queries)[:1500])
    pytest.fail("\n".join(report), pytrace=False)
