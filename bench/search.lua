-- search.lua - wrk script for `make bench`: GET /search?q=... cycling
-- through the queries of a file, url-encoded, each thread starting at a
-- different place in the list.
--
--   wrk -t T -c C -d 5s --latency -s bench/search.lua URL -- bench/queries.txt
--
-- One query a line; '#' lines and blank lines are skipped.  At the end it
-- prints one line that bench/run.sh reads (latencies in microseconds):
--
--   wrk-result requests=N duration_us=D p50_us=A p99_us=B errors=E
--
-- errors counts every failed request: connect, read, write, timeout and
-- answers with a status other than 2xx/3xx.

local paths = {}
local next_path = 1
local thread_no = 0

function setup(thread)
   thread:set("id", thread_no)
   thread_no = thread_no + 1
end

local function urlencode(s)
   return (s:gsub("[^%w%-%._~]", function(c)
      return string.format("%%%02X", string.byte(c))
   end))
end

function init(args)
   local file = args[1]
   if not file then
      error("search.lua: give the queries file after --")
   end
   local f = assert(io.open(file, "r"))
   for line in f:lines() do
      if line ~= "" and not line:match("^#") then
         paths[#paths + 1] = "/search?q=" .. urlencode(line)
      end
   end
   f:close()
   if #paths == 0 then
      error("search.lua: no queries in " .. file)
   end
   -- Threads start at different queries, so they do not ask in step.
   next_path = ((id or 0) * 17) % #paths + 1
end

function request()
   local path = paths[next_path]
   next_path = next_path % #paths + 1
   return wrk.format("GET", path)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "wrk-result requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\n",
      summary.requests, summary.duration, latency:percentile(50),
      latency:percentile(99), e.connect + e.read + e.write + e.timeout + e.status))
end
