import Foundation
import Platform
import Synchronization
import Testing

/// "Download my data" pages through everything instead of stopping at a count.
@Suite struct PersonalDataExportTests {
    @Test func everyPageIsFetchedAndNothingIsCutShort() async throws {
        let rows = Array(0..<2_500)
        let asked = Atomic<Int>(0)
        let all = try await PersonalDataExport.all { paging in
            asked.add(1, ordering: .relaxed)
            return Array(rows.dropFirst(paging.offset).prefix(paging.limit))
        }
        #expect(all == rows && asked.load(ordering: .relaxed) == 3)
        let exact = try await PersonalDataExport.all { paging in Array(Array(0..<1_000).dropFirst(paging.offset).prefix(paging.limit)) }
        #expect(exact.count == 1_000)
    }

    @Test func anExportBeyondTheBoundIsRefusedNotTruncated() async throws {
        await #expect(throws: Problem.self) {
            _ = try await PersonalDataExport.all { paging in Array(repeating: 0, count: paging.limit) }
        }
    }
}
