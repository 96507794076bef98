-- Spreads wrk's requests over USERS user ids (default 100), so the cache holds many keys.
local users = tonumber(os.getenv("USERS") or "100")
local counter = 0
function request()
  counter = counter + 1
  return wrk.format("GET", "/dashboard/" .. ((counter * 7919) % users + 1))
end
