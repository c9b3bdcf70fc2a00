/// A numeric attribute of one entity type that the city asks the NGSI-LD broker to index
/// (`HUES_NGSI_NUMBER_INDEXES`), so `q=pm25>150&count=true` reads the matching stations instead of every document.
///
/// Declared, never inferred from queries: each index makes every write of its type dearer (the README has the
/// figures). The quantities the operations centre's own rules and screens count are declared by default, in bands
/// (a batch of stations stored together rewrites a few index pages per band); a city changes the list or sets `none`.
/// Orion-LD leaves the same choice to the operator's MongoDB indexes.
public struct SensorNumberIndex: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let type: String
    public let attribute: String
    /// Nil: the index holds the value itself, so every reading moves its entry. A width: it holds the value's band
    /// (the value divided by the width, truncated), so an entry stays among the same band's, in the order the
    /// entities were stored, and a batch of stations rewrites a few pages of it instead of one page a station.
    public let band: Double?

    public init?(type: String, attribute: String, band: Double? = nil) {
        guard Self.isNGSIName(type), Self.isNGSIName(attribute), band.map(Self.isBandWidth) ?? true else { return nil }
        self.type = type
        self.attribute = attribute
        self.band = band
    }

    /// Positive and finite, within what sensors measure; written into SQL as a number.
    public static func isBandWidth(_ width: Double) -> Bool { width.isFinite && width >= 1e-6 && width <= 1e9 }

    public var description: String { band.map { "\(type)=\(attribute)~\(Self.shown($0))" } ?? "\(type)=\(attribute)" }

    /// `10` rather than `10.0`, as a city would write it.
    public static func shown(_ width: Double) -> String {
        width == width.rounded() && abs(width) < 1e15 ? String(Int64(width)) : String(width)
    }

    public static func < (left: SensorNumberIndex, right: SensorNumberIndex) -> Bool {
        (left.type, left.attribute, left.band ?? 0) < (right.type, right.attribute, right.band ?? 0)
    }

    /// PM2.5 in bands of 10 µg/m³, vehicles counted in bands of 10, river levels in bands of 10 cm.
    public static let defaults: [SensorNumberIndex] = [("AirQualityObserved", "pm25", 10), ("TrafficFlowObserved", "intensity", 10),
                                                       ("WaterLevelObserved", "waterLevel", 0.1)].compactMap {
        SensorNumberIndex(type: $0.0, attribute: $0.1, band: $0.2)
    }

    public static let maximumNameLength = 128

    /// More would tax every sensor write for little: a city watches a handful of quantities.
    public static let maximumDeclared = 32

    /// An NGSI-LD type or attribute name: letters, digits and `_ - : / . @`, not starting with `@` or `.`, at most 128
    /// bytes. No character the `q` language, a URL or SQL quoting uses as syntax, so a name can stand in any of them.
    public static func isNGSIName(_ text: String) -> Bool {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= maximumNameLength, let first = bytes.first, first != 0x40, first != 0x2E else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2D || byte == 0x3A || byte == 0x2F || byte == 0x2E || byte == 0x40
        }
    }

    /// `TYPE=ATTRIBUTE[~WIDTH],…` (`AirQualityObserved=pm25~10,WaterLevelObserved=waterLevel`), `none`, or unset (or
    /// empty) for the defaults; a pair given twice the same way counts once, two ways is a problem.
    package static func read(_ values: [String: String]) -> ([SensorNumberIndex], [ConfigProblem]) {
        let key = "HUES_NGSI_NUMBER_INDEXES"
        guard let list = values[key]?.trimmingCharacters(in: .whitespaces), !list.isEmpty else { return (defaults, []) }
        guard list != "none" else { return ([], []) }
        var declared = Set<SensorNumberIndex>()
        var problems: [ConfigProblem] = []
        for entry in list.split(separator: ",") {
            guard let index = entryIndex(String(entry)) else {
                problems.append(ConfigProblem(key: key, message: "'\(entry.prefix(80))' is not TYPE=ATTRIBUTE with NGSI-LD names, the attribute without '.', "
                                              + "or TYPE=ATTRIBUTE~WIDTH with a band width from 0.000001 to 1000000000 (AirQualityObserved=pm25~10)"))
                continue
            }
            declared.insert(index)
        }
        let pairs = Dictionary(grouping: declared) { "\($0.type)=\($0.attribute)" }
        for (pair, ways) in pairs.sorted(by: { $0.key < $1.key }) where ways.count > 1 {
            problems.append(ConfigProblem(key: key, message: "\(pair.prefix(80)) is declared \(ways.count) ways; declare it once"))
        }
        if declared.count > maximumDeclared {
            problems.append(ConfigProblem(key: key, message: "\(declared.count) attributes declared; at most \(maximumDeclared)"))
        }
        return (declared.sorted(), problems)
    }

    private static func entryIndex(_ entry: String) -> SensorNumberIndex? {
        let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return nil }
        let named = parts[1].split(separator: "~", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var band: Double?
        if named.count == 2 {
            // Digits, one point and an exponent only: no `nan`, `inf` or hexadecimal that Double would also read.
            guard named[1].utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x65 || $0 == 0x45 || $0 == 0x2D || $0 == 0x2B }),
                  named[1].utf8.count <= 24, let width = Double(named[1]) else { return nil }
            band = width
        }
        // A `q` path reads `.` as the step into a sub-attribute, so an attribute holding one could never be asked about.
        guard !named[0].contains(".") else { return nil }
        return SensorNumberIndex(type: parts[0], attribute: named[0], band: band)
    }
}
