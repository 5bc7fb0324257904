-- Regions (GB/T 2260) and organisations. The organisation's type is the role of its users'
-- tokens (DESIGN.md §2). One province; one city organisation per city; other bodies are
-- provincial and belong to 210000.

-- Timestamps leave the database as RFC 3339 text in UTC, with microseconds.
CREATE FUNCTION rfc3339(ts timestamptz) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE TABLE regions (
    code  text PRIMARY KEY CHECK (code ~ '^21[0-9]{4}$'),
    name  text NOT NULL UNIQUE,
    level text NOT NULL CHECK (level IN ('province', 'city'))
);

INSERT INTO regions (code, name, level) VALUES
    ('210000', '辽宁省', 'province'),
    ('210100', '沈阳市', 'city'), ('210200', '大连市', 'city'), ('210300', '鞍山市', 'city'),
    ('210400', '抚顺市', 'city'), ('210500', '本溪市', 'city'), ('210600', '丹东市', 'city'),
    ('210700', '锦州市', 'city'), ('210800', '营口市', 'city'), ('210900', '阜新市', 'city'),
    ('211000', '辽阳市', 'city'), ('211100', '盘锦市', 'city'), ('211200', '铁岭市', 'city'),
    ('211300', '朝阳市', 'city'), ('211400', '葫芦岛市', 'city');

CREATE TABLE organizations (
    id          bigserial PRIMARY KEY,
    type        text NOT NULL
                CHECK (type IN ('province', 'city', 'association', 'assessor', 'supervisor')),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    region_code text NOT NULL REFERENCES regions (code),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- a city acts for its own city; every other body for the province as a whole
    CONSTRAINT organizations_region_fits_type
        CHECK ((type = 'city') = (region_code <> '210000'))
);

CREATE UNIQUE INDEX organizations_one_province ON organizations ((true)) WHERE type = 'province';
CREATE UNIQUE INDEX organizations_one_per_city ON organizations (region_code) WHERE type = 'city';
CREATE UNIQUE INDEX organizations_name_unique ON organizations (name);
CREATE INDEX organizations_type_id ON organizations (type, id);

INSERT INTO organizations (type, name, region_code) VALUES
    ('province', '辽宁省工业和信息化委员会', '210000');
INSERT INTO organizations (type, name, region_code)
    SELECT 'city', name || '工业和信息化局', code FROM regions WHERE level = 'city' ORDER BY code;
