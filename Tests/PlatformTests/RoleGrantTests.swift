import Platform
import Testing

/// Every module reads grants through these three questions, so their answers are the city's access rules.
@Suite struct RoleGrantTests {
    let officer = [RoleGrant(role: .officer, unitCode: "W-PX"), RoleGrant(role: .citizen)]
    let leader = [RoleGrant(role: .unitLeader, unitCode: "W-TH"), RoleGrant(role: .officer, unitCode: "W-PX"), RoleGrant(role: .unitLeader, unitCode: "W-PX")]
    let admin = [RoleGrant(role: .admin)]
    let operatorOfIOC = [RoleGrant(role: .iocOperator, unitCode: "IOC")]

    @Test func aRoleIsHeldInItsOwnUnitOnlyAndAdminsHoldEveryRoleEverywhere() {
        #expect(officer.has(.officer, in: "W-PX"))
        #expect(!officer.has(.officer, in: "W-TH"))
        #expect(!officer.has(.unitLeader, in: "W-PX"))
        #expect(admin.has(.iocOperator, in: "IOC"))
        #expect(admin.has(.unitLeader, in: "W-TH"))
        #expect(!operatorOfIOC.has(.iocOperator, in: "W-PX"))
        #expect(![RoleGrant]().has(.citizen, in: "W-PX"))
    }

    @Test func staffAreTheOfficersAndLeadersOfAUnit() {
        #expect(officer.isStaff(of: "W-PX"))
        #expect(!officer.isStaff(of: "W-TH"))
        #expect(leader.isStaff(of: "W-TH"))
        #expect(admin.isStaff(of: "W-TH"))
        #expect(!operatorOfIOC.isStaff(of: "IOC"))
        #expect(![RoleGrant(role: .socAnalyst, unitCode: "W-PX")].isStaff(of: "W-PX"))
    }

    @Test func staffUnitsNameEachUnitOnceInTheOrderOfTheGrants() {
        #expect(leader.staffUnits == ["W-TH", "W-PX"])
        #expect(officer.staffUnits == ["W-PX"])
        #expect(admin.staffUnits.isEmpty)
        #expect(operatorOfIOC.staffUnits.isEmpty)
    }
}
