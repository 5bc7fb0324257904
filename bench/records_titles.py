#!/usr/bin/env python3
"""Writes the two CSV files of the records benchmark (bench/records_titles.sh):
python3 bench/records_titles.py rounds > rounds.csv; python3 bench/records_titles.py titles N > titles.csv.
N recorded province-level titles of 2019-2023 (five rounds), spread over the 14 cities, each of a
platform shifan does not hold yet (created by the import), with valid credit codes."""
import sys

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
CITIES = ["210%d00" % i for i in range(1, 10)] + ["211%d00" % i for i in range(0, 5)]
FUNCTIONS = ["information", "technology", "entrepreneurship", "training", "financing"]


def credit_code(region, serial):
    body = "91" + region + "MC" + "%07d" % serial
    check = 31 - sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS)) % 31
    return body + ALPHABET[0 if check == 31 else check]


def main():
    out = sys.stdout
    if sys.argv[1] == "rounds":
        out.write("year,level,region_code,title,opens_on,closes_on,thresholds,require_prior_recognition,"
                  "validity_years,validity_ends\r\n")
        for year in range(2019, 2024):
            out.write("%d,province,,%d年度省级示范平台认定（基准测试）,,,,,,\r\n" % (year, year))
        return
    n = int(sys.argv[2])
    out.write("platform_name,region_code,functions,operator_name,credit_code,round_id,year,level,certificate_no,"
              "awarded_on,valid_from,valid_until,status,revoked_on,revocation_reason,revocation_detail,"
              "notice_reference\r\n")
    for i in range(n):
        year = 2019 + i % 5
        region = CITIES[i % 14]
        status = "active" if year + 3 >= 2026 else "expired"
        out.write("基准记录平台%d,%s,%s,基准记录运营有限公司%d,%s,,%d,province,BENCH-%d-%05d,%d-12-20,%d-12-20,"
                  "%d-12-31,%s,,,,\r\n" % (i, region, FUNCTIONS[i % 5], i, credit_code(region, i), year, year, i,
                                          year, year, year + 3, status))


if __name__ == "__main__":
    main()
