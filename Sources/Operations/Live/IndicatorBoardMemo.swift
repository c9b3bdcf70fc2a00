import Foundation
import NIOCore
import Platform

/// The indicator board, made and encoded once per change however many screens ask: every wall and operator view asks for it in
/// the same moment a figure moves (and signed in, so the public cache never answers them). One computation runs at a
/// time; the others wait for its answer. An answer is reused while no figure has moved since and for at most
/// `lifetime` (deadlines pass with no change noted until the next round).
actor IndicatorBoardMemo {
    static let lifetime: TimeInterval = 5

    private var kept: (generation: [UInt64], at: Date, answer: Task<ByteBuffer, any Error>)?

    func board(generation: [UInt64], at now: Date, make: @escaping @Sendable () async throws -> IndicatorBoard) async throws -> ByteBuffer {
        if let kept, kept.generation == generation, now >= kept.at, now.timeIntervalSince(kept.at) < Self.lifetime {
            return try await kept.answer.value
        }
        // Encoded once too: a thousand screens asking at once cost one encoding, not a thousand.
        let answer = Task { ByteBuffer(bytes: try JSONEncoder.api.encode(try await make())) }
        kept = (generation, now, answer)
        do {
            return try await answer.value
        } catch {
            // A failed computation is not kept: the next caller tries again.
            if kept?.answer == answer { kept = nil }
            throw error
        }
    }
}
