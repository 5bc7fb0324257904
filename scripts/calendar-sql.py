#!/usr/bin/env python3
"""Writes the working-day exceptions of ../shared/data/holiday-cn/*.json (the State Council's
notices, 2018-2026) as SQL INSERTs for sql/005_calendar.sql. Run once when the data changes;
the output is committed. Days are keyed by their own date: a file is named after the year of
its notice, not of its dates (2019.json also holds 2018-12-29..31)."""
import glob, json, os, sys

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../shared/data/holiday-cn")
days = {}
for path in sorted(glob.glob(os.path.join(src, "*.json"))):
    with open(path, encoding="utf-8") as f:
        for d in json.load(f)["days"]:
            days[d["date"]] = (not d["isOffDay"], d["name"])
years = sorted({int(k[:4]) for k in days})
print("INSERT INTO calendar_years (year) VALUES " + ", ".join(f"({y})" for y in years) + ";")
print("INSERT INTO calendar_exceptions (day, working, name) VALUES")
rows = [f"    ('{k}', {'true' if w else 'false'}, '{n}')" for k, (w, n) in sorted(days.items())]
print(",\n".join(rows) + ";")
