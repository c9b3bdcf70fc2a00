-- Authorization-code grants as fast as the server gives them, for wrk (-t1): each connection asks for a code
-- (GET /oauth2/authorize with a signed-in session that has already consented) or, when one is waiting, exchanges
-- it (POST /oauth2/token, client_secret_basic, PKCE). A code is exchanged once; wrk's Lua state is per thread, so
-- codes are shared by that thread's connections through one queue. With HUES_GRANT=refresh, each refresh token
-- a response hands out is rotated in turn (grant_type=refresh_token), so after the first codes only refreshes run.
-- Set by environment (oidc_bench.py --wrk does): HUES_COOKIE, HUES_CLIENT_ID, HUES_BASIC (base64 of id:secret),
-- HUES_REDIRECT, HUES_CHALLENGE, HUES_VERIFIER, HUES_GRANT (code or refresh).
local cookie = os.getenv("HUES_COOKIE")
local clientID = os.getenv("HUES_CLIENT_ID")
local basic = os.getenv("HUES_BASIC")
local redirect = os.getenv("HUES_REDIRECT")
local challenge = os.getenv("HUES_CHALLENGE")
local verifier = os.getenv("HUES_VERIFIER")
local rotating = os.getenv("HUES_GRANT") == "refresh"

local function escape(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local authorize = "/oauth2/authorize?response_type=code&client_id=" .. escape(clientID) .. "&redirect_uri=" .. escape(redirect) ..
                  "&scope=openid%20profile&state=s&nonce=n&code_challenge=" .. challenge .. "&code_challenge_method=S256"
local codes = {}
local refreshTokens = {}
local threads = {}
grants, refused, lost = 0, 0, 0

function setup(thread)
  table.insert(threads, thread)
end

local function form(body)
  return wrk.format("POST", "/oauth2/token", { ["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = "Basic " .. basic }, body)
end

function request()
  local refresh = table.remove(refreshTokens)
  if refresh then return form("grant_type=refresh_token&refresh_token=" .. escape(refresh)) end
  local code = table.remove(codes)
  if code then
    local body = "grant_type=authorization_code&code=" .. escape(code) .. "&redirect_uri=" .. escape(redirect) .. "&code_verifier=" .. verifier
    return form(body)
  end
  return wrk.format("GET", authorize, { ["Cookie"] = cookie })
end

function response(status, headers, body)
  local location = headers["location"] or headers["Location"]
  if status == 302 and location then
    local code = location:match("[?&]code=([^&]+)")
    if code then table.insert(codes, code) else lost = lost + 1 end
  elseif status == 200 and body:find("access_token", 1, true) then
    grants = grants + 1
    local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if rotating and token then table.insert(refreshTokens, token) end
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local total, failed, missing = 0, 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("grants")
    failed = failed + thread:get("refused")
    missing = missing + thread:get("lost")
  end
  io.write(string.format("grants %d refused %d lost %d seconds %.3f\n", total, failed, missing, summary.duration / 1e6))
end
