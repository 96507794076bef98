-- wrk script: counts responses by status, and pages that came back partial (X-Mosaic-Partial),
-- over every thread; done() prints one line: "STATUS 200:1234 502:5 partial:1200".
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  partial = 0
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if headers["X-Mosaic-Partial"] == "true" then partial = partial + 1 end
end

function done(summary, latency, requests)
  local total, partials = {}, 0
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do total[code] = (total[code] or 0) + n end
    partials = partials + thread:get("partial")
  end
  local codes = {}
  for code in pairs(total) do table.insert(codes, code) end
  table.sort(codes)
  io.write("STATUS")
  for _, code in ipairs(codes) do io.write(string.format(" %d:%d", code, total[code])) end
  io.write(string.format(" partial:%d\n", partials))
end
