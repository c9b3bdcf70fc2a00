-- A city's mix for wrk: visitors reading public pages, signed-in people reading their own things, partner systems
-- filing Open311 reports. Set by environment: HUES_TOKEN (a citizen's access token), HUES_OPEN311_KEY, and
-- HUES_DELAY_MS (pause between one connection's requests, for a paced soak; 0 for as fast as it goes) and
-- HUES_POST_SHARE (percent of requests that are Open311 filings; 5 unless set, 100 for the write-path figure).
local token = os.getenv("HUES_TOKEN") or ""
local key = os.getenv("HUES_OPEN311_KEY") or ""
local pause = tonumber(os.getenv("HUES_DELAY_MS") or "0")
local postShare = tonumber(os.getenv("HUES_POST_SHARE") or "5")
local categories = { "garbage", "encroachment", "water-supply", "traffic-signal" }
local counter = 0

local public = { "/reports", "/procedures", "/api/v1/procedures", "/open311/v2/requests.json", "/api/v1/field-reports?page=1",
                 "/api/v1/field-reports/map?bbox=107.50,16.40,107.68,16.56&zoom=13" }
local personal = { "/api/v1/me", "/api/v1/notices", "/api/v1/dossiers" }

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(os.time() + (seed or 0))
end

function delay()
  return pause
end

function request()
  counter = counter + 1
  local roll = math.random(100)
  if roll <= 100 - postShare and roll <= 70 * (100 - postShare) / 95 then
    return wrk.format("GET", public[math.random(#public)], { ["Accept-Encoding"] = "gzip" })
  elseif roll <= 100 - postShare then
    return wrk.format("GET", personal[math.random(#personal)], { ["Authorization"] = "Bearer " .. token })
  end
  -- Spread over the city so that reports are not merged as duplicates of each other.
  local latitude = 16.42 + math.random(0, 400) * 0.0003
  local longitude = 107.54 + math.random(0, 400) * 0.0003
  local body = "api_key=" .. key .. "&service_code=" .. categories[math.random(#categories)] .. "&lat=" .. latitude ..
               "&long=" .. longitude .. "&description=Soak+" .. counter
  return wrk.format("POST", "/open311/v2/requests.json", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
