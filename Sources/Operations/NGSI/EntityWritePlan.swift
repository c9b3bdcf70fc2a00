import Foundation
import Platform

/// What a write does to each entity it names, worked out before anything is stored: which entities are created,
/// changed or refused, and which attributes each write sets (the readings and subscriptions look at those only).
public enum EntityOperation: Sendable, Equatable {
    /// Refused when the entity exists (`POST /entities`, batch create).
    case create
    /// Created, or replaced whole (batch upsert `options=replace`).
    case replace
    /// Created, or its attributes added to the stored ones (batch upsert `options=update`, append attributes).
    case merge(overwrite: Bool)
    /// Only existing entities; attributes added to the stored ones (batch update, append attributes).
    case update(overwrite: Bool)
    /// Only the attributes an existing entity has (`PATCH …/attrs`); the others are listed as not updated.
    case patch
}

struct EntityWritePlan {
    struct Written {
        var entity: NGSIEntity
        var setAttributes: [String: JSONValue]
    }

    var saved: [String: NGSIEntity] = [:]
    var order: [String] = []
    var written: [Written] = []
    var created: [String] = []
    private var createdSet = Set<String>()
    var updated: [String] = []
    var errors: [(entityID: String, error: NGSIError)] = []
    /// For `.patch`: the attributes named that the entity does not have, by entity.
    var notUpdated: [String: [String]] = [:]

    /// For each entity to save that is stored exactly as sent: the index of the parsed entity it is.
    var asSent: [String: Int] = [:]

    init(_ parsed: [EntityParser.Parsed], operation: EntityOperation, existing: [String: NGSIEntity]) {
        for (index, item) in parsed.enumerated() {
            for (attribute, error) in item.refused {
                errors.append((item.entity.id, NGSIError(error.kind, "\(error.detail) (attribute \(attribute))")))
            }
            apply(item.entity, operation: operation, current: saved[item.entity.id] ?? existing[item.entity.id], refused: Set(item.refused.map(\.attribute)),
                  index: index)
        }
    }

    private mutating func apply(_ incoming: NGSIEntity, operation: EntityOperation, current: NGSIEntity?, refused: Set<String>, index: Int) {
        var next = incoming
        var set = incoming.attributes
        var unchanged = false
        switch (operation, current) {
        case (.create, .some):
            return errors.append((incoming.id, NGSIError(.alreadyExists, "An entity \(incoming.id) already exists.")))
        case (.update, nil), (.patch, nil):
            return errors.append((incoming.id, NGSIError(.resourceNotFound, "No entity \(incoming.id).")))
        case (.replace, let current?):
            // A refused reading leaves the stored one in place: replacing the entity must not erase what was good.
            for name in refused { next.attributes[name] = current.attributes[name] }
            unchanged = refused.isEmpty
        case (.create, nil), (.replace, nil), (.merge, nil):
            unchanged = true
        case (.merge, let current?), (.update, let current?), (.patch, let current?):
            guard current.type == incoming.type else {
                return errors.append((incoming.id, NGSIError(.badRequestData, "The entity \(incoming.id) is a \(current.type), not a \(incoming.type).")))
            }
            next = current
            switch operation {
            case .merge(overwrite: false), .update(overwrite: false): set = set.filter { current.attributes[$0.key] == nil }
            case .patch:
                let missing = set.keys.filter { current.attributes[$0] == nil }.sorted()
                if !missing.isEmpty { notUpdated[incoming.id] = missing }
                set = set.filter { current.attributes[$0.key] != nil }
                if set.isEmpty { return }
            default: break
            }
            next.attributes.merge(set) { _, new in new }
            if incoming.context != nil { next.context = incoming.context }
        }
        if saved[next.id] == nil { order.append(next.id) }
        if current == nil {
            created.append(next.id)
            createdSet.insert(next.id)
        } else if !createdSet.contains(next.id) {
            updated.append(next.id)
        }
        saved[next.id] = next
        asSent[next.id] = unchanged ? index : nil
        written.append(Written(entity: next, setAttributes: set))
    }

    /// In id order, so two writers that overlap lock rows in the same order (no deadlock on PostgreSQL).
    var entitiesToSave: [NGSIEntity] { order.sorted().compactMap { saved[$0] } }

    /// After a create lost a race for some ids: those are refused as existing, and owe no readings or notices.
    mutating func keepOnly(_ inserted: Set<String>) {
        let lost = Set(created.filter { !inserted.contains($0) })
        guard !lost.isEmpty else { return }
        created.removeAll { lost.contains($0) }
        written.removeAll { lost.contains($0.entity.id) }
        errors += lost.sorted().map { ($0, NGSIError(.alreadyExists, "An entity \($0) already exists.")) }
    }

    /// Readings of the attributes these writes set (the broker keeps one per series and instant: the last).
    static func readings(of written: [Written], at now: Date) -> [SensorReading] {
        written.flatMap { NGSIEntity(id: $0.entity.id, type: $0.entity.type, attributes: $0.setAttributes).readings(at: now) }
    }
}
