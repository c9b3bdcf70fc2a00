"""What "nothing half-applied" means in the tables: every write lands with its event-log entry and its case, or not
at all. Each query counts rows that break the rule; every count must be zero."""
import os
import sqlite3
import subprocess

# Each rule is a set difference (NOT IN over a filtered subquery, which both databases evaluate once, into a hash or
# a temporary index), not a correlated lookup per row: the event log grows by thousands of entries per cycle.
RULES = {
    "field reports without their filing event": """
        SELECT count(*) FROM field_reports WHERE 'field-report:' || code NOT IN (
            SELECT subject FROM event_log WHERE type = 'field-report.filed' AND subject IS NOT NULL)""",
    "filing events without their field report": """
        SELECT count(*) FROM event_log WHERE type = 'field-report.filed' AND subject NOT IN (
            SELECT 'field-report:' || code FROM field_reports)""",
    "dossiers without their case": """
        SELECT count(*) FROM dossiers WHERE id NOT IN (SELECT id FROM workflow_instances)""",
    "cases without their start event": """
        SELECT count(*) FROM workflow_instances WHERE subject NOT IN (
            SELECT subject FROM event_log WHERE type = 'workflow.started' AND subject IS NOT NULL)""",
    "event log entries past the recorded head": """
        SELECT count(*) FROM event_log WHERE seq > (SELECT last_seq FROM event_chain WHERE id = 1)""",
    "a recorded head past the last entry": """
        SELECT count(*) FROM event_chain WHERE last_seq > (SELECT coalesce(max(seq), 0) FROM event_log)""",
    "issued invoices without their event": """
        SELECT count(*) FROM payment_invoices WHERE reference NOT IN (
            SELECT subject FROM event_log WHERE type = 'payments.invoice.issued' AND subject IS NOT NULL)""",
}


def check_invariants(data_dir, database_url=None):
    problems = []
    for rule, query in RULES.items():
        count = _count(query, data_dir, database_url)
        if count != 0:
            problems.append("%d %s" % (count, rule))
    return problems


def _count(query, data_dir, database_url):
    if database_url:
        result = subprocess.run(["psql", database_url, "-At", "-c", query], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError("psql: " + result.stderr)
        return int(result.stdout.strip())
    connection = sqlite3.connect("file:%s?mode=ro" % os.path.join(data_dir, "hues.sqlite"), uri=True, timeout=30)
    try:
        return connection.execute(query).fetchone()[0]
    finally:
        connection.close()
