import Foundation
import Operations
import Platform

/// What the operations centre reads from outside: NGSI-LD documents from sensor gateways, and `q` queries.
enum OperationsTargets {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    /// An entity (or a batch of them): what is kept is a valid entity, and keeping it again keeps the same thing.
    static let ngsiBody: FuzzTargets.Harness = { bytes in
        guard let document = try? NGSIDocument.decode(Data(bytes)) else { return }
        let parser = EntityParser(now: now)
        for item in document.array ?? [document] {
            guard let parsed = try? parser.entity(item) else { continue }
            let entity = parsed.entity
            FuzzCheck.require(NGSINames.isURI(entity.id) && NGSINames.isName(entity.type), "kept an entity with id \(entity.id)")
            FuzzCheck.require(entity.attributes.keys.allSatisfy(NGSINames.isName), "kept a bad attribute name")
            FuzzCheck.require(entity.readings(at: now).allSatisfy { $0.value.isFinite }, "kept a reading that is not a finite number")
            let stored = entity.body.jsonText
            guard let again = try? parser.entity(NGSIDocument.decode(Data(stored.utf8))) else {
                return FuzzCheck.require(false, "the stored form of \(entity.id) does not read back")
            }
            FuzzCheck.require(again.entity.attributes == entity.attributes && again.refused.isEmpty, "the stored form of \(entity.id) reads back differently")
        }
    }

    static let sample = NGSIEntity(id: "urn:ngsi-ld:T:1", type: "T", attributes: [
        "a": .object(["type": .string("Property"), "value": .number(3), "s": .object(["type": .string("Property"), "value": .string("x")])]),
        "b": .object(["type": .string("Property"), "value": .object(["k": .array([.bool(true)])])]),
        "r": .object(["type": .string("Relationship"), "object": .string("urn:x:1")]),
    ])

    /// A `q` query: read within its limits and evaluated without trapping. (Its SQL translation is built from the
    /// same tree and held equal to the evaluator by `QueryLanguageTests` on random queries; building it here made
    /// each run ten times slower.)
    static let ngsiQuery: FuzzTargets.Harness = { bytes in
        guard let query = try? NGSIQueryParser.parse(String(decoding: bytes, as: UTF8.self)) else { return }
        _ = query.matches(sample)
        FuzzCheck.require(query.attributes.count <= NGSIQueryParser.maximumTerms, "more attributes than terms")
    }

    /// Any bytes as JSON: the reader refuses or reads, and what it reads writes out and reads back the same.
    static let json: FuzzTargets.Harness = { bytes in
        guard let value = try? JSONParser.parse(bytes, maximumDepth: 32) else { return }
        FuzzCheck.require((try? JSONParser.parse(Array(value.jsonText.utf8), maximumDepth: 32)) == value, "written JSON reads back differently")
    }
}
