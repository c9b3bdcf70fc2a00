import App
import ArgumentParser
import Foundation
import Platform
import Signatures

struct CACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "The city's certificate authority: root, issuing authorities, officers' and units' signing certificates.",
        subcommands: [Init.self, Issue.self, Revoke.self, Renew.self, List.self, Export.self]
    )

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the root and the default issuing authority (idempotent).")
        @Option(help: "Key algorithm: ecdsa-p256, rsa-2048 or rsa-3072.") var algorithm: String = "ecdsa-p256"

        func run() async throws {
            guard let algorithm = KeyAlgorithm(rawValue: algorithm) else { throw ValidationError("unknown algorithm '\(algorithm)'") }
            try await withRuntime(try loadConfiguration()) { runtime in
                let root = try await (try runtime.require(SignaturesModule.self)).authority.initialize(algorithm: algorithm, actorName: "cli", logger: runtime.logger)
                say("root \(root)")
                say("issuing authority \(CertificateAuthority.defaultAuthority); CRL at \(runtime.configuration.publicBaseURL)/ca/\(CertificateAuthority.defaultAuthority).crl")
            }
        }
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a signing certificate to an officer (by username) or a unit.")
        @Option(help: "Username of the officer or unit leader.") var officer: String?
        @Option(help: "Unit code: the officer's unit (when they hold roles in several), or the unit for a unit seal.") var unit: String?
        @Option(help: "Key algorithm: ecdsa-p256, rsa-2048 or rsa-3072.") var algorithm: String = "ecdsa-p256"
        @Option(help: "Days of validity (default two years).") var days: Int?
        @Option(help: "Issuing authority code.") var authority: String = CertificateAuthority.defaultAuthority

        func run() async throws {
            guard let algorithm = KeyAlgorithm(rawValue: algorithm) else { throw ValidationError("unknown algorithm '\(algorithm)'") }
            guard officer != nil || unit != nil else { throw ValidationError("name an --officer or a --unit") }
            try await withRuntime(try loadConfiguration()) { runtime in
                let holder: CertificateHolder
                if let username = officer {
                    guard let person = try await runtime.identity.accounts.profile(username: username, logger: runtime.logger) else {
                        throw ValidationError("no active account '\(username)'")
                    }
                    let units = person.grants.staffUnits
                    guard let chosen = unit ?? (units.count == 1 ? units.first : nil), units.contains(chosen) else {
                        throw ValidationError(unit == nil && units.count > 1 ? "\(username) is staff of \(units.joined(separator: ", ")); add --unit"
                                                                             : "\(username) is not staff of that unit")
                    }
                    holder = .officer(accountID: person.accountID, name: person.name, unitCode: chosen)
                } else {
                    holder = .unit(code: unit ?? "")
                }
                do {
                    let issued = try await (try runtime.require(SignaturesModule.self)).authority.issue(to: holder, algorithm: algorithm, validDays: days, authority: authority,
                                                                              actorName: "cli", logger: runtime.logger)
                    say("issued \(issued.serial) to \(issued.commonName) (\(issued.unitCode ?? "-")), valid until \(ISO8601DateFormatter().string(from: issued.notAfter))")
                } catch let problem as Problem {
                    throw UserCommand.report(problem)
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a certificate; the next CRL lists it.")
        @Argument(help: "Serial number (hex).") var serial: String
        @Option(help: "unspecified, key-compromise, affiliation-changed, superseded, cessation-of-operation.") var reason: String = "unspecified"

        func run() async throws {
            guard let reason = CertificateAuthority.RevocationReason(name: reason) else { throw ValidationError("unknown reason '\(reason)'") }
            try await withRuntime(try loadConfiguration()) { runtime in
                do {
                    let revoked = try await (try runtime.require(SignaturesModule.self)).authority.revoke(serial: serial, reason: reason, actorName: "cli", logger: runtime.logger)
                    say("revoked \(revoked.serial) (\(revoked.commonName))")
                } catch let problem as Problem {
                    throw UserCommand.report(problem)
                }
            }
        }
    }

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a new certificate to the same holder and supersede the old one.")
        @Argument(help: "Serial number (hex).") var serial: String

        func run() async throws {
            try await withRuntime(try loadConfiguration()) { runtime in
                do {
                    let renewed = try await (try runtime.require(SignaturesModule.self)).authority.renew(serial: serial, actorName: "cli", logger: runtime.logger)
                    say("renewed as \(renewed.serial), valid until \(ISO8601DateFormatter().string(from: renewed.notAfter))")
                } catch let problem as Problem {
                    throw UserCommand.report(problem)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List certificates: serial, kind, status, holder, unit, not after, name.")
        @Option(help: "Only this unit's.") var unit: String?

        func run() async throws {
            try await withRuntime(try loadConfiguration()) { runtime in
                let formatter = ISO8601DateFormatter()
                for certificate in try await (try runtime.require(SignaturesModule.self)).authority.list(unit: unit, logger: runtime.logger) {
                    say([certificate.serial, certificate.kind, certificate.status.rawValue, "\(certificate.holderKind):\(certificate.holderID)",
                         certificate.unitCode ?? "-", formatter.string(from: certificate.notAfter), certificate.commonName].joined(separator: "\t"))
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a certificate as PEM: a serial, 'root' or an authority code.")
        @Argument(help: "Serial number (hex), 'root' or an issuing authority's code.") var what: String

        func run() async throws {
            try await withRuntime(try loadConfiguration()) { runtime in
                let authority = (try runtime.require(SignaturesModule.self)).authority
                if let der = try await authority.authorityCertificate(what, logger: runtime.logger) {
                    say(try CertificateAuthority.pem(der: der))
                } else if let certificate = try await authority.certificate(serial: what, logger: runtime.logger) {
                    say(certificate.pem)
                } else {
                    standardError("error: no certificate '\(what)'")
                    throw ExitStatus.dataError
                }
            }
        }
    }
}
