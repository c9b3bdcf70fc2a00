import Foundation
import Hummingbird
import Platform

/// The CA's admin API, its public certificates and CRLs, signing for officers and verification for everyone.
struct SignaturesRoutes: Sendable {
    let signing: SigningService
    let staff: any StaffDirectory
    var authority: CertificateAuthority { signing.authority }

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/ca/:file", access: .everyone, summary: "A CA certificate (root.crt, hue.crt) or CRL (hue.crl), DER", use: publicFile)
        routes.on(.get, "/api/v1/ca/certificates", access: .roles([.admin]), summary: "Certificates issued by the city's CA (holder, unit)", use: list)
        routes.on(.post, "/api/v1/ca/certificates", access: .roles([.admin]), summary: "Issue a signing certificate to an officer or a unit", use: issue)
        routes.on(.get, "/api/v1/ca/certificates/:serial", access: .roles([.admin]), summary: "One certificate with its PEM", use: show)
        routes.on(.post, "/api/v1/ca/certificates/:serial/revoke", access: .roles([.admin]), summary: "Revoke a certificate (reason)", use: revoke)
        routes.on(.post, "/api/v1/ca/certificates/:serial/renew", access: .roles([.admin]), summary: "Renew a signing certificate", use: renew)
        routes.on(.post, "/api/v1/ca/authorities", access: .roles([.admin]), summary: "Add an issuing authority (intermediate CA)", use: addAuthority)
        routes.on(.get, "/api/v1/signatures/certificates", access: .roles([.officer, .unitLeader]), summary: "The caller's own signing certificates",
                  use: mine)
        routes.on(.post, "/api/v1/signatures/detached", access: .roles([.officer, .unitLeader]),
                  summary: "Sign the request body with the caller's certificate (fresh sign-in); returns CMS DER", use: signDetached)
        routes.on(.post, "/api/v1/signatures/verify", access: .everyone, summary: "Verify a signed document (multipart: document, signature)",
                  use: verify)
    }

    struct IssueRequest: Decodable, Sendable {
        var officer: String?
        var unit: String?
        var algorithm: String?
        var validDays: Int?
        var authority: String?
    }

    struct RevokeRequest: Decodable, Sendable {
        var reason: String?
    }

    struct AuthorityRequest: Decodable, Sendable {
        var code: String
        var name: String
        var algorithm: String?
    }

    @Sendable func publicFile(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let file = context.parameters.get("file") ?? ""
        let (code, suffix) = (file.split(separator: ".").first.map(String.init) ?? "", file.split(separator: ".").dropFirst().joined(separator: "."))
        let body: [UInt8]?
        let type: String
        switch suffix {
        case "crt", "cer":
            body = try await authority.authorityCertificate(code, logger: context.logger)
            type = "application/pkix-cert"
        case "crl":
            body = try await authority.revocationList(authority: code, logger: context.logger)
            type = "application/pkix-crl"
        default:
            body = nil
            type = ""
        }
        guard let body else { throw Problem.notFound("No certificate or CRL '\(file)'.") }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: suffix == "crl" ? "public, max-age=300" : "public, max-age=86400"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    @Sendable func list(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[IssuedCertificate]> {
        let query = request.uri.queryParameters
        return JSONResponse(try await authority.list(holderKind: query.get("holderKind"), holderID: query.get("holder"), unit: query.get("unit"),
                                                     logger: context.logger))
    }

    @Sendable func issue(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<IssuedCertificate> {
        var request = request
        let input = try await request.decodeJSON(as: IssueRequest.self, context: context)
        let principal = try context.requirePrincipal()
        var errors: [Problem.FieldError] = []
        let algorithm = KeyAlgorithm(rawValue: input.algorithm ?? KeyAlgorithm.p256.rawValue)
        if algorithm == nil { errors.append(.init(field: "algorithm", message: "one of ecdsa-p256, rsa-2048, rsa-3072")) }
        if input.officer == nil, input.unit == nil { errors.append(.init(field: "officer", message: "name an officer (username) or a unit")) }
        guard errors.isEmpty, let algorithm else { throw Problem.validation(errors) }
        let holder: CertificateHolder
        if let username = input.officer {
            guard let person = try await staff.profile(username: username, logger: context.logger) else {
                throw Problem.unprocessable([.init(field: "officer", message: "no active account '\(username)'")])
            }
            let units = person.grants.staffUnits
            guard let unit = input.unit ?? (units.count == 1 ? units.first : nil), units.contains(unit) else {
                throw Problem.unprocessable([.init(field: "unit", message: input.unit == nil && units.count > 1
                    ? "\(username) is staff of \(units.joined(separator: ", ")); name the unit" : "\(username) is not an officer or leader of that unit")])
            }
            holder = .officer(accountID: person.accountID, name: person.name, unitCode: unit)
        } else {
            holder = .unit(code: input.unit ?? "")
        }
        let issued = try await authority.issue(to: holder, algorithm: algorithm, validDays: input.validDays,
                                               authority: input.authority ?? CertificateAuthority.defaultAuthority, actorName: principal.username,
                                               logger: context.logger)
        return JSONResponse(issued, status: .created, headers: [.location: "/api/v1/ca/certificates/\(issued.serial)"])
    }

    @Sendable func show(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<IssuedCertificate> {
        let serial = context.parameters.get("serial") ?? ""
        guard let certificate = try await authority.certificate(serial: serial, logger: context.logger) else {
            throw Problem.notFound("No certificate with serial \(serial).")
        }
        return JSONResponse(certificate)
    }

    @Sendable func revoke(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<IssuedCertificate> {
        var request = request
        let input = try await request.decodeJSON(as: RevokeRequest.self, context: context)
        guard let reason = CertificateAuthority.RevocationReason(name: input.reason ?? "unspecified") else {
            throw Problem.validation([.init(field: "reason", message: "one of unspecified, key-compromise, affiliation-changed, superseded, cessation-of-operation")])
        }
        return JSONResponse(try await authority.revoke(serial: context.parameters.get("serial") ?? "", reason: reason,
                                                       actorName: try context.requirePrincipal().username, logger: context.logger))
    }

    @Sendable func renew(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<IssuedCertificate> {
        let renewed = try await authority.renew(serial: context.parameters.get("serial") ?? "", actorName: try context.requirePrincipal().username,
                                                logger: context.logger)
        return JSONResponse(renewed, status: .created, headers: [.location: "/api/v1/ca/certificates/\(renewed.serial)"])
    }

    @Sendable func addAuthority(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<IssuedCertificate> {
        var request = request
        let input = try await request.decodeJSON(as: AuthorityRequest.self, context: context)
        guard let algorithm = KeyAlgorithm(rawValue: input.algorithm ?? KeyAlgorithm.p256.rawValue) else {
            throw Problem.validation([.init(field: "algorithm", message: "one of ecdsa-p256, rsa-2048, rsa-3072")])
        }
        return JSONResponse(try await authority.addAuthority(code: input.code, name: input.name, algorithm: algorithm,
                                                             actorName: try context.requirePrincipal().username, logger: context.logger),
                            status: .created)
    }

    @Sendable func mine(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[IssuedCertificate]> {
        JSONResponse(try await authority.list(holderKind: "officer", holderID: try context.requirePrincipal().accountID, logger: context.logger))
    }

    @Sendable func signDetached(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try signing.requireFreshSignIn(principal)
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        guard body.readableBytes > 0 else { throw Problem.badRequest("Send the document to sign as the request body.") }
        let name = request.uri.queryParameters.get("name") ?? "document"
        let signature = try await signing.signDetached(Array(buffer: body), name: "document:\(name)", as: .officer(principal), logger: context.logger)
        return Response(status: .ok, headers: [.contentType: "application/pkcs7-signature",
                                               .contentDisposition: "attachment; filename=\"signature.p7s\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: signature)))
    }

    @Sendable func verify(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<SignatureReport> {
        let form = try await Self.multipart(request, context: context)
        guard let document = form.parts.first(where: { $0.name == "document" }), !document.data.isEmpty else {
            throw Problem.validation([.init(field: "document", message: "upload the signed document")])
        }
        let signature = form.parts.first { $0.name == "signature" && !$0.data.isEmpty }
        return JSONResponse(try await signing.verifyDocument(Array(document.data), signature: signature.map { Array($0.data) }, logger: context.logger))
    }

    static func multipart(_ request: Request, context: HuesRequestContext) async throws -> MultipartForm {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        guard let boundary = MultipartForm.boundary(contentType: request.headers[.contentType]) else {
            throw Problem.badRequest("Send multipart/form-data with the parts 'document' and (for a detached signature) 'signature'.")
        }
        return try MultipartForm(body: Data(buffer: body), boundary: boundary)
    }
}
