-- wrk script: the write mix of issue 6, as the cities do it. Run with as many threads as
-- connections (wrk -tN -cN): each thread then drives one connection through the path of one
-- application after another — create it for a platform of its city (POST /v1/applications),
-- fill the report (Annex 2) and the recommendation form (Annex 1), upload the seven required
-- materials, recommend it. Eleven requests per application, each a transaction with its
-- chained audit event. BENCH_WRITERS names a file with one line per city: a bearer token,
-- then the ids of that city's platforms with no application in round BENCH_ROUND.
-- Prints how many applications were recommended and every unexpected answer's status.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local REPORT = '{"basic":{"established_on":"2015-03-01","total_assets_cny":3000000,"smes_served_last_year":150,' ..
  '"smes_served_prev_year":120,"satisfaction_pct":92,"has_fixed_premises":true,"partner_institutions":5,' ..
  '"prior_recognitions":[{"level":"city","issuer":"市工业和信息化局","year":2020}],' ..
  '"has_management_rules":true,"has_development_plan":true,"public_service_share_pct":20,' ..
  '"service_staff":25,"qualified_staff":20},' ..
  '"functions":{"training":{"has_qualification":true,"online_and_offline":true,' ..
  '"has_evaluation_mechanism":true,"trainee_times_per_year":2000}},"innovation":"线上线下结合的培训服务模式"}'
local FORM = '{"operation_score":90,"performance_score":88,"satisfaction_score":92,"opinion":"同意推荐"}'
local KINDS = {"application_report", "business_license", "audit_report", "premises_proof",
               "service_evidence", "prior_recognition", "authenticity_declaration"}
local PDF = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

local token, platforms, pos, stride = nil, {}, 1, 1
local step, app, expected = 1, nil, 201
recommended, unexpected, last_bad = 0, 0, ""

function init(args)
  local writers = {}
  for line in io.lines(os.getenv("BENCH_WRITERS")) do
    writers[#writers + 1] = line
  end
  -- BENCH_WRITER_THREADS threads in all, over BENCH_INSTANCES wrk processes (one per shifan
  -- process); threads that share a city take every k-th of its platforms, so none takes one twice
  local total = tonumber(os.getenv("BENCH_WRITER_THREADS"))
  local me = index + tonumber(os.getenv("BENCH_INSTANCE") or "0") * math.floor(total / tonumber(os.getenv("BENCH_INSTANCES") or "1"))
  local city = me % #writers
  local mine = {}
  for field in writers[city + 1]:gmatch("%S+") do mine[#mine + 1] = field end
  token = table.remove(mine, 1)
  stride = math.ceil(total / #writers)
  for i = 1 + math.floor(me / #writers), #mine, stride do platforms[#platforms + 1] = mine[i] end
end

local function headers(content_type)
  return {["Authorization"] = "Bearer " .. token, ["Content-Type"] = content_type}
end

function request()
  if step == 1 then
    if pos > #platforms then
      return wrk.format("GET", "/healthz")   -- out of platforms: idle on the cheapest path
    end
    expected = 201
    return wrk.format("POST", "/v1/applications", headers("application/json"),
      '{"round_id":' .. os.getenv("BENCH_ROUND") .. ',"platform_id":' .. platforms[pos] .. '}')
  elseif step == 2 then
    expected = 200
    return wrk.format("PUT", "/v1/applications/" .. app .. "/report", headers("application/json"), REPORT)
  elseif step == 3 then
    expected = 200
    return wrk.format("PUT", "/v1/applications/" .. app .. "/recommendation", headers("application/json"), FORM)
  elseif step <= 3 + #KINDS then
    local kind = KINDS[step - 3]
    expected = 201
    return wrk.format("POST", "/v1/applications/" .. app .. "/materials?kind=" .. kind .. "&filename=" .. kind .. ".pdf",
      headers("application/pdf"), PDF)
  else
    expected = 200
    return wrk.format("POST", "/v1/applications/" .. app .. "/recommend", {["Authorization"] = "Bearer " .. token})
  end
end

function response(status, hdrs, body)
  if step == 1 and pos > #platforms then
    return
  end
  if status ~= expected then
    unexpected = unexpected + 1
    last_bad = status .. " " .. body:sub(1, 300)
    step, pos = 1, pos + 1
    return
  end
  if step == 1 then
    app = body:match('"id":%s*(%d+)')
  end
  if step == 4 + #KINDS then
    recommended = recommended + 1
    step, pos = 1, pos + 1
  else
    step = step + 1
  end
end

function done(summary, latency, requests)
  local total, bad, last = 0, 0, ""
  for _, t in ipairs(threads) do
    total = total + t:get("recommended")
    bad = bad + t:get("unexpected")
    if t:get("last_bad") ~= "" then last = t:get("last_bad") end
  end
  io.write(string.format("write-mix: %d applications recommended, %d unexpected answers\n", total, bad))
  if last ~= "" then io.write("write-mix: last unexpected answer: " .. last .. "\n") end
end
