/// Running a compiled program over an event: every buffer borrowed once per event, then plain loads.
extension SigmaProgram {
    /// Whether rule `rule` (its place in the program) matches the event.
    func matches(rule: Int, _ event: SigmaEvent) -> Bool {
        guard rule >= 0, rule < starts.count else { return false }
        return withRun(event) { $0.run(rule) }
    }

    /// The places of the rules the event matches, in order.
    func matchingRules(_ event: SigmaEvent) -> [Int] {
        withRun(event) { run in
            var matched: [Int] = []
            for rule in 0..<starts.count where run.run(rule) { matched.append(rule) }
            return matched
        }
    }

    private func withRun<Result>(_ event: SigmaEvent, _ body: (SigmaRun) -> Result) -> Result {
        event.text.withUnsafeBufferPointer { text in
            event.folded.withUnsafeBufferPointer { folded in
                event.entries.withUnsafeBufferPointer { entries in
                    event.slots.withUnsafeBufferPointer { slots in
                        withCode { code in
                            pools.withView { pools in
                                body(SigmaRun(code: code, pools: pools, slots: slots, named: event.named,
                                              event: SigmaEventView(text: text, folded: folded, entries: entries)))
                            }
                        }
                    }
                }
            }
        }
    }

    private func withCode<Result>(_ body: (SigmaCode) -> Result) -> Result {
        operations.withUnsafeBufferPointer { operations in
            starts.withUnsafeBufferPointer { starts in
                tests.withUnsafeBufferPointer { tests in
                    sets.withUnsafeBufferPointer { sets in
                        requirements.withUnsafeBufferPointer { requirements in
                            requiredSlots.withUnsafeBufferPointer { requiredSlots in
                                searchOperations.withUnsafeBufferPointer { searchOperations in
                                    searchRanges.withUnsafeBufferPointer { searchRanges in
                                        body(SigmaCode(operations: operations, starts: starts, tests: tests, sets: sets, fields: fields,
                                                       requirements: requirements, requiredSlots: requiredSlots,
                                                       searchOperations: searchOperations, searchRanges: searchRanges))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension SigmaValuePools {
    fileprivate func withView<Result>(_ body: (SigmaPoolView) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { bytes in
            pieces.withUnsafeBufferPointer { pieces in
                exactHashes.withUnsafeBufferPointer { hashes in
                    exactTexts.withUnsafeBufferPointer { texts in
                        numbers.withUnsafeBufferPointer { numbers in
                            body(SigmaPoolView(bytes: bytes, pieces: pieces, exactHashes: hashes, exactTexts: texts,
                                               numbers: numbers, others: others))
                        }
                    }
                }
            }
        }
    }
}

struct SigmaCode {
    let operations: UnsafeBufferPointer<SigmaProgram.Operation>
    let starts: UnsafeBufferPointer<Int32>
    let tests: UnsafeBufferPointer<SigmaProgram.FieldTest>
    let sets: UnsafeBufferPointer<SigmaValueSet>
    let fields: [String]
    let requirements: UnsafeBufferPointer<SigmaRange>
    let requiredSlots: UnsafeBufferPointer<Int32>
    let searchOperations: UnsafeBufferPointer<SigmaProgram.Operation>
    let searchRanges: UnsafeBufferPointer<SigmaRange>
}

struct SigmaPoolView {
    let bytes: UnsafeBufferPointer<UInt8>
    let pieces: UnsafeBufferPointer<SigmaRange>
    let exactHashes: UnsafeBufferPointer<UInt64>
    let exactTexts: UnsafeBufferPointer<SigmaRange>
    let numbers: UnsafeBufferPointer<Double>
    let others: [SigmaValueTest]

    func bytes(_ range: SigmaRange) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[range.range]) }
}

/// An event's buffers, borrowed for one round of matching.
struct SigmaEventView {
    let text: UnsafeBufferPointer<UInt8>
    let folded: UnsafeBufferPointer<UInt8>
    let entries: UnsafeBufferPointer<SigmaEntry>
}

/// One value as a test that is not a plain shape reads it.
struct SigmaValueView {
    let folded: UnsafeBufferPointer<UInt8>
    let text: UnsafeBufferPointer<UInt8>
    let number: Double?
    let bool: Bool?

    var string: String { String(decoding: text, as: UTF8.self) }
}
