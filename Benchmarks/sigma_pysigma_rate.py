#!/usr/bin/env python3
"""The reference's rate: how many events a second pySigma's SQLite backend (Tests/interop/sigma_oracle.py) reads
and matches, for comparison with the SOC module's own Sigma engine.

    Benchmarks/sigma_pysigma_rate.py [--rules DIR ...] (--events FILE | --generate N) [--rule-count 50]

Rules: the first 50 (--rule-count) rule files by file name across all --rules directories together (default: the
bundled rules, sigmahq/ and local/; of their 53 that leaves out the last three by name,
win_security_susp_kerberos_manipulation, win_security_susp_logon_explicit_credentials and
win_security_wfp_endpoint_agent_blocked). Converting the rules to SQL is not timed.

Events: an NDJSON file, or --generate N events made by cycling through Tests/interop/data/sigma-events.ndjson with
fresh timestamps, host names and ports (written to a temporary file first; the writing is not timed).

Timed: (a) reading and parsing the NDJSON and loading it into SQLite, (b) running every rule's query. Prints
{"events": N, "rules": R, "seconds": s, "events_per_second": x} for (a)+(b); the split goes to stderr.
"""
import argparse
import json
import os
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "Tests", "interop"))
import make_sigma_events  # noqa: E402
import sigma_oracle  # noqa: E402


def generate(count, path):
    """count events cycling through the corpus, each with its own timestamp, host and source port."""
    with open(make_sigma_events.OUT, encoding="utf-8") as f:
        corpus = [json.loads(line) for line in f if line.strip()]
    with open(path, "w", encoding="utf-8") as out:
        for index in range(count):
            event = dict(corpus[index % len(corpus)])
            seconds = make_sigma_events.START + index
            event["@timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
            if "Computer" in event:
                event["Computer"] = "HUE-WS-%04d.hue.local" % (index % 5661 + 1)
            if "host.name" in event:
                event["host.name"] = "HUE-WS-%04d" % (index % 5661 + 1)
            if "src_port" in event:
                event["src_port"] = 1025 + index % 64000
            event.pop("_case", None)
            out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", action="append", metavar="DIR", help="rule directories (default: the bundled rules)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--events", help="an NDJSON file")
    source.add_argument("--generate", type=int, metavar="N", help="make N events from the corpus")
    parser.add_argument("--rule-count", type=int, default=50)
    arguments = parser.parse_args()

    files = sigma_oracle.rule_files(arguments.rules or make_sigma_events.RULE_DIRS)
    files = sorted(files, key=os.path.basename)[:arguments.rule_count]
    rules = sigma_oracle.load_rules(None, files=files)

    path = arguments.events
    if arguments.generate is not None:
        path = os.path.join(tempfile.mkdtemp(prefix="sigma-rate-"), "events.ndjson")
        generate(arguments.generate, path)

    started = time.perf_counter()
    events = sigma_oracle.read_events(path)
    connection = sigma_oracle.build_db(rules, events)
    loaded = time.perf_counter()
    result = sigma_oracle.run(connection, rules)
    finished = time.perf_counter()

    count = len(events)
    seconds = finished - started
    matches = sum(len(lines) for lines in result["rules"].values())
    print(f"load+parse {loaded - started:.3f} s, match {finished - loaded:.3f} s, {matches} matches; "
          f"rules: {', '.join(os.path.basename(f) for f in files[-3:])} were the last taken", file=sys.stderr)
    print(json.dumps({"events": count, "rules": len(rules), "seconds": round(seconds, 3),
                      "events_per_second": round(count / seconds, 1)}))


if __name__ == "__main__":
    main()
