#!/usr/bin/env python3
"""The reference the SOC module's Sigma engine is checked against: pySigma's SQLite backend (the converter behind
Zircolite) turns each rule into SQL, the events go into an SQLite table, and the rows each query returns are the
rule's matches.

    Tests/interop/sigma_oracle.py --rules DIR [--rules DIR2 ...] --events FILE.ndjson [--sql]

prints {"rules": {"<rule id>": [0-based line numbers of the matching events, ascending], ...}} with every rule
present. `--sql` prints each rule's SQL instead.

The table is laid out the way the backend's output assumes (see SIGMA_SEMANTICS.md beside this file for what follows):
- one column per field name seen in the events or named by a rule; SQLite column names, and so field names, are
  case-insensitive (ASCII letters only);
- every column is declared `NUMERIC COLLATE NOCASE`: `=`, `<`, `>` between text ignore ASCII case, and text that
  reads as a decimal number is stored as that number, so a rule's 4624 matches the event's "4624" and `lt: 1024`
  compares numbers as numbers (a TEXT column would compare '443' < 1024 as text, and find it false);
- JSON strings and numbers are stored as they are, true/false as the text 'true'/'false' (what Sigma rules compare
  against), null as SQL NULL, the same as a missing field;
- REGEXP is Python's `re.search` (no flags; a pattern may carry its own, e.g. `(?i)`), false on NULL.

Functions for other scripts: load_rules(dirs), read_events(path), build_db(rules, events), run(connection, rules),
match(rule_dirs, events_path).
"""
import argparse
import functools
import json
import math
import os
import re
import sqlite3
import sys
from dataclasses import dataclass, field

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection

TABLE = "logs"
LINE_COLUMN = "__sigma_oracle_line"  # the event's 0-based line number; no rule names a field like it
QUERY_PREFIX = f"SELECT * FROM {TABLE} WHERE "
COLUMN_TYPE = "NUMERIC COLLATE NOCASE"
INT64 = (-(2 ** 63), 2 ** 63 - 1)


@dataclass
class Rule:
    id: str
    title: str
    path: str
    queries: list  # the backend's SQL, one per condition of the rule
    fields: list = field(default_factory=list)  # field names the rule's detection reads


def quote(name):
    """An SQL identifier the way the backend writes one it has to quote."""
    return "`" + name.replace("`", "``") + "`"


def ascii_lower(name):
    """SQLite compares identifiers ignoring the case of ASCII letters only."""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in name)


def rule_files(dirs):
    """The .yml/.yaml files of each directory, by file name, the directories in the order given."""
    files = []
    for directory in dirs:
        names = sorted(n for n in os.listdir(directory) if n.endswith((".yml", ".yaml")))
        files.extend(os.path.join(directory, n) for n in names)
    return files


def load_rules(dirs, files=None):
    """Parses and converts every rule in the directories (or the given files); any rule that pySigma or the backend
    refuses is an error, as the platform's rule set is meant to be wholly within the subset both support."""
    backend = sqliteBackend()
    rules, seen = [], {}
    for path in files if files is not None else rule_files(dirs):
        with open(path, encoding="utf-8") as f:
            collection = SigmaCollection.from_yaml(f.read())
        if len(collection.rules) != 1:
            raise ValueError(f"{path}: expected one rule, found {len(collection.rules)}")
        sigma_rule = collection.rules[0]
        queries = backend.convert(collection)
        for query in queries:
            if not query.startswith(QUERY_PREFIX):
                raise ValueError(f"{path}: unexpected SQL shape: {query[:80]}")
        rule_id = str(sigma_rule.id) if sigma_rule.id else os.path.splitext(os.path.basename(path))[0]
        if rule_id in seen:
            raise ValueError(f"{path}: rule id {rule_id} also in {seen[rule_id]}")
        seen[rule_id] = path
        rules.append(Rule(rule_id, sigma_rule.title, path, queries, backend.required_fields(sigma_rule)))
    return rules


def read_events(path):
    """The NDJSON file as a list of (0-based line number, event). Blank lines are no events but keep their number."""
    events = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f):
            if line.strip():
                event = json.loads(line)
                if not isinstance(event, dict):
                    raise ValueError(f"line {number}: not a JSON object")
                events.append((number, event))
    return events


def sql_value(value):
    """An event value as the loader binds it (the column's NUMERIC affinity then converts number-like text)."""
    kind = type(value)
    if value is None or kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        # Python's sqlite3 cannot bind an integer outside int64; as text it becomes a REAL, like Zircolite's.
        return value if INT64[0] <= value <= INT64[1] else str(value)
    if kind is float:
        if not math.isfinite(value):
            raise ValueError("non-finite number")
        return value
    raise ValueError("nested values are outside the contract (flat keys, scalar values)")


@functools.lru_cache(maxsize=4096)
def _sqlite_text(value):
    """How SQLite writes a REAL as text (what LIKE sees), so REGEXP sees the same."""
    return sqlite3.connect(":memory:").execute("SELECT CAST(? AS TEXT)", (value,)).fetchone()[0]


@functools.lru_cache(maxsize=4096)
def _compiled(pattern):
    return re.compile(pattern)


def regexp(pattern, value):
    """`value REGEXP pattern`: Python re.search, false (not NULL) when the field is missing."""
    if value is None:
        return 0
    if isinstance(value, float):
        value = _sqlite_text(value)
    elif not isinstance(value, str):
        value = str(value)
    return 1 if _compiled(pattern).search(value) else 0


def connect():
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.create_function("regexp", 2, regexp, deterministic=True)
    return connection


def build_db(rules, events, connection=None):
    """Creates and fills the table: `events` is read_events()'s list. Returns the connection."""
    connection = connection or connect()
    columns = {}  # ASCII-lowercased name -> column name as first seen
    for rule in rules:
        for name in rule.fields:
            columns.setdefault(ascii_lower(name), name)
    rows_by_shape = {}
    fold = {}  # event key -> ASCII-lowercased, computed once per distinct key
    for number, event in events:
        keys = tuple(fold.get(key) or fold.setdefault(key, ascii_lower(key)) for key in event)
        try:
            values = [sql_value(value) for value in event.values()]
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from None
        shape = rows_by_shape.get(keys)
        if shape is None:
            if len(set(keys)) != len(keys):
                raise ValueError(f"line {number}: field names differing only in case ({', '.join(event)})")
            if ascii_lower(LINE_COLUMN) in keys:
                raise ValueError(f"line {number}: the field name {LINE_COLUMN} is the oracle's own")
            for key, low in zip(event, keys):
                columns.setdefault(low, key)
            shape = rows_by_shape[keys] = []
        shape.append((number, *values))
    if len(columns) > 1990:
        raise ValueError(f"{len(columns)} distinct field names: over SQLite's column limit")
    definitions = [f"{quote(LINE_COLUMN)} INTEGER PRIMARY KEY"] + [f"{quote(n)} {COLUMN_TYPE}" for n in columns.values()]
    connection.execute(f"CREATE TABLE {TABLE} ({', '.join(definitions)})")
    connection.execute("BEGIN")
    for keys, rows in rows_by_shape.items():
        names = ", ".join([quote(LINE_COLUMN)] + [quote(columns[k]) for k in keys])
        marks = ", ".join("?" * (len(keys) + 1))
        connection.executemany(f"INSERT INTO {TABLE} ({names}) VALUES ({marks})", rows)
    connection.execute("COMMIT")
    return connection


def run(connection, rules):
    """Each rule's matching line numbers: {"rules": {id: [line, ...]}}."""
    result = {}
    for rule in rules:
        lines = set()
        for query in rule.queries:
            sql = f"SELECT {quote(LINE_COLUMN)} FROM {TABLE} WHERE " + query[len(QUERY_PREFIX):]
            lines.update(row[0] for row in connection.execute(sql))
        result[rule.id] = sorted(lines)
    return {"rules": result}


def match(rule_dirs, events_path):
    rules = load_rules(rule_dirs)
    return run(build_db(rules, read_events(events_path)), rules)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", action="append", required=True, metavar="DIR", help="a directory of Sigma rules (repeatable)")
    parser.add_argument("--events", help="NDJSON events, one flat JSON object a line")
    parser.add_argument("--sql", action="store_true", help="print each rule's SQL instead of matching")
    arguments = parser.parse_args(argv)
    rules = load_rules(arguments.rules)
    if arguments.sql:
        json.dump({r.id: {"title": r.title, "path": r.path, "sql": r.queries} for r in rules}, sys.stdout, indent=1)
    else:
        if not arguments.events:
            parser.error("--events is required unless --sql is given")
        json.dump(run(build_db(rules, read_events(arguments.events)), rules), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
