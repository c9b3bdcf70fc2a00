import App
import Crypto
import Foundation
import Logging
import Platform
import Signatures

/// CMS signatures and verifications per second on one core, beside `openssl speed ecdsap256` measured in the same run.
///
/// Usage: Benchmarks/signatures.sh [seconds], or hues-signature-bench [--seconds 5] [--openssl-sign N --openssl-verify N]
func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
let arguments = CommandLine.arguments
let seconds = arguments.firstIndex(of: "--seconds").flatMap { $0 + 1 < arguments.count ? Double(arguments[$0 + 1]) : nil } ?? 5
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-signature-bench-\(UUID().uuidString.prefix(8))").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
var configuration = HuesConfiguration.testing(dataDirectory: folder, database: .sqlite(path: folder + "/bench.sqlite"))
configuration.logLevel = .error
let runtime = try await HuesRuntime.make(configuration: configuration)
try await runtime.migrate()
_ = try await runtime.seedDemo(includingHistory: false)
let logger = Logger(label: "bench")
guard let officer = try await runtime.identity.accounts.find(username: "officer", logger: logger),
      let identity = try await (try runtime.require(SignaturesModule.self)).authority.signingKey(officer: officer.id.uuidString, logger: logger)
else { fatalError("the demo officer has no certificate") }
let document = Array(repeating: UInt8(0x41), count: 64 * 1024)
let digest = SHA256.hash(data: document)

func rate(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: .seconds(seconds))
    var count = 0
    let start = clock.now
    while clock.now < end {
        try body()
        count += 1
    }
    let elapsed = start.duration(to: clock.now)
    return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

var signature: [UInt8] = []
// As the signing service keeps it: the signer's certificates and identifiers encoded once.
let signer = try DetachedSignature.PreparedSigner(signer: identity.certificate, key: identity.key, chain: identity.chain)
let signRate = try rate { signature = try signer.sign(digest: digest, signingTime: Date()) }
let roots = try await (try runtime.require(SignaturesModule.self)).authority.roots(logger: logger)
let verifier = SignatureVerifier(roots: roots)
// Verification is async (chain building); count sequential awaits on one task, i.e. one core.
var verified = 0
let verifyStart = Date()
while Date().timeIntervalSince(verifyStart) < seconds {
    let report = try await verifier.verify(signature: signature, content: document)
    guard report.verdict == .valid else { fatalError("verification failed: \(report.reasons)") }
    verified += 1
}
let verifyRate = Double(verified) / Date().timeIntervalSince(verifyStart)

// `openssl speed` stops each test with SIGALRM, which a child of this process never receives (the Swift runtime
// blocks it), so Benchmarks/signatures.sh measures OpenSSL just before and passes its rates in.
func rateOption(_ name: String) -> Double {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? Double(arguments[$0 + 1]) : nil } ?? 0
}
let (opensslSign, opensslVerify) = (rateOption("--openssl-sign"), rateOption("--openssl-verify"))
say(String(format: "CMS detached signatures (P-256, signed attributes incl. signing-certificate-v2, 64 KiB document): %.0f per second, one core", signRate))
say(String(format: "CMS verifications (digest, signature, chain to the root at signing time): %.0f per second, one core", verifyRate))
if opensslSign > 0 {
    say(String(format: "openssl speed ecdsap256 (same run, one core): %.0f sign/s, %.0f verify/s", opensslSign, opensslVerify))
    say(String(format: "our CMS sign rate is %.0f %% of OpenSSL's raw ECDSA sign rate (target ≥ 50 %%)", 100 * signRate / opensslSign))
}
await runtime.database.shutdown()
