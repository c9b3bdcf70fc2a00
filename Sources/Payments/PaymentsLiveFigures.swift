import Foundation
import Platform

/// What the operations centre's screens show of payments: cashless payments made today, by count and by amount.
enum PaymentsLiveFigures {
    static let all: [LiveFigure] = [
        LiveFigure(code: "payments.cashless-today", name: ["vi": "Giao dịch không dùng tiền mặt hôm nay", "en": "Cashless payments today"],
                   kind: .count, period: .day, events: ["payments.intent.succeeded"], publicDetail: false) { event in
            [.add(part: 1, unit: event.unit)]
        },
        LiveFigure(code: "payments.cashless-amount-today", name: ["vi": "Số tiền thanh toán không dùng tiền mặt hôm nay (đồng)", "en": "Paid cashless today (VND)"],
                   kind: .count, period: .day, events: ["payments.intent.succeeded"], publicDetail: false) { event in
            guard let amount = event.whole("amount"), amount > 0 else { return [] }
            return [.add(part: amount, unit: event.unit)]
        },
    ]
}
