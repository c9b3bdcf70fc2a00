import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Turns every failure into an RFC 9457 problem (or, for a browser asking for a page, a readable error page).
///
/// The router's own 404 becomes 405 with `Allow` when the path exists under another method. Errors the platform
/// does not recognise are logged with the request id and answered with a generic 500: no stack traces or SQL leak.
/// An unreachable database is a 503 with `Retry-After`, because retrying is the right move for the client.
public struct ProblemMiddleware: RouterMiddleware {
    public typealias Context = HuesRequestContext
    let catalog: RouteCatalog
    let bodyLimit: Int

    public init(catalog: RouteCatalog, bodyLimit: Int) {
        self.catalog = catalog
        self.bodyLimit = bodyLimit
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where !(error is Problem) && !(error is HTTPError) {
            // Errors that know their own standard format (OAuth's JSON errors, for one) answer for themselves.
            return try error.response(from: request, context: context)
        } catch {
            let problem = problem(for: error, request: request, context: context)
            if Self.wantsHTML(request) {
                return ErrorPage.response(problem, request: request, language: context.language)
            }
            return try problem.response(from: request, context: context)
        }
    }

    func problem(for error: any Error, request: Request, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let httpError as HTTPError:
            switch httpError.status {
            case .notFound:
                let methods = catalog.methods(matching: request.uri.path)
                return methods.isEmpty ? .notFound() : .methodNotAllowed(allowed: methods)
            case .contentTooLarge:
                return .tooLarge(limit: bodyLimit)
            case .badRequest:
                return .malformedBody(httpError.body ?? "The request could not be read.")
            default:
                return Problem(status: httpError.status, type: "http-\(httpError.status.code)", title: httpError.status.reasonPhrase,
                               detail: httpError.body ?? httpError.status.reasonPhrase, headers: httpError.headers)
            }
        case is DecodingError:
            return .malformedBody("The request body could not be decoded.")
        default:
            if Problem.isDatabaseUnavailable(error) {
                context.logger.error("database unavailable", metadata: ["error": "\(error)"])
                return .unavailable()
            }
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return .internal()
        }
    }

    static func wantsHTML(_ request: Request) -> Bool {
        guard !request.uri.path.hasPrefix("/api/"), let accept = request.headers[.accept] else { return false }
        return accept.contains("text/html")
    }
}

/// A minimal error page, so a person who follows a bad link sees words rather than JSON.
enum ErrorPage {
    static func response(_ problem: Problem, request: Request, language: String) -> Response {
        let english = language == "en"
        let heading = english ? problem.title : vietnameseTitle(problem.status)
        let home = english ? "Back to the home page" : "Về trang chủ"
        let html = """
            <!doctype html><html lang="\(english ? "en" : "vi")"><head><meta charset="utf-8">\
            <meta name="viewport" content="width=device-width, initial-scale=1"><title>\(problem.status.code) · HueS</title>\
            <link rel="stylesheet" href="/static/app.css"></head><body><main class="container">\
            <h1>\(heading)</h1><p>\(escape(problem.detail))</p><p><a href="/">\(home)</a></p></main></body></html>
            """
        var headers = problem.headers
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: problem.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func vietnameseTitle(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401: return "Cần đăng nhập"
        case 403: return "Không có quyền truy cập"
        case 404: return "Không tìm thấy trang"
        case 405: return "Phương thức không được hỗ trợ"
        case 413: return "Dữ liệu gửi lên quá lớn"
        case 429: return "Quá nhiều yêu cầu"
        case 503: return "Dịch vụ tạm thời gián đoạn"
        case 400..<500: return "Yêu cầu không hợp lệ"
        default: return "Đã xảy ra lỗi"
        }
    }

    static func escape(_ text: String) -> String { MarkupText.escaped(text) }
}
