import Foundation
import Platform
import SecurityOperations

/// The SOC's Sigma engine alone, on one core: NDJSON lines read (ECSLine) and matched against 50 rules (the first 50
/// shipped rule files by name, as Benchmarks/sigma_pysigma_rate.py takes them), events a second and the time per
/// event. Usage: hues-soc-bench --events FILE [--rule-count 50] [--passes 3]
struct Options {
    var events = ""
    var ruleCount = 50
    var passes = 3

    init(_ arguments: [String]) {
        var index = 1
        while index + 1 < arguments.count {
            switch arguments[index] {
            case "--events": events = arguments[index + 1]
            case "--rule-count": ruleCount = Int(arguments[index + 1]) ?? ruleCount
            case "--passes": passes = max(1, Int(arguments[index + 1]) ?? passes)
            default: break
            }
            index += 2
        }
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Locals, not top-level globals: globals are checked for exclusive access at run time, which the engine's own
/// loops never pay.
func benchmark() throws {
    let options = Options(CommandLine.arguments)
    guard !options.events.isEmpty, let folder = BundledRules.folder else {
        print("usage: hues-soc-bench --events FILE [--rule-count 50] [--passes 3]")
        exit(64)
    }
    let all = try SigmaRuleLoader.loadFolders([folder])
    let chosen = all.sorted { URL(fileURLWithPath: $0.file).lastPathComponent < URL(fileURLWithPath: $1.file).lastPathComponent }
        .prefix(options.ruleCount)
    let rules = SigmaRuleSet(Array(chosen))
    let data = try Data(contentsOf: URL(fileURLWithPath: options.events))
    let lines = data.split(separator: UInt8(ascii: "\n")).map { Array($0) }
    print("hues-soc-bench: \(lines.count) events, \(rules.rules.count) rules, \(options.passes) passes")

    var best = Double.infinity
    var matches = 0
    var latencies: [Double] = []
    latencies.reserveCapacity(lines.count)
    let clock = ContinuousClock()
    var reader = rules.lineReader()
    for pass in 0..<options.passes {
        matches = 0
        latencies.removeAll(keepingCapacity: true)
        let started = clock.now
        for line in lines {
            let eventStart = clock.now
            guard let event = try? reader.read(line) else { continue }
            matches += rules.matches(event).count
            latencies.append(seconds(eventStart.duration(to: clock.now)))
        }
        let took = seconds(started.duration(to: clock.now))
        best = min(best, took)
        print("pass \(pass + 1): \(String(format: "%.3f", took)) s, \(Int(Double(lines.count) / took)) events/s, \(matches) matches")
    }
    // Where the time goes: reading the lines into events alone, then matching alone; and ingest's way of reading
    // (every field into a dictionary with ECSLine, then the rules' fields picked out), for comparison.
    var started = clock.now
    var prepared: [SigmaEvent] = []
    prepared.reserveCapacity(lines.count)
    for line in lines { if let event = try? reader.read(line) { prepared.append(event) } }
    let readSeconds = seconds(started.duration(to: clock.now))
    started = clock.now
    var matched = 0
    for event in prepared { matched += rules.matches(event).count }
    let matchSeconds = seconds(started.duration(to: clock.now))
    started = clock.now
    var ingestMatched = 0
    for line in lines { if let fields = try? ECSLine.parse(line) { ingestMatched += rules.matches(rules.prepare(fields)).count } }
    let ingestSeconds = seconds(started.duration(to: clock.now))
    print("split: read \(String(format: "%.3f", readSeconds)) s, match \(String(format: "%.3f", matchSeconds)) s; "
          + "ingest's reading (ECSLine) and matching \(String(format: "%.3f", ingestSeconds)) s, \(Int(Double(lines.count) / ingestSeconds)) events/s, \(ingestMatched) matches")
    // The costliest rules, each alone over every prepared event.
    var perRule: [(String, Double)] = []
    for rule in rules.rules {
        let start = clock.now
        var count = 0
        for event in prepared where rule.matches(event) { count += 1 }
        perRule.append((URL(fileURLWithPath: rule.file).lastPathComponent, seconds(start.duration(to: clock.now))))
    }
    for (file, took) in perRule.sorted(by: { $0.1 > $1.1 }).prefix(8) {
        print("  \(String(format: "%6.0f", took / Double(max(1, prepared.count)) * 1e9)) ns/event  \(file)")
    }
    latencies.sort()
    func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    let result: [String: Any] = [
        "events": lines.count, "rules": rules.rules.count, "matches": matches, "seconds": best,
        "events_per_second": Int(Double(lines.count) / best),
        "per_event_us": ["p50": percentile(latencies, 0.5) * 1e6, "p99": percentile(latencies, 0.99) * 1e6, "max": (latencies.last ?? 0) * 1e6],
        "per_rule_per_event_ns": best / Double(max(1, lines.count * rules.rules.count)) * 1e9,
        "ingest_path_events_per_second": Int(Double(lines.count) / ingestSeconds),
    ]
    print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
}

try benchmark()
