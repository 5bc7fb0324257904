-- wrk script: GET /v1/public/platforms/<id> with ids drawn (seeded) from the file named by
-- BENCH_IDS, one id per line: the platforms of the registry, so every answer is a 200.
local ids = {}

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    ids[#ids + 1] = line
  end
  math.randomseed(42 + (tonumber(args[1]) or 0))
end

function request()
  return wrk.format("GET", "/v1/public/platforms/" .. ids[math.random(#ids)])
end
