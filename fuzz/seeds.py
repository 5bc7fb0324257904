#!/usr/bin/env python3
"""Writes the hand-made seed inputs of fuzz/corpus/<harness>/ (run from fuzz/). The corpus is
checked in; this script says how each seed was made. The first byte of most seeds picks the
harness's mode (see the comment at the top of each fuzz_*.c)."""
import base64, hashlib, hmac, os

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

def credit_code(first17):
    """GB 32100-2015: the check character appended to 17 characters."""
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + ALPHABET[(31 - total % 31) % 31]

CODE1 = credit_code("91210100MA0P4Q5R6")
CODE2 = credit_code("91210200MA0P4Q5R7")

def w(h, name, data):
    os.makedirs(f"corpus/{h}", exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    open(f"corpus/{h}/{name}", "wb").write(data)

# ---- json_body: first byte = index among the POST/PUT/PATCH routes of api/routes.c (no uploads)
REPORT = ('{"basic":{"established_on":"2015-03-01","total_assets_cny":3000000,"smes_served_last_year":150,'
          '"smes_served_prev_year":120,"satisfaction_pct":92,"has_fixed_premises":true,"partner_institutions":5,'
          '"prior_recognitions":[{"level":"city","issuer":"沈阳市工业和信息化局","year":2020}],'
          '"has_management_rules":true,"has_development_plan":true,"public_service_share_pct":20,'
          '"service_staff":25,"qualified_staff":20},'
          '"functions":{"training":{"has_qualification":true,"online_and_offline":true,'
          '"has_evaluation_mechanism":true,"trainee_times_per_year":2000}},'
          '"innovation":"线上线下结合的培训服务模式"}')
PLATFORM = ('{"name":"沈阳中小企业服务平台","region_code":"210100","functions":["training","financing"],'
            '"operator":{"name":"沈阳服务运营有限公司","credit_code":"' + CODE1 + '","established_on":"2015-03-01",'
            '"address":"沈阳市和平区"}}')
bodies = {
    0: '{"username":"admin","password":"a-long-user-password"}',
    2: '{"name":"导入脚本","scopes":["read","imports"],"expires_in_days":30}',
    3: '{"type":"city","name":"沈阳市工业和信息化局","region_code":"210100"}',
    4: '{"username":"shenyang","password":"a-long-user-password","org_id":2,"display_name":"测试用户"}',
    5: ('{"year":2026,"level":"province","title":"2026年度省级示范平台认定","opens_on":"2026-01-05",'
        '"closes_on":"2026-12-31","relaxed_regions":["210900"],"relaxation_factor":0.8,"quota_per_recommender":4,'
        '"thresholds":{"min_satisfaction_pct":80,"min_service_staff":10}}'),
    6: PLATFORM,
    7: '{"name":"新名称","functions":["training"],"operator":{"address":"大连市"}}',
    8: '{"round_id":1,"platform_id":2}',
    9: REPORT,
    10: '{"operation_score":90,"performance_score":88,"satisfaction_score":92,"opinion":"同意推荐"}',
    13: '{"decision":"approve","comment":"符合条件"}',
    15: '{"holidays":["2027-01-01"],"working_days":["2027-02-06"]}',
    16: '{"title":"2026年示范平台公示","start_date":"2026-09-28","application_ids":[1,2]}',
    17: '{"upheld":true,"resolution":"经核实数据不实"}',
    18: '{"application_id":1,"name":"张三","contact":"13800000000","reason":"数据不实"}',
    19: '{"reason":"violation","detail":"违规收费"}',
    20: '{"award_id":1,"assessor_org_id":3,"due_on":"2026-12-31"}',
    21: '{"score":52.5,"passed":false,"summary":"服务记录不实"}',
    22: '{"reason":"复核后整改到位"}',
    23: '{"award_id":1,"year":2026,"summary":"2026年度工作总结"}',
    24: ('{"award_id":1,"inspected_on":"2026-11-20","service_quality":"良好","fees":"符合规定",'
         '"satisfaction":"95%","findings":"无","outcome":"satisfactory"}'),
    25: '{"year":2026,"summary_report":"汇总报告","inspection_report":"检查情况报告"}',
}
bodies[26] = '{"name":"新名称","functions":["training"],"operator":{"address":"大连市","credit_code":"' + CODE1 + '"}}'
for i, b in bodies.items():
    w("json_body", f"route{i:02d}-valid.json", bytes([i]) + b.encode())
edges = [b'{}', b'[]', b'{"a":1,"a":2}', b'{"name":"x"} trailing', b'"scalar"', b'{"name":"\\u0000"}',
         b'[' * 64 + b']' * 64, b'{"year":99999999999999999999}', b'{"year":1e400}', b'\xef\xbb\xbf{}',
         b'{"name":"\\udcff"}', b'{"functions":[null,1,"x"]}', b'{"type":"city","name":"\xff\xfe","region_code":"210100"}']
for k, e in enumerate(edges):
    w("json_body", f"edge{k:02d}.json", bytes([(k * 7) % 27]) + e)

# ---- token: 0 raw text, 1 "header\npayload" signed with the harness's key, 2 issue+verify
key = b"shifan-fuzz-key: 48 fixed bytes, never deployed!"
assert len(key) == 48
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=")
def sign(h, p):
    t = b64(h.encode()) + b"." + b64(p.encode())
    return t + b"." + b64(hmac.new(key, t, hashlib.sha256).digest())
P = ('{"iss":"shifan","aud":"shifan-api","sub":"7","org":3,"role":"city","region":"210100",'
     '"iat":1799999000,"exp":1800003600,"jti":"0b4f4a2e-8c1d-4e6f-9a3b-2c5d7e9f1a3b"}')
w("token", "raw-valid.txt", b"\x00" + sign('{"alg":"HS256","typ":"JWT"}', P))
w("token", "raw-none.txt", b"\x00" + b64(b'{"alg":"none"}') + b"." + b64(P.encode()) + b".")
w("token", "raw-garbage.txt", b"\x00a.b.c")
w("token", "raw-four-parts.txt", b"\x00" + sign('{"alg":"HS256"}', P) + b".x")
w("token", "signed-valid.txt", b'\x01{"alg":"HS256","typ":"JWT"}\n' + P.encode())
w("token", "signed-lowercase-alg.txt", b'\x01{"alg":"hs256"}\n' + P.encode())
w("token", "signed-dup-alg.txt", b'\x01{"alg":"none","alg":"HS256"}\n' + P.encode())
w("token", "signed-string-iat.txt", b'\x01{"alg":"HS256"}\n' + P.replace('"iat":1799999000', '"iat":"0"').encode())
w("token", "signed-expired.txt", b'\x01{"alg":"HS256"}\n' + P.replace('1800003600', '1700000000').encode())
w("token", "signed-jku.txt", b'\x01{"alg":"HS256","jku":"http://127.0.0.1/k"}\n' + P.encode())
w("token", "signed-bad-sub.txt", b'\x01{"alg":"HS256"}\n' + P.replace('"sub":"7"', '"sub":"007"').encode())
w("token", "roundtrip.bin", b"\x02" + bytes(range(1, 11)))

# ---- csv_import: first byte &3 type (0 text/csv, 1 charset=utf-8, 2 charset=GB18030, 3 JSON),
# 4 dry run, 8 a city caller, 16 differential UTF-8 vs GB18030 (with type 1)
HEADER = "name,region_code,functions,operator_name,credit_code,established_on,address"
rows = [HEADER,
        '沈阳中小企业服务平台,210100,training;financing,沈阳服务运营有限公司,' + CODE1 + ',2015-03-01,沈阳市和平区',
        '"大连平台, 有逗号",210200,training,"大连""运营""公司",' + CODE2 + ',,',
        'short,row']
csv = "\r\n".join(rows) + "\r\n"
w("csv_import", "utf8.csv", bytes([1 | 4 | 16]) + csv.encode())
w("csv_import", "utf8-bom.csv", bytes([0 | 4]) + b"\xef\xbb\xbf" + csv.encode())
w("csv_import", "gb18030-declared.csv", bytes([2 | 4]) + csv.encode("gb18030"))
w("csv_import", "gb18030-detected.csv", bytes([0 | 4 | 8]) + csv.encode("gb18030"))
w("csv_import", "gb18030-4byte.csv",
  bytes([2 | 4]) + (HEADER + "\n𠀀平台,210100,training,公司," + CODE1 + ",,\n").encode("gb18030"))
w("csv_import", "unclosed-quote.csv", bytes([1 | 4]) + (HEADER + '\n"never closes,210100\n').encode())
w("csv_import", "header-only.csv", bytes([1 | 4]) + HEADER.encode())
w("csv_import", "empty.csv", bytes([1 | 4]))
w("csv_import", "neither-utf8-nor-gb.csv", bytes([1 | 4]) + b"\x80\x80\xff\xfe")
w("csv_import", "nul.csv", bytes([1 | 4]) + HEADER.encode() + b"\n\x00")
w("csv_import", "wrong-header.csv", bytes([1 | 4]) + b"a,b,c\n1,2,3\n")
w("csv_import", "json-array.json", bytes([3 | 4]) + ("[" + PLATFORM + "," + PLATFORM + "]").encode())
w("csv_import", "json-not-array.json", bytes([3 | 4]) + PLATFORM.encode())
w("csv_import", "json-nested.json", bytes([3 | 4]) + b'[[1,2],{"a":[3]},"x,y",null]')
w("csv_import", "not-dry-run.csv", bytes([1]) + csv.encode())

# ---- sniff: "file name \0 file bytes"
for name, data in [("pdf", b"report.pdf\x00%PDF-1.4\n%%EOF\n"), ("jpeg", b"photo.jpg\x00\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
                   ("png", b"scan.png\x00\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
                   ("docx", "报告.DOCX".encode() + b"\x00PK\x03\x04\x14\x00\x06\x00"),
                   ("xlsx", b"data.xlsx\x00PK\x03\x04\x14\x00"), ("ofd", b"license.ofd\x00PK\x03\x04"),
                   ("zip-unknown", b"archive.zip\x00PK\x03\x04"), ("short-png", b"a.png\x00\x89PNG"),
                   ("no-name", b"%PDF"), ("path", b"../etc/passwd\x00%PDF-"), ("dotdot", b"..\x00%PDF-"),
                   ("quote", b'a"b.pdf\x00%PDF-'), ("bad-utf8", b"\xc3(.pdf\x00%PDF-")]:
    w("sniff", name, data)

# ---- page_token: 0 "page_token\nlimit\norder", 1 an id (8 bytes, little-endian) to round-trip
def ptok(s): return b64(s.encode())
w("page_token", "valid", b"\x00" + ptok("k2:811c9dc5:42") + b"\n20\nasc")
w("page_token", "desc", b"\x00" + ptok("k2:811c9dc5:1") + b"\n100\ndesc")
w("page_token", "max-id", b"\x00" + ptok("k2:811c9dc5:4611686018427387903") + b"\n1\n")
w("page_token", "over-max", b"\x00" + ptok("k2:811c9dc5:4611686018427387904"))
w("page_token", "negative", b"\x00" + ptok("k2:811c9dc5:-5") + b"\n0\nsideways")
w("page_token", "padded", b"\x00" + base64.urlsafe_b64encode(b"k2:811c9dc5:42") + b"\n101")
w("page_token", "other-prefix", b"\x00" + ptok("k1:42"))
w("page_token", "roundtrip-small", b"\x01" + (42).to_bytes(8, "little"))

# ---- credit_code: the text itself
for name, code in [("valid", CODE1), ("valid2", "911100007109255774"),
                   ("lower", "91210100ma0p4q5r6x"), ("letter-in-division", "9121A100MA0P4Q5R6X"),
                   ("seventeen", "91210100MA0P4Q5R6"), ("nineteen", "91210100MA0P4Q5R6XX"),
                   ("forbidden-letters", "91210100IOZSV00000"), ("empty", "")]:
    w("credit_code", name, code)

# ---- multipart: "Content-Type \n body"
CTW = b"multipart/form-data; boundary=----WebKitFormBoundaryA1\n"
w("multipart", "valid", CTW + b"------WebKitFormBoundaryA1\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n"
  b"audit_report\r\n------WebKitFormBoundaryA1\r\nContent-Disposition: form-data; name=\"file\"; "
  b"filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--\r\n"
  b"------WebKitFormBoundaryA1--\r\n")
w("multipart", "one-char-boundary", b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nab\r\n--x--")
w("multipart", "quoted-boundary", b"multipart/form-data; boundary=\"a b\"\n--a b\r\n"
  b"Content-Disposition: form-data; name=\"file\"\r\n\r\n\r\n--a b--")
w("multipart", "two-files", b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n1\r\n"
  b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n2\r\n--x--")
w("multipart", "unclosed", b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n%PDF")
w("multipart", "no-boundary", b"multipart/form-data\n--x\r\n")

# ---- regression cases: inputs that found a flaw, kept after the fix
# an empty import body: Ulfius leaves binary_body NULL, and memchr(NULL, 0, 0) is undefined
w("csv_import", "regression-empty-body-null", bytes([1 | 4]))
w("csv_import", "regression-empty-body-json", bytes([3 | 4]))
# ids of 19 digits: the server issued page tokens for them that it then refused as not its own
w("page_token", "regression-19-digit-id", b"\x01" + (3252774502316133195).to_bytes(8, "little"))
w("page_token", "regression-19-digit-token", b"\x00" + ptok("k2:811c9dc5:1000000000000000000") + b"\n20\nasc")
# a row repeating an earlier one: reported with json_pack given a key and no value (a stray
# pointer read; the sanitizer build crashed in strlen), in both forms of the import
w("csv_import", "regression-repeated-row.json", bytes([3 | 4]) + ("[" + PLATFORM + "," + PLATFORM + "]").encode())
w("csv_import", "regression-repeated-row.csv", bytes([1 | 4 | 16]) + "\n".join([HEADER, rows[1], rows[1]]).encode())
