import Foundation

/// A city as data: who it is, its organisation tree and its working calendar.
///
/// Loaded from a folder (`city.json`, `units.json`, `calendar.json`) so another city runs the platform by writing
/// files, not code. Loading collects every problem in every file before refusing.
public struct CityProfile: Sendable {
    public struct City: Codable, Sendable {
        public struct Point: Codable, Sendable {
            public var latitude: Double
            public var longitude: Double
        }

        public var code: String
        public var name: String
        public var nameEn: String?
        public var nationalCode: String?
        public var center: Point?
        public var defaultLanguage: String?
        /// The unit whose SOC analysts watch the whole city (its security operations centre); without one, only
        /// admins read the city-wide audit log.
        public var securityUnit: String?
        /// The unit whose IOC operators watch the whole city (its operations centre): they see every unit's figures;
        /// without one, only admins see city-wide figures.
        public var operationsUnit: String?
    }

    public struct Unit: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            /// The province-level authority (a centrally run city such as Hue counts as one).
            case province
            case department
            case agency
            case ward
            case commune
        }

        public var code: String
        public var name: String
        public var nameEn: String?
        public var kind: Kind
        public var parent: String?
        public var nationalCode: String?
    }

    private struct UnitsFile: Codable {
        var source: String?
        var units: [Unit]
    }

    public var city: City
    public var units: [Unit]
    public var calendarData: CalendarData
    public var calendar: WorkCalendar
    /// The folder the profile was read from; modules read their own files from it (`processes.json`, …).
    public var folder: URL

    /// Reads a module's file from the profile folder: nil when the city has no such file, every decoding problem
    /// reported with its path when it has one that is wrong.
    public func decodeFile<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T? {
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) else { return nil }
        var problems: [ConfigProblem] = []
        guard let value: T = Self.decode(name, in: folder, problems: &problems) else { throw ConfigurationError(problems: problems) }
        return value
    }

    /// The bundled demo city: Hue.
    public static func demo() throws -> CityProfile {
        guard let url = Bundle.module.url(forResource: "cities/hue", withExtension: nil) else {
            throw ConfigurationError(problems: [ConfigProblem(key: "HUES_CITY_PROFILE", message: "the bundled Hue profile is missing from the build")])
        }
        return try load(from: url)
    }

    public static func load(path: String?) throws -> CityProfile {
        guard let path else { return try demo() }
        return try load(from: URL(fileURLWithPath: path))
    }

    public static func load(from folder: URL) throws -> CityProfile {
        var problems: [ConfigProblem] = []
        let city: City? = decode("city.json", in: folder, problems: &problems)
        let unitsFile: UnitsFile? = decode("units.json", in: folder, problems: &problems)
        let calendarData: CalendarData? = decode("calendar.json", in: folder, problems: &problems)
        var calendar: WorkCalendar?
        if let calendarData {
            do {
                calendar = try WorkCalendar(calendarData)
            } catch let error as ConfigurationError {
                problems += error.problems.map { ConfigProblem(key: "calendar.json: \($0.key)", message: $0.message) }
            } catch {
                problems.append(ConfigProblem(key: "calendar.json", message: "\(error)"))
            }
        }
        if let unitsFile { problems += validate(units: unitsFile.units) }
        if let city, city.code.isEmpty || city.name.isEmpty {
            problems.append(ConfigProblem(key: "city.json", message: "code and name are required"))
        }
        if let security = city?.securityUnit, let unitsFile, !unitsFile.units.contains(where: { $0.code == security }) {
            problems.append(ConfigProblem(key: "city.json", message: "securityUnit '\(security)' is not a unit in units.json"))
        }
        if let operations = city?.operationsUnit, let unitsFile, !unitsFile.units.contains(where: { $0.code == operations }) {
            problems.append(ConfigProblem(key: "city.json", message: "operationsUnit '\(operations)' is not a unit in units.json"))
        }
        guard problems.isEmpty, let city, let unitsFile, let calendarData, let calendar else {
            throw ConfigurationError(problems: problems)
        }
        return CityProfile(city: city, units: unitsFile.units, calendarData: calendarData, calendar: calendar, folder: folder)
    }

    static func validate(units: [Unit]) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        var byCode: [String: Unit] = [:]
        for unit in units {
            if unit.code.isEmpty || unit.code.contains(where: { $0.isWhitespace || $0 == "/" }) {
                problems.append(ConfigProblem(key: "units.json", message: "unit '\(unit.name)' has an invalid code '\(unit.code)'"))
            }
            if unit.name.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append(ConfigProblem(key: "units.json", message: "unit '\(unit.code)' has no name"))
            }
            if byCode.updateValue(unit, forKey: unit.code) != nil {
                problems.append(ConfigProblem(key: "units.json", message: "unit code '\(unit.code)' is used twice"))
            }
        }
        let roots = units.filter { $0.parent == nil }
        if roots.count != 1 {
            problems.append(ConfigProblem(key: "units.json", message: "exactly one unit must have no parent (the city), found \(roots.count)"))
        }
        for unit in units {
            guard let parent = unit.parent else { continue }
            if byCode[parent] == nil {
                problems.append(ConfigProblem(key: "units.json", message: "unit '\(unit.code)' names an unknown parent '\(parent)'"))
                continue
            }
            var seen: Set<String> = [unit.code]
            var current = byCode[parent]
            while let step = current {
                if !seen.insert(step.code).inserted {
                    problems.append(ConfigProblem(key: "units.json", message: "unit '\(unit.code)' is part of a cycle of parents"))
                    break
                }
                current = step.parent.flatMap { byCode[$0] }
            }
        }
        return problems
    }

    private static func decode<T: Decodable>(_ name: String, in folder: URL, problems: inout [ConfigProblem]) -> T? {
        let url = folder.appendingPathComponent(name)
        guard let data = try? Data(contentsOf: url) else {
            problems.append(ConfigProblem(key: name, message: "missing or unreadable in \(folder.path)"))
            return nil
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            problems.append(ConfigProblem(key: name, message: "\(path(context.codingPath)): \(context.debugDescription)"))
        } catch let DecodingError.keyNotFound(key, context) {
            problems.append(ConfigProblem(key: name, message: "\(path(context.codingPath + [key])): required but missing"))
        } catch let DecodingError.typeMismatch(_, context) {
            problems.append(ConfigProblem(key: name, message: "\(path(context.codingPath)): \(context.debugDescription)"))
        } catch let DecodingError.valueNotFound(_, context) {
            problems.append(ConfigProblem(key: name, message: "\(path(context.codingPath)): value missing"))
        } catch {
            problems.append(ConfigProblem(key: name, message: "\(error)"))
        }
        return nil
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "(top level)" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
