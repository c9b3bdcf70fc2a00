import Foundation
import Logging
import Platform

/// A few dossiers in every state for the demo city, so queues, timelines, the lookup and the backlog show something
/// on first start. They are filed and moved through the real service, with moments in the past, so their dates and
/// deadlines are what the calendar makes of them.
enum DemoDossiers {
    /// The demo applications: a birth, a marital-status certificate, a household business, a certified copy and an
    /// enterprise registration at the city's one-stop centre.
    struct Forms {
        let birth, marital, household, copy, enterprise: NewDossier

        init(today: CivilDate) {
            let pdf = Data("%PDF-1.4\n% demo scan\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".utf8)
            func file(_ document: String, _ name: String) -> NewAttachment { NewAttachment(document: document, fileName: name, content: pdf) }
            birth = NewDossier(procedure: "1.001193", competentUnit: "phuong-phu-xuan", applicant: ApplicantDetails(phone: "0905123456"),
                               form: ["childName": "Nguyễn Minh Khang", "childBirthDate": today.adding(days: -30).description, "sex": "Nam",
                                      "birthPlace": "Bệnh viện Trung ương Huế", "motherName": "Nguyễn Thị Hoa", "relationship": "Mẹ"],
                               attachments: [file("to-khai", "to-khai.pdf"), file("giay-chung-sinh", "giay-chung-sinh.pdf")])
            marital = NewDossier(procedure: "1.004873", competentUnit: "phuong-phu-xuan",
                                 form: ["purpose": "Bổ sung hồ sơ vay vốn", "maritalStatus": "Chưa kết hôn"], attachments: [file("to-khai", "to-khai.pdf")])
            household = NewDossier(procedure: "2.000720", competentUnit: "phuong-phu-xuan",
                                   form: ["businessName": "Hộ kinh doanh Bún bò O Hoa", "businessAddress": "12 Chi Lăng, Phú Xuân",
                                          "trade": "Dịch vụ ăn uống", "capital": "80000000", "employees": "3"],
                                   attachments: [file("giay-de-nghi", "giay-de-nghi.pdf")])
            copy = NewDossier(procedure: "2.000815", competentUnit: "phuong-phu-xuan",
                              form: ["documentTitle": "Bằng tốt nghiệp đại học", "pages": "1", "copies": "3"], attachments: [file("ban-chinh", "bang.pdf")])
            enterprise = NewDossier(procedure: "2.001199", receivingUnit: "trung-tam-phuc-vu-hcc",
                                    form: ["enterpriseName": "Công ty TNHH Du lịch Sông Hương", "headOffice": "5 Lê Lợi, Thuận Hóa",
                                           "charterCapital": "2000000000", "owner": "Công ty TNHH Sông Hương"],
                                    attachments: [file("giay-de-nghi", "de-nghi.pdf"), file("dieu-le", "dieu-le.pdf")])
        }
    }

    static func seed(_ service: DossierService, calendar: WorkCalendar, demo: DemoSeeding) async throws -> [String] {
        let logger = demo.logger
        guard let citizen = try await demo.principal("citizen"), let business = try await demo.principal("business"),
              let o = try await demo.principal("officer"), let l = try await demo.principal("leader"),
              let counter = try await demo.principal("counter"), let finance = try await demo.principal("finance")
        else { return [] }
        if !(try await service.mine(citizen, paging: Paging(limit: 1), logger: logger)).isEmpty { return ["dossiers: demo dossiers already there"] }
        let today = calendar.civilDate(of: Date())
        // Office hours of the working day `back` working days ago.
        func workingDay(_ back: Int, _ hour: Int) -> Date {
            var day = today
            for _ in 0..<back { repeat { day = day.adding(days: -1) } while !calendar.isWorkingDay(day) }
            return calendar.instant(day, secondsIntoDay: hour * 3600)
        }
        var codes: [String] = []
        func file(_ new: NewDossier, by who: Principal = citizen, back: Int, _ steps: [(String, Principal, DossierAction)]) async throws {
            var moment = workingDay(back, 8)
            var view = try await service.fileDossier(new, by: who, atCounter: false, at: moment, logger: logger)
            for (action, actor, input) in steps {
                moment = moment.addingTimeInterval(3600)
                view = try await service.takeAction(action, on: view.code, with: input, by: actor, at: moment, logger: logger)
            }
            codes.append("\(view.code) \(view.state)")
        }
        let forms = Forms(today: today)
        try await file(forms.birth, back: 0, [])
        try await file(forms.marital, back: 1, [])
        try await file(forms.household, back: 2, [("receive", o, .init()), ("claim", o, .init())])
        try await file(forms.copy, back: 3, [("receive", o, .init()), ("claim", o, .init()),
                                             ("request-supplement", o, .init(reason: "Bản scan thiếu trang 2", documents: ["ban-chinh"]))])
        // Received a week ago with a three-day deadline and still in process: overdue, so it escalates.
        try await file(forms.marital, back: 6, [("receive", o, .init()), ("claim", o, .init())])
        try await file(forms.household, back: 4, [("receive", o, .init()), ("claim", o, .init()), ("submit-for-approval", o, .init())])
        try await file(forms.birth, back: 8, [("receive", o, .init()), ("claim", o, .init()), ("submit-for-approval", o, .init()), ("approve", l, .init()),
                                              ("issue-result", o, .init()), ("return-result", o, .init())])
        try await file(forms.enterprise, by: business, back: 1, [("receive", counter, .init()), ("claim", finance, .init())])
        if let returned = try await service.mine(citizen, paging: Paging(limit: 50), logger: logger).first(where: { $0.state == "returned" }) {
            _ = try await service.rate(returned.code, Rating(score: 5, comment: "Cán bộ hướng dẫn tận tình"), by: citizen, logger: logger)
        }
        return ["dossiers: \(codes.count) demo dossiers filed, see /dossiers (citizen) and /officer/dossiers (officer, leader)"]
    }
}
