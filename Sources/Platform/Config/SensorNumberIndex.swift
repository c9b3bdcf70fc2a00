/// A numeric attribute of one entity type that the city asks the NGSI-LD broker to index
/// (`HUES_NGSI_NUMBER_INDEXES`), so `q=pm25>150&count=true` reads the matching stations instead of every document.
///
/// Declared, never automatic: a reading moves its number in the index, so each declared attribute makes every write
/// of that type dearer (the README has the figures). Orion-LD leaves the same choice to the operator's MongoDB indexes.
public struct SensorNumberIndex: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let type: String
    public let attribute: String

    public init?(type: String, attribute: String) {
        guard Self.isNGSIName(type), Self.isNGSIName(attribute) else { return nil }
        self.type = type
        self.attribute = attribute
    }

    public var description: String { "\(type)=\(attribute)" }

    public static func < (left: SensorNumberIndex, right: SensorNumberIndex) -> Bool {
        (left.type, left.attribute) < (right.type, right.attribute)
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

    /// `TYPE=ATTRIBUTE,…` (`AirQualityObserved=pm25,WaterLevelObserved=waterLevel`); a pair given twice counts once.
    package static func read(_ values: [String: String]) -> ([SensorNumberIndex], [ConfigProblem]) {
        let key = "HUES_NGSI_NUMBER_INDEXES"
        guard let list = values[key], !list.isEmpty else { return ([], []) }
        var declared = Set<SensorNumberIndex>()
        var problems: [ConfigProblem] = []
        for entry in list.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            // A `q` path reads `.` as the step into a sub-attribute, so an attribute holding one could never be asked about.
            guard parts.count == 2, !parts[1].contains("."), let index = SensorNumberIndex(type: parts[0], attribute: parts[1]) else {
                problems.append(ConfigProblem(key: key, message: "'\(entry.prefix(80))' is not TYPE=ATTRIBUTE with NGSI-LD names, the attribute without '.' (AirQualityObserved=pm25)"))
                continue
            }
            declared.insert(index)
        }
        if declared.count > maximumDeclared {
            problems.append(ConfigProblem(key: key, message: "\(declared.count) attributes declared; at most \(maximumDeclared)"))
        }
        return (declared.sorted(), problems)
    }
}
