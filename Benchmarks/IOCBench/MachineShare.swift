import Foundation

/// How much of the machine a phase had: the CPU time the hypervisor gave to other guests ("steal") and the time
/// the cores sat idle, from `/proc/stat` before and after. Why: on a shared virtual machine the same code measured
/// an hour apart differed by a factor of two, and the difference was steal, not the code; a figure printed without
/// it cannot be compared with another.
struct MachineShare {
    private let busy: UInt64
    private let idle: UInt64
    private let steal: UInt64

    /// Nil where there is no `/proc/stat` (not Linux): the phase is then reported without it.
    static func now() -> MachineShare? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        // user nice system idle iowait irq softirq steal (guest time is already inside user).
        let fields = line.split(separator: " ").dropFirst().prefix(8).compactMap { UInt64($0) }
        guard fields.count == 8 else { return nil }
        return MachineShare(busy: fields[0] + fields[1] + fields[2] + fields[5] + fields[6], idle: fields[3] + fields[4], steal: fields[7])
    }

    /// "steal 31%, idle 35%" over the time since `self`.
    func since() -> String {
        guard let after = MachineShare.now(), after.busy >= busy, after.idle >= idle, after.steal >= steal else { return "machine share unknown" }
        let (b, i, s) = (after.busy - busy, after.idle - idle, after.steal - steal)
        let total = max(1, b + i + s)
        return "steal \(s * 100 / total)%, idle \(i * 100 / total)%"
    }
}

/// Runs one phase and prints what share of the machine it had.
func phase(_ name: String, _ body: () async throws -> Void) async rethrows {
    let before = MachineShare.now()
    try await body()
    if let before { say("  (\(name): \(before.since()) of the machine's cores)") }
}
