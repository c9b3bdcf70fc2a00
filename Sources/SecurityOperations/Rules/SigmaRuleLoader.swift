import Foundation
import Yams

/// Loads Sigma rule files: YAML read by libyaml (through Yams), then every part of the rule checked against the
/// subset the engine runs. Anything else is refused with the file, line and column, never half-loaded.
public enum SigmaRuleLoader {
    /// Rule files are a few kilobytes; the largest SigmaHQ rule is about 40 KiB.
    public static let maximumFileSize = 256 * 1024

    /// A file of one detection rule (what most files are); a file with more, or a correlation, is refused here.
    public static func load(_ bytes: [UInt8], file: String) throws(SigmaRuleError) -> SigmaRule {
        let documents = try loadFile(bytes, file: file)
        guard documents.rules.count == 1, documents.correlations.isEmpty, let rule = documents.rules.first else {
            throw SigmaRuleError(file: file, line: 1, reason: "expected one detection rule in the file")
        }
        return rule
    }

    /// Every document of a file: detection rules and correlation rules.
    public static func loadFile(_ bytes: [UInt8], file: String) throws(SigmaRuleError) -> SigmaRuleFile {
        guard bytes.count <= maximumFileSize else {
            throw SigmaRuleError(file: file, line: 1, reason: "the file is larger than \(maximumFileSize) bytes")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SigmaRuleError(file: file, line: SigmaYAMLShape.line(ofInvalidUTF8: bytes),
                                 reason: "the file is not UTF-8")
        }
        try SigmaYAMLShape.check(bytes, file: file)
        let reader = SigmaRuleReader(file: file)
        var documents = SigmaRuleFile()
        do {
            var roots = try compose_all(yaml: text).makeIterator()
            var count = 0
            while let root = roots.next() {
                count += 1
                guard count <= 16 else { throw SigmaRuleError(file: file, line: root.mark?.line ?? 1, reason: "more than 16 rules in one file") }
                try reader.read(root, into: &documents)
            }
            if let error = roots.error { throw error }
        } catch let error as SigmaRuleError {
            throw error
        } catch let error as YamlError {
            throw yamlError(error, file: file, bytes: bytes)
        } catch {
            throw SigmaRuleError(file: file, line: 1, reason: "the file is not valid YAML: \(error)")
        }
        guard !documents.rules.isEmpty || !documents.correlations.isEmpty else {
            throw SigmaRuleError(file: file, line: 1, reason: "the file holds no rule")
        }
        return documents
    }

    /// Every `.yml` and `.yaml` file under the folders, in name order; the first refusal stops the load, so a
    /// broken rule is never silently left out. Two rules with one id are refused: alerts are keyed by it.
    public static func loadFolders(_ folders: [URL]) throws -> [SigmaRule] {
        try loadAll(folders).rules
    }

    /// Detection and correlation rules of every file under the folders; ids unique across both.
    public static func loadAll(_ folders: [URL]) throws -> SigmaRuleFile {
        var files: [URL] = []
        for folder in folders { files += try ruleFiles(in: folder) }
        var all = SigmaRuleFile()
        var seen: [String: String] = [:]
        for file in files {
            let documents = try loadFile([UInt8](Data(contentsOf: file)), file: file.path)
            for id in documents.rules.map(\.id) + documents.correlations.map(\.id) {
                if let other = seen[id] {
                    throw SigmaRuleError(file: file.path, line: 1, reason: "rule id \(id) is also the id of \(other)")
                }
                seen[id] = file.path
            }
            all.rules += documents.rules
            all.correlations += documents.correlations
        }
        return all
    }

    static func ruleFiles(in folder: URL) throws -> [URL] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw SigmaRuleError(file: folder.path, line: 0, reason: "no such rule folder")
        }
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        else { throw SigmaRuleError(file: folder.path, line: 0, reason: "the rule folder cannot be read") }
        var files: [URL] = []
        for case let url as URL in walker where ["yml", "yaml"].contains(url.pathExtension.lowercased()) {
            files.append(url)
        }
        return files.sorted { $0.path < $1.path }
    }

    private static func yamlError(_ error: YamlError, file: String, bytes: [UInt8]) -> SigmaRuleError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return SigmaRuleError(file: file, line: mark.line, column: mark.column,
                                  reason: "the file is not valid YAML: \(problem)")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { SigmaYAMLShape.line(at: $0, in: bytes) } ?? 1
            return SigmaRuleError(file: file, line: line, reason: "the file is not valid YAML: \(problem)")
        default:
            return SigmaRuleError(file: file, line: 1, reason: "the file is not valid YAML: \(error)")
        }
    }
}

/// Cheap checks before libyaml reads the text: the YAML library builds its tree recursively, so a file nested
/// thousands deep would exhaust the stack. Rules nest a handful of levels; anything past the bounds is refused.
enum SigmaYAMLShape {
    static let maximumFlowDepth = 32
    static let maximumIndent = 128
    static let maximumBlockEntries = 16

    static func check(_ bytes: [UInt8], file: String) throws(SigmaRuleError) {
        var scan = Scan()
        for (index, byte) in bytes.enumerated() {
            let after = index + 1 < bytes.count ? bytes[index + 1] : UInt8(ascii: "\n")
            if let reason = scan.read(byte, before: after) {
                throw SigmaRuleError(file: file, line: scan.line, reason: reason)
            }
        }
    }

    /// A line-by-line reading just deep enough to see where YAML opens a level: indentation, block entries at the
    /// start of a line, and `[`/`{` where a value starts (not inside quotes, plain text or comments).
    private struct Scan {
        var line = 1
        var indent = 0
        var entries = 0
        var flowDepth = 0
        var atLineStart = true
        var valueMayStart = true
        var quote: UInt8? = nil
        var escaped = false
        var inComment = false
        var inTag = false
        var last: UInt8 = 0x0A

        mutating func read(_ byte: UInt8, before next: UInt8) -> String? {
            let previous = last
            last = byte
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if byte == UInt8(ascii: "\n") || next != UInt8(ascii: "\n") { line += 1 }
                (indent, entries, atLineStart, valueMayStart, inComment, inTag) = (0, 0, true, true, false, false)
                return nil
            }
            if inComment { return nil }
            if let open = quote {
                if escaped {
                    escaped = false
                } else if open == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if open == UInt8(ascii: "'"), byte == open, next == open {
                    escaped = true  // '' inside single quotes is one quote
                } else if byte == open {
                    quote = nil
                }
                return nil
            }
            let space = byte == UInt8(ascii: " ")
            let endsIndicator = next == UInt8(ascii: " ") || next == UInt8(ascii: "\n")
            if atLineStart {
                if space {
                    indent += 1
                    return indent > maximumIndent ? "indented more than \(maximumIndent)" : nil
                }
                if [UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":")].contains(byte), endsIndicator {
                    entries += 1
                    return entries > maximumBlockEntries ? "too many nested entries on one line" : nil
                }
                atLineStart = false
            }
            if space {
                inTag = false
                return nil
            }
            // '#' starts a comment only after a space (or at a line's start); inside a plain value it is text.
            if byte == UInt8(ascii: "#"), previous == 0x20 || previous == 0x0A || previous == 0x0D || previous == 0x09 {
                inComment = true
                return nil
            }
            // A tag (`!!str`) runs to the next space and keeps the place a value may start.
            if inTag { return nil }
            if valueMayStart, byte == UInt8(ascii: "!") {
                inTag = true
                return nil
            }
            // ',' separates values only inside brackets.
            defer { valueMayStart = (byte == UInt8(ascii: ",") && flowDepth > 0) || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{")
                || (byte == UInt8(ascii: ":") && endsIndicator) || (byte == UInt8(ascii: "-") && endsIndicator)
                || (byte == UInt8(ascii: "?") && endsIndicator) }
            // Anchors and aliases let a few bytes name a huge tree (the YAML library hashes it whole): no rule needs them.
            if valueMayStart, byte == UInt8(ascii: "&") || byte == UInt8(ascii: "*"), !endsIndicator {
                return "anchors and aliases (& and *) are not in the subset"
            }
            if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                flowDepth = max(0, flowDepth - 1)
                return nil
            }
            guard valueMayStart || flowDepth > 0 else { return nil }
            if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                guard valueMayStart else { return nil }
                quote = byte
            } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                flowDepth += 1
                return flowDepth > maximumFlowDepth ? "nested more than \(maximumFlowDepth) deep" : nil
            }
            return nil
        }
    }

    static func line(at offset: Int, in bytes: [UInt8]) -> Int {
        1 + bytes.prefix(max(0, min(offset, bytes.count))).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    static func line(ofInvalidUTF8 bytes: [UInt8]) -> Int {
        var line = 1
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            if String(validating: bytes[start..<index], as: UTF8.self) == nil { return line }
            line += 1
            start = index + 1
        }
        return line
    }
}
