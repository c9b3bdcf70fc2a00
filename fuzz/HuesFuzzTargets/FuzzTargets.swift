import Foundation

/// Every parser of outside bytes, each behind one function that libFuzzer (or a replay of the corpus) calls with
/// arbitrary input. A harness may throw away errors (bad input is refused, that is the point) but must never trap,
/// hang or take memory in proportion to anything but the input's length; where a cheap property exists (cleaning a
/// photo twice changes nothing) it is checked with `FuzzCheck.require`.
public enum FuzzTargets {
    public typealias Harness = @Sendable ([UInt8]) -> Void

    public static let all: [String: Harness] = [
        "pdf-signature": DocumentTargets.pdfSignature,
        "pdf-structure": DocumentTargets.pdfStructure,
        "cms": DocumentTargets.cms,
        "photo": PhotoTargets.photo,
        "exif": PhotoTargets.exif,
        "multipart": FormTargets.multipart,
        "open311-form": FormTargets.open311Form,
        "http-values": FormTargets.httpValues,
        "vietqr": PaymentTargets.vietQR,
        "bank-confirmation": PaymentTargets.bankConfirmation,
        "statement-csv": PaymentTargets.statementCSV,
        "json-bodies": BodyTargets.jsonBodies,
        "outside-figures-csv": PerformanceTargets.outsideFiguresCSV,
        "indicator-definitions": PerformanceTargets.indicatorDefinitions,
        "ngsi-ld-body": OperationsTargets.ngsiBody,
        "ngsi-ld-q": OperationsTargets.ngsiQuery,
        "json": OperationsTargets.json,
        "syslog": SecurityTargets.syslog,
        "syslog-stream": SecurityTargets.syslogStream,
        "cef": SecurityTargets.cef,
        "ecs": SecurityTargets.ecs,
        "ecs-reader": SecurityTargets.ecsReader,
        "sigma-rule": SecurityTargets.sigmaRule,
    ]

    /// The names, in a stable order.
    public static var names: [String] { all.keys.sorted() }
}

/// A property a harness checks: a failure stops the fuzzer with a report, as a trap would.
public enum FuzzCheck {
    public static func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
        if !condition() {
            FileHandle.standardError.write(Data("property failed: \(message())\n".utf8))
            abort()
        }
    }

    /// Runs async work to completion from a synchronous harness (libFuzzer calls in on its own thread).
    public static func blocking(_ work: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await work()
            done.signal()
        }
        done.wait()
    }
}
