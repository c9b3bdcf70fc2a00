import Foundation
import Platform

/// On SQLite, the short text values of each entity's attributes (a property's `value`, a relationship's `object`) are
/// kept in `ngsi_text_values` (attribute, value, entity), so `q=ward=="w7"` with a count reads the matching stations
/// instead of every document of the type. The entity row carries them as `texts` (`[["ward","w7"],…]`, attributes in
/// order), written with the document; triggers keep the table in step only when `texts` changes, so a sensor's new
/// numbers cost the index nothing. Numbers are not indexed: they change with every reading.
enum EntityTextIndex {
    /// Longer values are left to the scan (a query for a longer literal cannot match an indexed one, as equal
    /// strings have equal lengths).
    static let maximumBytes = 256

    /// The entity's indexed texts as stored in `texts`, or nil when it has none.
    static func texts(of entity: NGSIEntity) -> String? {
        var pairs: [JSONValue] = []
        for (name, attribute) in entity.attributes.sorted(by: { $0.key < $1.key }) {
            guard let members = attribute.object, let text = indexed(members) else { continue }
            pairs.append(.array([.string(name), .string(text)]))
        }
        return pairs.isEmpty ? nil : JSONValue.array(pairs).jsonText
    }

    /// As the evaluator reads an attribute: its `value` when it has one (whatever its kind), else its `object`.
    private static func indexed(_ members: [String: JSONValue]) -> String? {
        let text = members["value"] != nil ? members["value"]?.string : members["object"]?.string
        guard let text, text.utf8.count <= maximumBytes else { return nil }
        return text
    }

    static func mayAnswer(_ literal: String) -> Bool { literal.utf8.count <= maximumBytes }

    /// The same texts worked out in SQL from a stored document, for entities stored before the index.
    static let textsFromBody = """
        (SELECT json_group_array(json_array(a.key, coalesce(json_extract(a.value, '$.value'), json_extract(a.value, '$.object')))) \
        FROM json_each(ngsi_entities.body) AS a \
        WHERE a.key NOT IN ('id', 'type', '@context') AND a.type = 'object' \
        AND ((json_type(a.value, '$.value') = 'text' AND length(CAST(json_extract(a.value, '$.value') AS BLOB)) <= \(maximumBytes)) \
        OR (json_type(a.value, '$.value') IS NULL AND json_type(a.value, '$.object') = 'text' \
        AND length(CAST(json_extract(a.value, '$.object') AS BLOB)) <= \(maximumBytes))))
        """
}
