import Foundation

/// The committed seeds and the crashes found so far, replayed by `swift test` so a fixed crash stays fixed.
public enum FuzzCorpus {
    /// `fuzz/corpus/<target>` and `fuzz/regressions/<target>` under the package root.
    public static func folders(for target: String, root: String) -> [String] {
        ["\(root)/fuzz/corpus/\(target)", "\(root)/fuzz/regressions/\(target)"]
    }

    /// The files under `path` (or `path` itself), sorted so runs are repeatable.
    public static func files(at path: String) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return [] }
        guard isFolder.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(path)/\($0)" }
    }

    public static func bytes(_ file: String) -> [UInt8] {
        FileManager.default.contents(atPath: file).map { [UInt8]($0) } ?? []
    }
}
