-- wrk's request mix for deploy/fleet/run.sh: what readers of the API ask for, spread over the
-- catalogue, a roadmap and its parts, the shared lists, search, the feed, a published
-- revision and an embed, each as identity, gzip or brotli. It counts every answer by status;
-- done() prints the counts as `status CODE COUNT` lines for the script to check.

local slug = "healthcare-ai-ml-engineer"
local routes = {
  { "/v1/roadmaps", "application/json" },
  { "/v1/roadmaps?format=csv", "text/csv" },
  { "/v1/roadmaps/" .. slug, "application/json" },
  { "/v1/roadmaps/" .. slug, "application/json" },
  { "/v1/roadmaps/" .. slug .. "?rev=1", "application/json" },
  { "/v1/roadmaps/" .. slug .. "/phases", "application/json" },
  { "/v1/roadmaps/" .. slug .. "/phases/2", "application/json" },
  { "/v1/roadmaps/" .. slug .. "/projects/1", "application/json" },
  { "/v1/roadmaps/" .. slug .. "/revisions", "application/json" },
  { "/v1/certifications?tier=high_signal", "application/json" },
  { "/v1/sources", "application/json" },
  { "/v1/search?q=python", "application/json" },
  { "/v1/changes", "application/json" },
  { "/embed/roadmaps/" .. slug, "text/html" },
}
local encodings = { "", "gzip", "br" }

-- Global, not local: done() reads each thread's copy with thread:get("counts").
counts = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  -- `id` is set by setup() in this thread's own state: each thread draws its own sequence.
  math.randomseed(os.time() * 100 + id)
  counts = {}
end

function request()
  local route = routes[math.random(#routes)]
  local headers = { Accept = route[2] }
  local encoding = encodings[math.random(#encodings)]
  if encoding ~= "" then
    headers["Accept-Encoding"] = encoding
  end
  return wrk.format("GET", route[1], headers)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %d %d\n", status, count))
  end
end
