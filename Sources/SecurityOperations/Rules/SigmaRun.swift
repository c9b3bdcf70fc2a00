/// One event's round through a program: the register machine, the field tests and the value sets.
struct SigmaRun {
    let code: SigmaCode
    let pools: SigmaPoolView
    let slots: UnsafeBufferPointer<Int32>
    let named: [String: Int32]
    let event: SigmaEventView

    func run(_ rule: Int) -> Bool {
        let needed = code.requirements[rule]
        if needed.count > 0 {
            var present = false
            for index in needed.range where Int(code.requiredSlots[index]) < slots.count && slots[Int(code.requiredSlots[index])] >= 0 {
                present = true
                break
            }
            if !present { return false }
        }
        let end = rule + 1 < code.starts.count ? Int(code.starts[rule + 1]) : code.operations.count
        return execute(code.operations, from: Int(code.starts[rule]), to: end)
    }

    /// Operations from `start` to `end`: a rule's condition, or (through `search`) one search's tests.
    private func execute(_ operations: UnsafeBufferPointer<SigmaProgram.Operation>, from start: Int, to end: Int) -> Bool {
        var at = start
        var register = false
        while at < end {
            let operation = operations[at]
            switch operation.code {
            case .test:
                register = test(code.tests[Int(operation.argument)])
            case .jumpIfFalse where !register, .jumpIfTrue where register:
                at = Int(operation.argument)
                continue
            case .jumpIfFalse, .jumpIfTrue:
                break
            case .not:
                register.toggle()
            case .constant:
                register = operation.argument != 0
            case .search:
                let range = code.searchRanges[Int(operation.argument)]
                register = execute(code.searchOperations, from: Int(range.start), to: Int(range.start + range.count))
            }
            at += 1
        }
        return register
    }

    private func test(_ test: SigmaProgram.FieldTest) -> Bool {
        let head: Int32
        if test.slot >= 0 {
            head = Int(test.slot) < slots.count ? slots[Int(test.slot)] : -1
        } else {
            head = named[code.fields[Int(test.field)]] ?? -1
        }
        switch test.kind {
        case .exists: return head >= 0
        case .missing: return head < 0
        case .any: return matches(code.sets[Int(test.set)], head)
        case .all:
            for set in Int(test.set)..<Int(test.set + test.count) where !matches(code.sets[set], head) { return false }
            return true
        }
    }

    /// Whether any value in the chain from `head` (-1: the field is missing) is in the set.
    private func matches(_ set: SigmaValueSet, _ head: Int32) -> Bool {
        guard head >= 0 else { return set.whenMissing }
        if set.everything { return true }
        var index = Int(head)
        while true {
            let entry = event.entries[index]
            if matchesOne(set, entry) { return true }
            guard entry.next >= 0 else { return false }
            index = Int(entry.next)
        }
    }

    private func matchesOne(_ set: SigmaValueSet, _ entry: SigmaEntry) -> Bool {
        let folded = UnsafeBufferPointer(rebasing: event.folded[Int(entry.start)..<Int(entry.start + entry.count)])
        if set.exactSize > 0, exact(set, folded, hash: entry.hash) { return true }
        if !entry.number.isNaN {
            for index in set.numbers.range where pools.numbers[index] == entry.number { return true }
        }
        for index in set.prefixes.range where SigmaPattern.starts(folded, with: pools.bytes(pools.pieces[index])) { return true }
        for index in set.suffixes.range where SigmaPattern.ends(folded, with: pools.bytes(pools.pieces[index])) { return true }
        for index in set.contained.range where SigmaPattern.find(pools.bytes(pools.pieces[index]), in: folded) { return true }
        guard set.others.count > 0 else { return false }
        let value = SigmaValueView(folded: folded, text: UnsafeBufferPointer(rebasing: event.text[Int(entry.start)..<Int(entry.start + entry.count)]),
                                   number: entry.number.isNaN ? nil : entry.number, bool: entry.bool < 0 ? nil : entry.bool == 1)
        for index in set.others.range where pools.others[index].matchesOne(value) { return true }
        return false
    }

    private func exact(_ set: SigmaValueSet, _ folded: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Bool {
        let mask = Int(set.exactSize) - 1
        let start = Int(set.exactStart)
        var at = SigmaValuePools.place(hash) & mask
        while pools.exactHashes[start + at] != 0 {
            if pools.exactHashes[start + at] == hash, pools.bytes(pools.exactTexts[start + at]).elementsEqual(folded) { return true }
            at = (at + 1) & mask
        }
        return false
    }
}
