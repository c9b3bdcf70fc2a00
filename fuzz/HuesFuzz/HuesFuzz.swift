import Foundation
import HuesFuzzTargets

#if FUZZING
/// libFuzzer's entry (built with `fuzz/run`): the target named by `HUES_FUZZ_TARGET` gets every input.
private let selected: FuzzTargets.Harness = {
    let name = ProcessInfo.processInfo.environment["HUES_FUZZ_TARGET"] ?? ""
    guard let harness = FuzzTargets.all[name] else {
        FileHandle.standardError.write(Data("HUES_FUZZ_TARGET must be one of: \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
        exit(64)
    }
    return harness
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected(bytes)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry as `<module>_main`; defining it here keeps libFuzzer's own `main` out of the
/// link and hands the command line to libFuzzer's driver.
@_cdecl("HuesFuzz_main")
public func huesFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
/// Without libFuzzer: replays files (a corpus, a crash) through a target, for debugging a finding in an ordinary build.
///
///     hues-fuzz TARGET FILE|FOLDER…
@main
struct HuesFuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let harness = FuzzTargets.all[name] else {
            print("usage: hues-fuzz TARGET FILE|FOLDER…   targets: \(FuzzTargets.names.joined(separator: ", "))")
            exit(64)
        }
        var count = 0
        for path in arguments.dropFirst() {
            for file in FuzzCorpus.files(at: path) {
                harness(FuzzCorpus.bytes(file))
                count += 1
            }
        }
        print("\(name): \(count) inputs replayed, no crash")
    }
}
#endif
