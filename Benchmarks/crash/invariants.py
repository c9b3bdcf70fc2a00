"""What "nothing half-applied" means in the tables: every write lands with its event-log entry and its case, or not
at all. Each query counts rows that break the rule; every count must be zero."""
import os
import sqlite3
import subprocess

RULES = {
    "field reports without their filing event": """
        SELECT count(*) FROM field_reports f WHERE NOT EXISTS (
            SELECT 1 FROM event_log e WHERE e.type = 'field-report.filed' AND e.subject = 'field-report:' || f.code)""",
    "filing events without their field report": """
        SELECT count(*) FROM event_log e WHERE e.type = 'field-report.filed' AND NOT EXISTS (
            SELECT 1 FROM field_reports f WHERE 'field-report:' || f.code = e.subject)""",
    "dossiers without their case": """
        SELECT count(*) FROM dossiers d WHERE NOT EXISTS (SELECT 1 FROM workflow_instances w WHERE w.id = d.id)""",
    "cases without their start event": """
        SELECT count(*) FROM workflow_instances w WHERE NOT EXISTS (
            SELECT 1 FROM event_log e WHERE e.type = 'workflow.started' AND e.subject = w.subject)""",
    "event log entries past the recorded head": """
        SELECT count(*) FROM event_log WHERE seq > (SELECT last_seq FROM event_chain WHERE id = 1)""",
    "a recorded head past the last entry": """
        SELECT count(*) FROM event_chain WHERE last_seq > (SELECT coalesce(max(seq), 0) FROM event_log)""",
    "issued invoices without their event": """
        SELECT count(*) FROM payment_invoices i WHERE NOT EXISTS (
            SELECT 1 FROM event_log e WHERE e.type = 'payments.invoice.issued' AND e.subject = i.reference)""",
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
