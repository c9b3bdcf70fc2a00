import Foundation
import Identity
import Logging
import Platform
import PublicServices

/// A few dossiers in every state for the demo city, so queues, timelines, the lookup and the backlog show something
/// on first start. They are filed and moved through the real service, with moments in the past, so their dates and
/// deadlines are what the calendar makes of them.
enum DemoDossiers {
    static func seed(_ runtime: HuesRuntime) async throws -> [String] {
        let logger = Logger(label: "hues.demo.dossiers")
        let accounts = runtime.identity.accounts
        guard let citizen = try await accounts.find(username: "citizen", logger: logger),
              let business = try await accounts.find(username: "business", logger: logger),
              let officer = try await accounts.find(username: "officer", logger: logger),
              let leader = try await accounts.find(username: "leader", logger: logger),
              let counter = try await accounts.find(username: "counter", logger: logger),
              let finance = try await accounts.find(username: "finance", logger: logger)
        else { return [] }
        let service = runtime.publicServices.dossiers
        let citizenPrincipal = principal(citizen)
        if !(try await service.mine(citizenPrincipal, paging: Paging(limit: 1), logger: logger)).isEmpty { return ["dossiers: demo dossiers already there"] }
        let calendar = runtime.profile.calendar
        let today = calendar.civilDate(of: Date())
        // Office hours of the working day `back` working days ago.
        func workingDay(_ back: Int, _ hour: Int) -> Date {
            var day = today
            for _ in 0..<back { repeat { day = day.adding(days: -1) } while !calendar.isWorkingDay(day) }
            return calendar.instant(day, secondsIntoDay: hour * 3600)
        }
        let pdf = Data("%PDF-1.4\n% demo scan\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".utf8)
        let birth = NewDossier(procedure: "1.001193", competentUnit: "phuong-phu-xuan", applicant: ApplicantDetails(phone: "0905123456"),
                               form: ["childName": "Nguyễn Minh Khang", "childBirthDate": today.adding(days: -30).description, "sex": "Nam",
                                      "birthPlace": "Bệnh viện Trung ương Huế", "motherName": "Nguyễn Thị Hoa", "relationship": "Mẹ"],
                               attachments: [NewAttachment(document: "to-khai", fileName: "to-khai.pdf", content: pdf),
                                             NewAttachment(document: "giay-chung-sinh", fileName: "giay-chung-sinh.pdf", content: pdf)])
        let marital = NewDossier(procedure: "1.004873", competentUnit: "phuong-phu-xuan",
                                 form: ["purpose": "Bổ sung hồ sơ vay vốn", "maritalStatus": "Chưa kết hôn"],
                                 attachments: [NewAttachment(document: "to-khai", fileName: "to-khai.pdf", content: pdf)])
        let household = NewDossier(procedure: "2.000720", competentUnit: "phuong-phu-xuan",
                                   form: ["businessName": "Hộ kinh doanh Bún bò O Hoa", "businessAddress": "12 Chi Lăng, Phú Xuân",
                                          "trade": "Dịch vụ ăn uống", "capital": "80000000", "employees": "3"],
                                   attachments: [NewAttachment(document: "giay-de-nghi", fileName: "giay-de-nghi.pdf", content: pdf)])
        let copy = NewDossier(procedure: "2.000815", competentUnit: "phuong-phu-xuan",
                              form: ["documentTitle": "Bằng tốt nghiệp đại học", "pages": "1", "copies": "3"],
                              attachments: [NewAttachment(document: "ban-chinh", fileName: "bang.pdf", content: pdf)])
        let o = principal(officer), l = principal(leader)
        var codes: [String] = []
        func file(_ new: NewDossier, by who: Principal = citizenPrincipal, back: Int, _ steps: [(String, Principal, DossierAction)]) async throws {
            var moment = workingDay(back, 8)
            var view = try await service.file(new, by: who, atCounter: false, at: moment, logger: logger)
            for (action, actor, input) in steps {
                moment = moment.addingTimeInterval(3600)
                view = try await service.act(action, on: view.code, with: input, by: actor, at: moment, logger: logger)
            }
            codes.append("\(view.code) \(view.state)")
        }
        try await file(birth, back: 0, [])
        try await file(marital, back: 1, [])
        try await file(household, back: 2, [("receive", o, .init()), ("claim", o, .init())])
        try await file(copy, back: 3, [("receive", o, .init()), ("claim", o, .init()),
                                       ("request-supplement", o, .init(reason: "Bản scan thiếu trang 2", documents: ["ban-chinh"]))])
        // Received a week ago with a three-day deadline and still in process: overdue, so it escalates.
        try await file(marital, back: 6, [("receive", o, .init()), ("claim", o, .init())])
        try await file(household, back: 4, [("receive", o, .init()), ("claim", o, .init()), ("submit-for-approval", o, .init())])
        try await file(birth, back: 8, [("receive", o, .init()), ("claim", o, .init()), ("submit-for-approval", o, .init()), ("approve", l, .init()),
                                        ("issue-result", o, .init()), ("return-result", o, .init())])
        let enterprise = NewDossier(procedure: "2.001199", receivingUnit: "trung-tam-phuc-vu-hcc",
                                    form: ["enterpriseName": "Công ty TNHH Du lịch Sông Hương", "headOffice": "5 Lê Lợi, Thuận Hóa",
                                           "charterCapital": "2000000000", "owner": "Công ty TNHH Sông Hương"],
                                    attachments: [NewAttachment(document: "giay-de-nghi", fileName: "de-nghi.pdf", content: pdf),
                                                  NewAttachment(document: "dieu-le", fileName: "dieu-le.pdf", content: pdf)])
        try await file(enterprise, by: principal(business), back: 1, [("receive", principal(counter), .init()), ("claim", principal(finance), .init())])
        if let returned = try await service.mine(citizenPrincipal, paging: Paging(limit: 50), logger: logger).first(where: { $0.state == "returned" }) {
            _ = try await service.rate(returned.code, Rating(score: 5, comment: "Cán bộ hướng dẫn tận tình"), by: citizenPrincipal, logger: logger)
        }
        return ["dossiers: \(codes.count) demo dossiers filed, see /dossiers (citizen) and /officer/dossiers (officer, leader)"]
    }

    static func principal(_ account: Account) -> Principal {
        Principal(accountID: account.id.uuidString, username: account.username, displayName: account.displayName, grants: account.roles,
                  credential: .accessToken)
    }
}
