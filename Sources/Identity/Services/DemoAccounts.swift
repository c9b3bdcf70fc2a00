import Foundation
import Logging
import Platform

/// One account per role for the demo city, so every part of the platform can be tried at once. The passwords are
/// public on purpose; `hues demo` refuses to run in production mode.
public enum DemoAccounts {
    public struct Login: Sendable {
        public var username: String
        public var password: String
        public var role: String
    }

    public static let logins: [(account: NewAccount, role: String)] = [
        (NewAccount(username: "admin", displayName: "Quản trị viên hệ thống", password: "demo-admin-2026", email: "admin@hues.example",
                    kind: .staff, roles: [RoleGrant(role: .admin)]), "admin"),
        (NewAccount(username: "citizen", displayName: "Nguyễn Thị Hoa", password: "demo-citizen-2026", email: "hoa@example.vn",
                    phone: "0905123456", kind: .citizen), "citizen"),
        (NewAccount(username: "business", displayName: "Công ty TNHH Sông Hương", password: "demo-business-2026",
                    email: "contact@songhuong.example.vn", kind: .business), "business"),
        (NewAccount(username: "officer", displayName: "Trần Văn Minh", password: "demo-officer-2026", email: "minh.tv@phuxuan.hue.gov.example",
                    kind: .staff, roles: [RoleGrant(role: .officer, unitCode: "phuong-phu-xuan")]), "officer (Phường Phú Xuân)"),
        (NewAccount(username: "leader", displayName: "Lê Thị Lan", password: "demo-leader-2026", email: "lan.lt@phuxuan.hue.gov.example",
                    kind: .staff, roles: [RoleGrant(role: .unitLeader, unitCode: "phuong-phu-xuan"),
                                          RoleGrant(role: .officer, unitCode: "phuong-phu-xuan")]), "unit leader (Phường Phú Xuân)"),
        (NewAccount(username: "counter", displayName: "Đặng Thị Thu", password: "demo-counter-2026", email: "thu.dt@hcc.hue.gov.example",
                    kind: .staff, roles: [RoleGrant(role: .officer, unitCode: "trung-tam-phuc-vu-hcc")]), "one-stop officer (Public Administration Service Centre)"),
        (NewAccount(username: "finance", displayName: "Võ Văn Hùng", password: "demo-finance-2026", email: "hung.vv@stc.hue.gov.example",
                    kind: .staff, roles: [RoleGrant(role: .unitLeader, unitCode: "so-tai-chinh"), RoleGrant(role: .officer, unitCode: "so-tai-chinh")]),
         "unit leader and officer (Department of Finance)"),
        (NewAccount(username: "ioc", displayName: "Phạm Quốc Bảo", password: "demo-ioc-2026", email: "bao.pq@ioc.hue.gov.example",
                    kind: .staff, roles: [RoleGrant(role: .iocOperator, unitCode: "hue-ioc")]), "IOC operator (HueIOC)"),
        (NewAccount(username: "gateway", displayName: "Cổng cảm biến sông Hương", password: "demo-gateway-2026", email: "gateway@ioc.hue.gov.example",
                    kind: .staff, roles: [RoleGrant(role: .sensorGateway, unitCode: "hue-ioc")]), "sensor gateway (HueIOC)"),
        (NewAccount(username: "soc", displayName: "Hoàng Minh Tuấn", password: "demo-soc-2026", email: "tuan.hm@cntt.hue.gov.example",
                    kind: .staff, roles: [RoleGrant(role: .socAnalyst, unitCode: "trung-tam-cntt")]), "SOC analyst (IT Centre)"),
    ]

    /// Creates the demo accounts that do not exist yet and returns one line per login.
    public static func seed(_ accounts: AccountDirectory, logger: Logger) async throws -> [String] {
        var lines: [String] = []
        for (account, role) in logins {
            if try await accounts.find(username: account.username, logger: logger) == nil {
                _ = try await accounts.create(account, by: Actor(id: nil, name: "demo-seed"), logger: logger)
            }
            lines.append("\(account.username.padding(toLength: 10, withPad: " ", startingAt: 0)) \(account.password.padding(toLength: 20, withPad: " ", startingAt: 0)) \(role)")
        }
        return lines
    }
}
