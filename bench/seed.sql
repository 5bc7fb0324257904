-- A province's worth of history and then some, for the benchmarks (issue 6): 100,000
-- platforms across the 14 cities, 9 yearly province-level rounds (2018–2026), 300,000
-- applications in every state, 30,000 awards, their annual summaries and 1,000,000
-- hash-chained audit events.
-- Reproducible: random() is seeded. Run on a migrated, otherwise empty database:
--   psql "$SHIFAN_DATABASE_URL" -v ON_ERROR_STOP=1 -f bench/seed.sql
-- Other sizes (for the growth table): -v platforms=N -v audit_events=M; applications are
-- three per platform and awards 30 % of the platforms, as above.
\set ON_ERROR_STOP on
\if :{?platforms}
\else
\set platforms 100000
\endif
\if :{?audit_events}
\else
\set audit_events 1000000
\endif
SELECT setseed(0.42);

BEGIN;
INSERT INTO rounds (level, region_code, year, title, opens_on, closes_on, thresholds)
SELECT 'province', '210000', y, y || '年度省级示范平台认定', make_date(y, 1, 5), make_date(y, 12, 31),
       (SELECT thresholds FROM (VALUES ('{"min_years_operating":2,"min_total_assets_cny":1000000,"min_smes_served":80,"min_satisfaction_pct":80,"min_sme_growth_pct":0,"min_partner_institutions":3,"min_public_service_share_pct":15,"min_service_staff":10,"min_qualified_staff_pct":70,"info_min_offline_smes":120,"info_min_activities":5,"tech_min_activities":3,"startup_min_events":5,"training_min_trainee_times":1500,"financing_min_activities":8,"financing_min_raised_cny":500000000,"guarantee_min_new_cny":2000000000}'::jsonb)) t(thresholds))
FROM generate_series(2018, 2026) y
ON CONFLICT DO NOTHING;

-- 100,000 platforms: Chinese names from city, trade and function parts, unique per operator
INSERT INTO platforms (name, region_code, functions, operator_name, credit_code, established_on, address, created_by_org)
SELECT c.name || (ARRAY['中小企业','科技','创新','产业','智造','数字','绿色','工业'])[1 + (g * 7) % 8]
              || (ARRAY['信息','技术','创业','培训','融资'])[1 + g % 5] || '服务平台' || g,
       c.code,
       ARRAY[(ARRAY['information','technology','entrepreneurship','training','financing'])[1 + g % 5]],
       c.name || (ARRAY['华信','东方','北方','辽海','盛京','星海','长城','云帆'])[1 + (g * 3) % 8] || '科技有限公司' || g,
       '91' || substr(c.code, 1, 6) || 'MA' || lpad(g::text, 7, '0') || (ARRAY['0','1','2','3','4','5','6','7','8','9','A','B'])[1 + g % 12],
       date '2005-01-01' + (g % 4000),
       c.name || '某区某路' || (g % 999) || '号',
       (SELECT id FROM organizations o WHERE o.type = 'city' AND o.region_code = c.code)
FROM generate_series(1, :platforms) g
JOIN LATERAL (SELECT code, name FROM regions WHERE level = 'city' ORDER BY code OFFSET (g % 14) LIMIT 1) c ON true;

-- 300,000 applications: each platform in three different rounds, statuses in proportion
INSERT INTO applications (round_id, platform_id, recommender_org_id, status, recommended_at)
SELECT r.id, p.id, p.created_by_org,
       (ARRAY['draft','recommended','approved','publicized','rejected','withdrawn','awarded','rejected','withdrawn','draft'])
         [1 + ((p.id * 7 + k) % 10)],
       now() - ((p.id % 300) || ' days')::interval
FROM platforms p
CROSS JOIN generate_series(0, 2) k
JOIN rounds r ON r.level = 'province' AND r.year = 2018 + ((p.id + k * 3) % 9);

-- 30,000 awards for awarded applications (the earliest ones), numbered per round. Their
-- triggers fill the registry (sql/013); its substring index is built once afterwards, as
-- sql/013 and sql/033 define it, instead of growing row by row.
DROP INDEX registry_grams;
WITH chosen AS (
    SELECT a.id, a.platform_id, a.round_id, r.year,
           row_number() OVER (PARTITION BY a.round_id ORDER BY a.id) AS seq
    FROM applications a JOIN rounds r ON r.id = a.round_id
    WHERE a.status = 'awarded' ORDER BY a.id LIMIT :platforms * 3 / 10)
INSERT INTO awards (application_id, platform_id, round_id, level, certificate_no, certificate_seq, awarded_on,
                    valid_from, valid_until, status, revoked_on, revocation_reason)
SELECT id, platform_id, round_id, 'province', 'LNSME-' || year || '-' || lpad(seq::text, 5, '0'), seq,
       make_date(year, 11, 30), make_date(year, 11, 30), make_date(year + 3, 12, 31),
       CASE WHEN seq % 50 = 0 THEN 'revoked' ELSE 'active' END,
       CASE WHEN seq % 50 = 0 THEN least(make_date(year + 1, 6, 1), current_date) END,
       CASE WHEN seq % 50 = 0 THEN 'violation' END
FROM chosen;
CREATE INDEX registry_grams ON registry USING gin (grams) WITH (fastupdate = on);
-- the titles' annual summaries (Art. 22) of each year they owe one up to last year: 7 in 10
-- by the end of January, 2 in 10 later, 1 in 10 missing
INSERT INTO annual_summaries (award_id, year, summary, received_on)
SELECT w.id, y, '年度工作总结',
       least(CASE WHEN (w.id + y) % 10 < 7 THEN make_date(y + 1, 1, 15) ELSE make_date(y + 1, 3, 1) END, current_date)
FROM awards w
CROSS JOIN generate_series(extract(year FROM w.valid_from)::int,
                           least(extract(year FROM w.valid_until)::int, extract(year FROM current_date)::int - 1)) y
WHERE (w.id + y) % 10 <> 9 AND (w.revoked_on IS NULL OR w.revoked_on > make_date(y, 12, 31));
UPDATE applications SET status = 'publicized' WHERE status = 'awarded' AND id NOT IN (SELECT application_id FROM awards);
UPDATE rounds r SET next_certificate_seq = coalesce((SELECT max(certificate_seq) + 1 FROM awards w WHERE w.round_id = r.id), 1);
-- the platforms' keys left in the substring indexes' pending lists, moved into the indexes
SELECT search_indexes_flush();
COMMIT;

-- 1,000,000 audit events, chained exactly as audit_append() chains them
SELECT set_config('bench.audit_events', :'audit_events', false);
DO $$
DECLARE
    h audit_head%ROWTYPE;
    v_at timestamptz := now() - interval '400 days';
    v_hash bytea;
    v_detail jsonb;
    i bigint;
BEGIN
    SELECT * INTO h FROM audit_head FOR UPDATE;
    FOR i IN 1..current_setting('bench.audit_events')::bigint LOOP
        v_at := v_at + interval '30 seconds';
        v_detail := jsonb_build_object('seed', i);
        v_hash := sha256(h.hash || audit_event_text(h.seq + 1, v_at, NULL, NULL, 'seed.event', 'platform',
                                                    1 + i % 100000, v_detail, NULL));
        INSERT INTO audit_events (seq, at, actor_user_id, actor_org_id, action, entity, entity_id, detail, request_id,
                                  prev_hash, hash)
        VALUES (h.seq + 1, v_at, NULL, NULL, 'seed.event', 'platform', 1 + i % 100000, v_detail, NULL, h.hash, v_hash);
        h.seq := h.seq + 1;
        h.hash := v_hash;
    END LOOP;
    UPDATE audit_head SET seq = h.seq, hash = h.hash;
END
$$;

ANALYZE;
SELECT (SELECT count(*) FROM platforms) AS platforms, (SELECT count(*) FROM applications) AS applications,
       (SELECT count(*) FROM awards) AS awards, (SELECT count(*) FROM audit_events) AS audit_events;
