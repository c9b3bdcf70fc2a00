import Foundation
import HuesFuzzTargets
import Testing

/// Every committed fuzz seed and every input a fuzzer once crashed on goes through its harness again: a crash fixed
/// once stays fixed. (The harnesses trap or abort on a failure, which ends this test process, loudly.)
@Suite struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test(arguments: FuzzTargets.names) func seedsAndPastCrashesReplayCleanly(target: String) async throws {
        let harness = try #require(FuzzTargets.all[target])
        let files = FuzzCorpus.folders(for: target, root: Self.root).flatMap(FuzzCorpus.files(at:))
        #expect(!files.isEmpty, "fuzz/corpus/\(target) has no seeds")
        // Harnesses are synchronous (libFuzzer calls them on its own thread) and some wait for async work: run them on
        // a thread of their own, never on one of the few threads Swift's concurrency shares between all tests.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                for file in files { harness(FuzzCorpus.bytes(file)) }
                done.resume()
            }
        }
    }
}
