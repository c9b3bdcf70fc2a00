import Identity

/// Hue-S-like groups of services for the demo city. Launch URLs are placeholders under hues.example; each signs in
/// through the platform (confidential clients for web services, public clients with PKCE for apps).
enum DemoServices {
    static func web(_ code: String, _ name: String, _ en: String, _ description: String, _ category: CityService.Category, _ unit: String,
                    audience: CityService.Audience = .everyone, minimumACR: String? = nil, status: CityService.Status = .active) -> NewCityService {
        NewCityService(
            code: code, name: name, nameEn: en, description: description, descriptionEn: englishDescriptions[code], category: category, ownerUnit: unit,
            icon: "/static/logo.svg",
            launchURL: "https://\(code).hues.example/", audience: audience, status: status,
            client: .init(type: .confidential, redirectURIs: ["https://\(code).hues.example/oidc/callback"],
                          postLogoutRedirectURIs: ["https://\(code).hues.example/"], scopes: ["openid", "profile", "email", "phone"],
                          minimumACR: minimumACR))
    }

    static let englishDescriptions: [String: String] = [
        "dich-vu-cong": "File and follow administrative dossiers", "tra-cuu-ho-so": "Track a dossier by its code",
        "phan-anh-hien-truong": "Report potholes, garbage, flooding… with a photo and location", "thanh-toan": "Pay fees, charges and bills with VietQR",
        "so-lien-lac-dien-tu": "Grades, tuition and school announcements", "dat-lich-kham": "Book appointments at hospitals and health stations",
        "xe-buyt": "Bus routes, timetables and live positions", "bai-do-xe": "Find a parking space and pay for it",
        "ve-dai-noi": "Tickets for the Hue Imperial City monuments", "du-lich-hue": "Destinations, festivals and places to stay",
        "quy-hoach": "Land-use plans and parcel information", "canh-bao": "Rain, floods, storms and the Perfume River's level",
        "gop-y-doanh-nghiep": "Requests and support for businesses", "giam-sat-nhiem-vu": "Track the unit's tasks and targets",
    ]

    static let all: [NewCityService] = [
        web("dich-vu-cong", "Dịch vụ công trực tuyến", "Online public services", "Nộp và theo dõi hồ sơ thủ tục hành chính", .publicServices,
            "trung-tam-phuc-vu-hcc", minimumACR: Assurance.nationalLevel2.rawValue),
        web("tra-cuu-ho-so", "Tra cứu hồ sơ", "Dossier lookup", "Tra cứu tiến độ hồ sơ theo mã", .publicServices, "trung-tam-phuc-vu-hcc"),
        web("phan-anh-hien-truong", "Phản ánh hiện trường", "Field reports", "Phản ánh ổ gà, rác thải, ngập úng… kèm ảnh và vị trí",
            .fieldReports, "hue-ioc", audience: .citizens),
        web("thanh-toan", "Thanh toán trực tuyến", "Online payments", "Nộp phí, lệ phí, hóa đơn bằng VietQR", .payments, "so-tai-chinh"),
        web("so-lien-lac-dien-tu", "Sổ liên lạc điện tử", "School contact book", "Kết quả học tập, học phí, thông báo của nhà trường",
            .education, "so-giao-duc-dao-tao", audience: .citizens),
        web("dat-lich-kham", "Đặt lịch khám bệnh", "Medical appointments", "Đặt lịch khám tại bệnh viện, trạm y tế", .health, "so-y-te",
            audience: .citizens),
        web("xe-buyt", "Xe buýt Huế", "Hue buses", "Tuyến, lịch chạy và vị trí xe buýt", .transport, "so-xay-dung"),
        web("bai-do-xe", "Bãi đỗ xe thông minh", "Smart parking", "Tìm chỗ đỗ và thanh toán phí gửi xe", .transport, "so-xay-dung"),
        web("ve-dai-noi", "Vé tham quan Đại Nội", "Imperial City tickets", "Mua vé tham quan di tích Cố đô Huế", .tourismHeritage, "so-du-lich"),
        web("du-lich-hue", "Du lịch Huế", "Visit Hue", "Điểm đến, lễ hội, lưu trú", .tourismHeritage, "so-du-lich"),
        web("quy-hoach", "Tra cứu quy hoạch", "Land-use planning", "Tra cứu thông tin quy hoạch, thửa đất", .landPlanning,
            "so-nong-nghiep-moi-truong"),
        web("canh-bao", "Cảnh báo thiên tai", "Disaster warnings", "Mưa lũ, bão, mực nước sông Hương", .warnings, "hue-ioc"),
        web("gop-y-doanh-nghiep", "Hỗ trợ doanh nghiệp", "Business support", "Kiến nghị và hỗ trợ doanh nghiệp", .publicServices,
            "so-tai-chinh", audience: .businesses),
        web("giam-sat-nhiem-vu", "Giám sát nhiệm vụ", "Task monitoring", "Theo dõi nhiệm vụ và chỉ tiêu của đơn vị", .utilities, "vp-ubnd",
            audience: .staff),
        NewCityService(
            code: "hue-s-app", name: "Ứng dụng Hue-S", nameEn: "Hue-S app", description: "Ứng dụng di động của thành phố",
            descriptionEn: "The city's mobile app", category: .utilities, ownerUnit: "so-khoa-hoc-cong-nghe", icon: "/static/logo.svg", launchURL: "https://hues.example/app",
            audience: .everyone, status: .active,
            client: .init(type: .public, redirectURIs: ["vn.hue.s:/oauth2/callback"], postLogoutRedirectURIs: nil,
                          scopes: ["openid", "profile", "email", "phone", "offline_access", "hues.api"], minimumACR: nil)),
    ]
}
