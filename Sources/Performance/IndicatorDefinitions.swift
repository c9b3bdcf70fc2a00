import Foundation
import Platform

/// A city's own Decision 766 set, as data: the `indicators` of its profile's `performance.json` adjust what the modules
/// declare (a province that weighs online service at 15 points, a threshold the decision's next revision moves) or add
/// an indicator over the cases the platform keeps, by one of the rules it computes. Each entry names a `code`; for a
/// module's indicator it may give `group`, `maxPoints`, `threshold` (null: none), `name`, `explanation` or
/// `off: true`; a new one gives all of `group`, `name`, `explanation`, `rule`, `maxPoints`, and `kind` unless its rule
/// is `outside`. Anything else (an unknown field, rule or kind, a number out of its range, a set worth more than 100
/// points) is refused at load with the entry and the reason, and the platform does not start on it.
public enum IndicatorDefinitions {
    static let fields: Set<String> = ["code", "off", "group", "maxPoints", "threshold", "name", "explanation", "kind", "rule", "note"]
    /// What `performance.json` holds: the officer scoring rules (`OfficerRules`), this set, and words about them.
    static let fileFields: Set<String> = ["source", "note", "officerScoring", "indicators"]
    static let kinds: Set<String> = ["dossier", "field-report"]

    /// The declared set with the city's entries applied, or every problem found.
    public static func apply(_ json: Data?, to declared: [Indicator766]) -> Result<[Indicator766], ConfigurationError> {
        guard let json else { return .success(declared) }
        guard json.count <= 1 << 20 else { return .failure(ConfigurationError(problems: [problem("", "must be at most 1 MiB")])) }
        let root: [String: JSONValue]
        do {
            guard let object = try JSONDecoder().decode(JSONValue.self, from: json).object else {
                return .failure(ConfigurationError(problems: [problem("", "performance.json must be a JSON object")]))
            }
            root = object
        } catch {
            // The decoder's reason names where the file stops reading.
            return .failure(ConfigurationError(problems: [problem("", "performance.json must be a JSON object: \(error)")]))
        }
        let unknown = root.keys.filter { !fileFields.contains($0) }.sorted()
        guard unknown.isEmpty else {
            return .failure(ConfigurationError(problems: unknown.map { problem("", "unknown field \($0) (known: \(fileFields.sorted().joined(separator: ", ")))") }))
        }
        guard let value = root["indicators"] else { return .success(declared) }
        guard let entries = value.array, entries.count <= 200 else {
            return .failure(ConfigurationError(problems: [problem("indicators", "must be a list of at most 200 entries")]))
        }
        var set = declared
        var problems: [ConfigProblem] = []
        var seen: Set<String> = []
        for (index, entry) in entries.enumerated() {
            let place = "indicators[\(index)]"
            guard let entry = entry.object else {
                problems.append(problem(place, "must be an object"))
                continue
            }
            var reader = EntryReader(entry: entry, place: place)
            guard let code = reader.code() else {
                problems += reader.problems
                continue
            }
            guard seen.insert(code).inserted else {
                problems.append(problem(place, "\(code) appears twice"))
                continue
            }
            if let position = set.firstIndex(where: { $0.code == code }) {
                if let changed = reader.adjust(set[position]) { set[position] = changed } else { set.remove(at: position) }
            } else if let added = reader.added(code: code) {
                set.append(added)
            }
            problems += reader.problems
        }
        let total = set.reduce(0) { $0 + $1.maxPoints }
        if total > 100.0001 { problems.append(problem("indicators", "the set is worth \(total) points; Decision 766 scores out of 100")) }
        guard problems.isEmpty else { return .failure(ConfigurationError(problems: problems)) }
        return .success(set.sorted { ($0.group, $0.code) < ($1.group, $1.code) })
    }

    static func problem(_ place: String, _ message: String) -> ConfigProblem {
        ConfigProblem(key: "performance.json" + (place.isEmpty ? "" : ": \(place)"), message: message)
    }
}

/// Reads one entry, noting each problem with the entry's place: every field checked for its type and range.
struct EntryReader {
    let entry: [String: JSONValue]
    let place: String
    var problems: [ConfigProblem] = []

    init(entry: [String: JSONValue], place: String) {
        self.entry = entry
        self.place = place
        for key in entry.keys.sorted() where !IndicatorDefinitions.fields.contains(key) { note("unknown field \(key)") }
        if let words = entry["note"], words.string == nil { note("note must be text") }
    }

    mutating func note(_ message: String) { problems.append(IndicatorDefinitions.problem(place, message)) }

    mutating func code() -> String? {
        guard let code = entry["code"]?.string, (1...32).contains(code.utf8.count),
              code.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "." }) else {
            note("code must be 1–32 letters, digits, dots or dashes")
            return nil
        }
        return code
    }

    /// A module's indicator with the entry's changes; nil when the entry turns it off.
    mutating func adjust(_ indicator: Indicator766) -> Indicator766? {
        for key in ["kind", "rule"] where entry[key] != nil { note("\(key) of \(indicator.code) is its module's; only a new indicator names one") }
        if let off = entry["off"] {
            guard let off = off.bool else {
                note("off must be true or false")
                return indicator
            }
            if off {
                let others = entry.keys.filter { !["code", "off", "note"].contains($0) }.sorted()
                if !others.isEmpty { note("an indicator turned off takes no \(others.joined(separator: ", "))") }
                return nil
            }
        }
        var changed = indicator
        if entry["group"] != nil, let group = group() { changed.group = group }
        if entry["maxPoints"] != nil, let points = maxPoints() { changed.maxPoints = points }
        if entry["threshold"] != nil { changed.threshold = threshold() }
        if entry["name"] != nil, let name = words("name", most: 200) { changed.name = name }
        if entry["explanation"] != nil, let words = words("explanation", most: 800) { changed.explanation = words }
        return changed
    }

    /// A new indicator over the platform's cases; nil (with the problems noted) when the entry lacks a part.
    mutating func added(code: String) -> Indicator766? {
        if entry["off"] != nil { note("\(code) is not an indicator any module declares, so it cannot be turned off") }
        let rule: IndicatorScoring.Rule?
        if let text = entry["rule"]?.string, let known = IndicatorScoring.Rule(rawValue: text) { rule = known } else {
            note("rule must be onTime, filedOnline, satisfaction or outside")
            rule = nil
        }
        var kind: String?
        if rule == .outside {
            if entry["kind"] != nil { note("an indicator kept outside counts no cases, so it names no kind") }
        } else if let text = entry["kind"]?.string, IndicatorDefinitions.kinds.contains(text) {
            kind = text
        } else {
            note("kind must be dossier or field-report")
        }
        if rule == .filedOnline && kind != nil && kind != "dossier" { note("filedOnline counts dossiers") }
        let group = group(), points = maxPoints(), name = words("name", most: 200), explanation = words("explanation", most: 800)
        let threshold = entry["threshold"] != nil ? threshold() : nil
        guard let rule, kind != nil || rule == .outside, let group, let points, let name, let explanation else { return nil }
        return Indicator766(code: code, group: group, name: name, explanation: explanation, kind: kind, formula: rule, threshold: threshold,
                            maxPoints: points)
    }

    mutating func group() -> Int? {
        guard let number = entry["group"]?.number, (1.0...5.0).contains(number), number.rounded() == number else {
            note("group must be a whole number from 1 to 5")
            return nil
        }
        return Int(number)
    }

    mutating func maxPoints() -> Double? {
        guard let points = number("maxPoints"), points > 0, points <= 100 else {
            note("maxPoints must be more than 0 and at most 100")
            return nil
        }
        return points
    }

    /// nil clears it (JSON null), as it does a threshold out of range after noting it.
    mutating func threshold() -> Double? {
        if entry["threshold"] == .null { return nil }
        guard let threshold = number("threshold"), threshold > 0, threshold <= 1 else {
            note("threshold must be a share more than 0 and at most 1, or null")
            return nil
        }
        return threshold
    }

    func number(_ key: String) -> Double? {
        entry[key]?.number.flatMap { $0.isFinite ? $0 : nil }
    }

    /// Text by language: Vietnamese and English both given, each at most `most` bytes.
    mutating func words(_ key: String, most: Int) -> [String: String]? {
        guard let byLanguage = entry[key]?.object, byLanguage.count == 2,
              let vi = byLanguage["vi"]?.string, let en = byLanguage["en"]?.string,
              (1...most).contains(vi.utf8.count), (1...most).contains(en.utf8.count) else {
            note("\(key) must give vi and en, each 1 to \(most) bytes")
            return nil
        }
        return ["vi": vi, "en": en]
    }
}
