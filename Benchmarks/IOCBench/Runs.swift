import Foundation

/// 1. Readings through batch upserts from several gateways: each batch 500 stations, four readings each.
func ingest() async throws {
    let batch = 500
    let minute = Ticket()
    let started = Date()
    let samples = try await measure(callers: gateways, seconds: seconds) { ticket in
        let first = (ticket * batch) % stations
        _ = try await call(.POST, "/entityOperations/upsert?options=update", body: batchJSON(first..<min(stations, first + batch), minute: 60 + minute.next() % 5000, seed: ticket))
    }
    let elapsed = Date().timeIntervalSince(started)
    let readings = Double(samples.count * batch * 4)
    say("ingest, batch upsert: \(samples.count) batches of \(batch) stations from \(gateways) gateways in \(figure(elapsed)) s: "
        + "\(Int(readings / elapsed)) readings/s (\(Int(Double(samples.count * batch) / elapsed)) entity updates/s), batch p50 \(figure(percentile(samples, 0.5))) ms, p95 \(figure(percentile(samples, 0.95))) ms")
}

/// 2. One batch of 2,000 stations, 20 times.
func largeBatch() async throws {
    var samples: [Double] = []
    for round in 0..<20 {
        let body = batchJSON(0..<2000, minute: 6000 + round, seed: round)
        let started = ContinuousClock.now
        _ = try await call(.POST, "/entityOperations/upsert", body: body)
        let elapsed = started.duration(to: .now).components
        samples.append(Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15)
    }
    say("2,000-entity batch upsert (8,000 readings): p50 \(figure(percentile(samples, 0.5))) ms, max \(figure(samples.max() ?? 0)) ms")
}

/// 3. One station at a time, PATCH of its attributes.
func singleUpdates() async throws {
    let samples = try await measure(callers: concurrency, seconds: seconds) { ticket in
        let observed = NGSIClock.instant(minute: 7000 + ticket / stations)
        _ = try await call(.PATCH, "/entities/urn:ngsi-ld:AirQualityObserved:s\(ticket % stations)/attrs",
                           body: #"{"pm25":{"type":"Property","value":\#(ticket % 300),"observedAt":"\#(observed)"}}"#)
    }
    say("single-entity updates (PATCH …/attrs, \(concurrency) callers): \(Int(Double(samples.count) / seconds))/s, p50 \(figure(percentile(samples, 0.5))) ms, p95 \(figure(percentile(samples, 0.95))) ms")
}

/// 4. Queries at the full number of stations.
func queries() async throws {
    let numbered = numberIndexes.isEmpty ? " (no numeric index: every document is read)"
        : " (numeric index on \(numberIndexes.map(\.description).joined(separator: ", ")))"
    let cases: [(String, String)] = [
        ("by type, first 20", "/entities?type=AirQualityObserved&limit=20"),
        ("by type, a page deep in", "/entities?type=AirQualityObserved&limit=100&offset=50000"),
        ("q pm25>199 (rare)", "/entities?type=AirQualityObserved&q=pm25%3E199&limit=100"),
        ("q pm25>150;no2<10 (and)", "/entities?type=AirQualityObserved&q=pm25%3E150%3Bno2%3C10&limit=100"),
        ("q ward==\"w7\" with count", "/entities?type=AirQualityObserved&q=ward%3D%3D%22w7%22&limit=20&count=true"),
        ("q pm25>150 with count\(numbered)", "/entities?type=AirQualityObserved&q=pm25%3E150&limit=20&count=true"),
        ("q pm25>199 with count\(numbered)", "/entities?type=AirQualityObserved&q=pm25%3E199&limit=20&count=true"),
        ("q pm25>5 with count (most stations)\(numbered)", "/entities?type=AirQualityObserved&q=pm25%3E5&limit=20&count=true"),
        ("count by type", "/entities?type=AirQualityObserved&limit=0&count=true"),
    ]
    for (name, path) in cases {
        let samples = try await measure(callers: queryCallers, seconds: max(3, seconds / 2)) { _ in _ = try await call(.GET, path) }
        say("query \(name) at \(stations) stations, \(queryCallers) callers: p50 \(figure(percentile(samples, 0.5))) ms, p95 \(figure(percentile(samples, 0.95))) ms (\(samples.count) queries)")
    }
}

/// 5. A week of one station at minute resolution.
func temporal() async throws {
    for day in 0..<7 {
        let body = "[" + (0..<1440).map { stationJSON(1, minute: day * 1440 + $0, seed: $0) }.joined(separator: ",") + "]"
        _ = try await call(.POST, "/entityOperations/upsert?options=update", body: body)
    }
    let week = "timerel=between&timeAt=\(NGSIClock.instant(minute: 0))&endTimeAt=\(NGSIClock.instant(minute: 7 * 1440))"
    for (name, path) in [("a week, every minute (10,080 values)", "/temporal/entities/urn:ngsi-ld:AirQualityObserved:s1?attrs=pm25&options=temporalValues&\(week)"),
                         ("a week, hourly avg and max", "/temporal/entities/urn:ngsi-ld:AirQualityObserved:s1?attrs=pm25&aggrMethods=avg,max&aggrPeriodDuration=PT1H&\(week)"),
                         ("last 60 readings", "/temporal/entities/urn:ngsi-ld:AirQualityObserved:s1?attrs=pm25&lastN=60")] {
        let samples = try await measure(callers: 2, seconds: max(3, seconds / 2)) { _ in _ = try await call(.GET, path) }
        say("temporal \(name): p50 \(figure(percentile(samples, 0.5))) ms, p99 \(figure(percentile(samples, 0.99))) ms (\(samples.count) queries)")
    }
}
