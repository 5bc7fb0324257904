#!/usr/bin/env python3
"""Writes a CSV import of N platforms of one city (bench/run's import scenario):
python3 bench/import_rows.py N REGION BATCH > rows.csv. BATCH (0-9) keeps credit codes of
different batches apart, so several imports into one database do not collide."""
import sys

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
FUNCTIONS = ["information", "technology", "entrepreneurship", "training", "financing"]


def credit_code(region, serial):
    """A unified social credit code (GB 32100-2015) with its check character."""
    body = "91" + region + "MA" + "%07d" % serial
    check = 31 - sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS)) % 31
    return body + ALPHABET[0 if check == 31 else check]


def main():
    count, region, batch = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    out = sys.stdout
    out.write("name,region_code,functions,operator_name,credit_code,established_on,address\r\n")
    for i in range(count):
        serial = batch * 1000000 + i
        out.write('导入服务平台%d-%d,%s,%s,"导入运营有限公司%d-%d",%s,2015-03-01,某区某路%d号\r\n' % (
            batch, i, region, FUNCTIONS[i % 5], batch, i, credit_code(region, serial), i % 999))


if __name__ == "__main__":
    main()
