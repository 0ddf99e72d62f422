#!/usr/bin/env python3
"""Writes a synthetic catalogue for the scale benchmark: N roadmaps made from a real one.

usage: synthetic.py SOURCE.json N OUT.json

Every roadmap is a fixture, not content: slugs are `synthetic-scale-NNNNN`, titles
"Synthetic scale fixture ...". Each keeps the source's prose, phases and projects (so detail
pages weigh what real ones do) and varies its title, difficulty and timeline; certifications
and sources are left out, since they are shared entities of the real roadmap.
"""
import json
import sys

source, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = json.load(open(source, encoding="utf-8"))
documents = []
for i in range(count):
    doc = json.loads(json.dumps(base))
    doc["slug"] = f"synthetic-scale-{i:05d}"
    doc["title"] = f"Synthetic scale fixture {(i * 7919) % count:05d}"
    doc["difficulty"] = ["low", "medium", "high", "very_high"][i % 4]
    doc["timeline_months"] = {"min": 1, "max": 1 + i % 36}
    doc["certifications"]["items"] = []
    doc["sources"]["items"] = []
    documents.append(doc)
json.dump(documents, open(out, "w", encoding="utf-8"), ensure_ascii=False)
