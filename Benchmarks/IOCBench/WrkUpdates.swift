import Foundation
import Subprocess
import SystemPackage

/// 3b. The same single-entity updates with wrk as the client, when it is installed: AsyncHTTPClient in this process
/// spends about a quarter of the 2 cores it shares with the server, and a sensor gateway would not be on the
/// server's cores at all. wrk (C, one thread) is the lighter stand-in the other benchmarks use.
func singleUpdatesWithWrk() async throws {
    guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
        say("single-entity updates with wrk: skipped, wrk is not installed (apt-get install -y wrk)")
        return
    }
    let script = folder + "/patch.lua"
    try patchScript.write(toFile: script, atomically: true, encoding: .utf8)
    let environment = Environment.inherit.updating(["HUES_TOKEN": token, "HUES_STATIONS": String(stations), "HUES_OBSERVED": NGSIClock.instant(minute: 8000)])
    let record = try await Subprocess.run(.path(FilePath(wrk)), arguments: ["-t1", "-c\(concurrency)", "-d\(Int(seconds))s", "--latency", "-s", script,
                                                                             "http://127.0.0.1:\(port)"],
                                          environment: environment, output: .string(limit: 1 << 20))
    let text = record.standardOutput
    func line(_ prefix: String) -> String {
        text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(prefix) }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "?"
    }
    say("single-entity updates with wrk (PATCH …/attrs, \(concurrency) connections): \(line("Requests/sec")), latency \(line("50%")), \(line("99%")); \(line("updated"))")
}

/// Each request updates the next station's PM2.5; every answer other than 204 is counted as refused.
private let patchScript = #"""
local token = os.getenv("HUES_TOKEN")
local stations = tonumber(os.getenv("HUES_STATIONS"))
local observed = os.getenv("HUES_OBSERVED")
local threads = {}
local counter = 0
updated, refused = 0, 0

function setup(thread) table.insert(threads, thread) end

function request()
  counter = counter + 1
  local body = '{"pm25":{"type":"Property","value":' .. (counter % 300) .. ',"observedAt":"' .. observed .. '"}}'
  return wrk.format("PATCH", "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:s" .. (counter % stations) .. "/attrs",
                    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 204 then updated = updated + 1 else refused = refused + 1 end
end

function done(summary, latency, requests)
  local total, failed = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("updated")
    failed = failed + thread:get("refused")
  end
  io.write(string.format("updated %d refused %d\n", total, failed))
end
"""#
