/// Amounts as Vietnamese pages write them: dots between thousands and the đồng sign (`1.200.000 ₫`).
public func vndText(_ amount: Int) -> String {
    let digits = String(amount.magnitude)
    var grouped = ""
    for (index, character) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { grouped.append(".") }
        grouped.append(character)
    }
    return (amount < 0 ? "-" : "") + grouped + " ₫"
}
