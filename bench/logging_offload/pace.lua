-- Paces each wrk connection: DELAY_MS milliseconds between an answer and the next request, so a
-- run offers a steady load instead of as much as the server can take.
local pause = tonumber(os.getenv("DELAY_MS") or "0")
function delay()
  return pause
end
