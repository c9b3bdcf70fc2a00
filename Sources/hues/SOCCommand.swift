import ArgumentParser
import Foundation
import Platform
import SecurityOperations

struct SOCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soc",
        abstract: "The security operations centre's detection rules, checked and run offline.",
        subcommands: [CheckRules.self, Match.self]
    )

    struct CheckRules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-rules",
            abstract: "Load Sigma rule folders as the server would; name the file and line of the first refusal.",
            discussion: "Exits 0 when every rule loads and 65 otherwise.")

        @Option(name: .customLong("rules"), help: "A folder of .yml rules (repeatable); the shipped rules when none.")
        var folders: [String] = []

        func run() async throws {
            do {
                // As the server loads them: correlations too, each counting loaded rules, every id and name once.
                let set = try SigmaRuleSet(try SOCCommand.loadAll(folders))
                say("\(set.rules.count) rules and \(set.correlations.count) correlation\(set.correlations.count == 1 ? "" : "s") load")
            } catch let error as SigmaRuleError {
                say("\(error)")
                throw ExitCode(65)
            }
        }
    }

    struct Match: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run rules over NDJSON events; print, per rule id, the 0-based lines of the events it matches.",
            discussion: "Prints {\"rules\": {\"<id>\": [lines…]}}. A line that is not a JSON object stops with its number.")

        @Option(name: .customLong("rules"), help: "A folder of .yml rules (repeatable); the shipped rules when none.")
        var folders: [String] = []

        @Option(help: "The NDJSON file of events.")
        var events: String

        func run() async throws {
            let ruleSet = SigmaRuleSet(try SOCCommand.load(folders))
            var matched = [String: [Int]](uniqueKeysWithValues: ruleSet.rules.map { ($0.id, []) })
            let data = try Data(contentsOf: URL(fileURLWithPath: events))
            var reader = ruleSet.lineReader()
            for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
            where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
                let event: SigmaEvent
                do {
                    event = try reader.read(Array(line))
                } catch {
                    throw ValidationError("line \(number + 1) of \(events): \(error)")
                }
                for index in ruleSet.matches(event) { matched[ruleSet.rules[index].id, default: []].append(number) }
            }
            let output = try JSONSerialization.data(withJSONObject: ["rules": matched], options: [.sortedKeys])
            FileHandle.standardOutput.write(output + Data("\n".utf8))
        }
    }

    static func loadAll(_ folders: [String]) throws -> SigmaRuleFile {
        if folders.isEmpty {
            guard let bundled = BundledRules.folder else { throw ValidationError("the shipped rules are missing") }
            return try SigmaRuleLoader.loadAll([bundled])
        }
        return try SigmaRuleLoader.loadAll(folders.map { URL(fileURLWithPath: $0) })
    }

    static func load(_ folders: [String]) throws -> [SigmaRule] {
        if folders.isEmpty {
            guard let bundled = BundledRules.folder else { throw ValidationError("the shipped rules are missing") }
            return try SigmaRuleLoader.loadFolders([bundled])
        }
        return try SigmaRuleLoader.loadFolders(folders.map { URL(fileURLWithPath: $0) })
    }
}
