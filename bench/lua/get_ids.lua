-- wrk script: GET <BENCH_PREFIX><id> with ids drawn (seeded) from the file named by BENCH_IDS,
-- one id per line, so every answer is a 200; with BENCH_TOKEN set, as that bearer.
local ids = {}
local prefix = os.getenv("BENCH_PREFIX")
local headers = {}

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    ids[#ids + 1] = line
  end
  local token = os.getenv("BENCH_TOKEN")
  if token and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  math.randomseed(42 + (tonumber(args[1]) or 0))
end

function request()
  return wrk.format("GET", prefix .. ids[math.random(#ids)], headers)
end
