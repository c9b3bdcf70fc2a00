import Synchronization

/// What modules offer each other, found by type: a module provides a capability (payments issues fee invoices,
/// signatures signs results) and another asks for it, without either knowing the other. App fills the registry
/// in one place, while it builds the modules; a module absent from the platform simply provides nothing, and
/// whoever asks gets nil (or, for what it cannot do without, a configuration error at start).
public final class Capabilities: Sendable {
    private struct Provision: @unchecked Sendable {
        // Only values of Sendable types are stored (see `provide`), so sharing them across threads is sound.
        let value: Any
        let module: String
        let capability: String
    }

    private let provisions = Mutex<[ObjectIdentifier: [Provision]]>([:])

    public init() {}

    /// Registers `value` as `type` (usually a protocol: `FeeInvoicing.self`), provided by `module`.
    public func provide<T: Sendable>(_ type: T.Type, _ value: T, by module: String) {
        let provision = Provision(value: value, module: module, capability: String(describing: type))
        provisions.withLock { $0[ObjectIdentifier(type), default: []].append(provision) }
    }

    /// The first provider of `type`, if any module provides it.
    public func first<T: Sendable>(_ type: T.Type) -> T? {
        provisions.withLock { $0[ObjectIdentifier(type)]?.first?.value as? T }
    }

    /// Every provider of `type`, in the order the modules were built (listeners, such as fee settlement).
    public func all<T: Sendable>(_ type: T.Type) -> [T] {
        provisions.withLock { ($0[ObjectIdentifier(type)] ?? []).compactMap { $0.value as? T } }
    }

    /// The provider a module cannot work without; its absence is a configuration error naming both.
    public func require<T: Sendable>(_ type: T.Type, for module: String) throws -> T {
        guard let value = first(type) else {
            throw ConfigurationError(problems: [ConfigProblem(key: "modules", message:
                "the \(module) module needs \(String(describing: type)), which no module in this platform provides (is its module listed before \(module)?)")])
        }
        return value
    }

    /// Who provides what, for `hues modules` and the docs.
    public var provided: [(capability: String, module: String)] {
        provisions.withLock { $0.values.flatMap { $0.map { ($0.capability, $0.module) } } }.sorted { ($0.capability, $0.module) < ($1.capability, $1.module) }
    }
}
