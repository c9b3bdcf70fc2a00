import Platform

/// Who sees what in the SOC: its analysts (the security unit's `soc_analyst`) and admins see every unit; a unit's
/// leaders and officers see their own units' machines and incidents and act on nothing.
struct SecurityAccess: Sendable {
    static let reading = Access.roles([.socAnalyst, .admin, .unitLeader, .officer])
    static let analysts = Access.roles([.socAnalyst, .admin])

    let securityUnit: String?

    func runsTheSOC(_ principal: Principal) -> Bool {
        principal.has(.admin) || securityUnit.map { principal.has(.socAnalyst, in: $0) } ?? false
    }

    /// The units whose records the caller sees; nil: all.
    func scope(_ principal: Principal) -> [String]? { runsTheSOC(principal) ? nil : principal.grants.staffUnits }

    func requireAnalyst(_ principal: Principal) throws {
        guard runsTheSOC(principal) else { throw Problem.forbidden() }
    }
}
