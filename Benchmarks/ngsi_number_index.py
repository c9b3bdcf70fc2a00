#!/usr/bin/env python3
"""What an index of one numeric attribute would cost and save, on bare SQLite, before building it into the broker.

The broker answers `q=pm25>150&count=true` by reading every document of the type (docs/ioc.md, *Not yet built*).
This script stores 100,000 AirQualityObserved documents as JSONB in a table shaped like `ngsi_entities`, then times:
the count as `NGSIQuerySQL` writes it today (a property's `value` or a relationship's `object`), the count over
`value` alone, a full scan that reads no JSON, and, with an expression index on `(type, pm25's value)`, the same
count and the 2,000-entity batch upsert the broker runs (the benchmark's readings jump, so each one moves the index);
then the same with the broker's index of bands of 10 (`AirQualityObserved=pm25~10`).

    pip install pysqlite3-binary   # SQLite 3.45 or later (JSONB); the platform's own SQLite is 3.54
    python3 Benchmarks/ngsi_number_index.py [--entities 100000]
"""
import argparse
import json
import os
import tempfile
import time

import pysqlite3 as sqlite3

VALUE, OBJECT = '$."pm25"."value"', '$."pm25"."object"'


def document(index, seed):
    pm25 = ((index * 37 + seed * 11) % 2000) / 10
    observed = "2026-12-03T10:00:00Z"
    def reading(value):
        return {"type": "Property", "value": value, "observedAt": observed}
    return json.dumps({
        "id": f"urn:ngsi-ld:AirQualityObserved:s{index}", "type": "AirQualityObserved",
        "pm25": reading(pm25), "pm10": reading(pm25 * 1.6), "no2": reading((index * 13 + seed) % 80),
        "temperature": reading(20 + index % 15), "ward": {"type": "Property", "value": f"w{index % 40}"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [107.5 + index % 100 / 1000, 16.4]}}})


def timed(db, label, sql, args, runs=11):
    times, answer = [], None
    for _ in range(runs):
        start = time.perf_counter()
        answer = db.execute(sql, args).fetchone()[0]
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"{label:55} {answer:>7}  p50 {times[runs // 2]:6.1f} ms  max {times[-1]:6.1f} ms", flush=True)


def upserts(db, entities, label, batches=20, size=2000):
    times = []
    for seed in range(1, batches + 1):
        first = seed * size % entities
        rows = [(f"urn:ngsi-ld:AirQualityObserved:s{i}", document(i, seed)) for i in range(first, min(entities, first + size))]
        start = time.perf_counter()
        db.execute("BEGIN")
        for part in range(0, len(rows), 200):
            chunk = rows[part:part + 200]
            db.execute("INSERT INTO ngsi_entities (id, type, body, modified_at_ms) VALUES "
                       + ", ".join(["(?, 'AirQualityObserved', jsonb(?), 1)"] * len(chunk))
                       + " ON CONFLICT (id) DO UPDATE SET type = excluded.type, body = excluded.body, "
                         "modified_at_ms = excluded.modified_at_ms", [value for row in chunk for value in row])
        db.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"{label:55} {'':>7}  p50 {times[batches // 2]:6.1f} ms  max {times[-1]:6.1f} ms", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=100_000)
    entities = parser.parse_args().entities
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(os.path.join(folder, "entities.sqlite"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE ngsi_entities (id TEXT PRIMARY KEY, type TEXT NOT NULL, body BLOB NOT NULL, modified_at_ms INT)")
        db.execute("CREATE INDEX ngsi_entities_type ON ngsi_entities (type, id)")
        db.execute("BEGIN")
        db.executemany("INSERT INTO ngsi_entities VALUES (?, 'AirQualityObserved', jsonb(?), 0)",
                       ((f"urn:ngsi-ld:AirQualityObserved:s{i}", document(i, 0)) for i in range(entities)))
        db.execute("COMMIT")
        kind = "json_type(body, ?) IN ('integer', 'real') AND json_extract(body, ?) > ?"
        timed(db, "count pm25>150, value or object (today's SQL)",
              f"SELECT count(*) FROM ngsi_entities WHERE type = ? AND (({kind}) OR ({kind}))",
              ("AirQualityObserved", VALUE, VALUE, 150, OBJECT, OBJECT, 150))
        timed(db, "count pm25>150, value only", f"SELECT count(*) FROM ngsi_entities WHERE type = ? AND {kind}",
              ("AirQualityObserved", VALUE, VALUE, 150))
        timed(db, "count of a scan that reads no JSON", "SELECT count(*) FROM ngsi_entities WHERE type = ? AND length(body) > ?",
              ("AirQualityObserved", 150))
        upserts(db, entities, "2,000-entity upsert, no number index")
        db.execute(f"CREATE INDEX ngsi_number_pm25 ON ngsi_entities (type, json_extract(body, '{VALUE}')) "
                   f"WHERE json_type(body, '{VALUE}') IN ('integer', 'real')")
        db.execute("ANALYZE")
        indexed = (f"SELECT count(*) FROM ngsi_entities WHERE type = ? AND json_type(body, '{VALUE}') IN ('integer', 'real') "
                   f"AND json_extract(body, '{VALUE}') > ?")
        for bound in (199, 150, 5):
            timed(db, f"count pm25>{bound}, expression index", indexed, ("AirQualityObserved", bound))
        upserts(db, entities, "2,000-entity upsert, pm25 indexed")
        # The broker's banded index (`AirQualityObserved=pm25~10`): the number's band, and a count that reads
        # the bands that can match, checking only the edge band against the document.
        db.execute("DROP INDEX ngsi_number_pm25")
        number = (f"(CASE WHEN type = 'AirQualityObserved' THEN CASE json_type(body, '{VALUE}') "
                  f"WHEN 'integer' THEN json_extract(body, '{VALUE}') WHEN 'real' THEN json_extract(body, '{VALUE}') END END)")
        band = f"CAST({number} / 10.0 AS INTEGER)"
        db.execute(f"CREATE INDEX ngsi_number_pm25_bands ON ngsi_entities ({band})")
        db.execute("ANALYZE")
        banded = f"SELECT count(*) FROM ngsi_entities WHERE {band} >= CAST(? / 10.0 AS INTEGER) AND ({band} > CAST(? / 10.0 AS INTEGER) OR {number} > ?)"
        for bound in (199, 150, 5):
            timed(db, f"count pm25>{bound}, bands of 10", banded, (bound, bound, bound))
        upserts(db, entities, "2,000-entity upsert, pm25 in bands of 10")


if __name__ == "__main__":
    main()
