#!/usr/bin/env python3
"""Writes a population of assessment files shaped like real ones, for benchmarking the reader.

Unlike the plain files `caf init` writes, these carry what hand-kept answers carry: comments
with escaped quotes, some multi-line (basic and literal), evidence as inline tables, suppliers
on A4.a, an override on one outcome in twenty, statements in no particular order, notes in TOML
comments, one file in ten with Windows line endings. Deterministic for a seed.

Usage: bench/realshape.py OUT_DIR [COUNT=20000] [SEED=1]
"""
import os
import random
import sys
import tomllib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SECTORS = ["local-government", "health", "education", "central-government", "emergency-services"]
REGIONS = ["North East", "North West", "London", "South East", "South West", "Wales", "Scotland"]
SUPPLIERS = ["Civica UK Ltd", "Microsoft Limited", "Capita plc", "CGI IT UK Ltd", "Shared ICT Service",
             "Amazon Web Services EMEA SARL", "Google Cloud UK", "Sopra Steria Ltd", "NEC Software Solutions"]
PHRASES = ["quarterly review by the board", r'the \"cyber champion\" reports monthly',
           "policy owner: Head of Digital", "tested in the 2026 exercise", "see the risk register",
           "C:\\\\shares\\\\security\\\\policy.docx is the master copy", "agreed with the SIRO",
           "caf \\u00e9valuation carried forward", r'actions tracked in the \"improvement plan\"']


def framework(name):
    with open(os.path.join(ROOT, "frameworks", name), "rb") as f:
        return tomllib.load(f)


def basic(text):
    return '"' + text + '"'


def comment(rng):
    kind = rng.random()
    words = "; ".join(rng.sample(PHRASES, 3))
    if kind < 0.15:
        return '"""\n' + words + "\nSecond line of the note, with a tab\\t and more.\n" + rng.choice(PHRASES) + '"""'
    if kind < 0.25:
        return "'''\nLiteral note: " + words.replace("\\", "").replace('"', "") + "\n'''"
    return basic(words)


def answer(rng, outcome, plan):
    refs = [i["ref"] for i in outcome["indicators"]]
    by_level = {}
    for i in outcome["indicators"]:
        by_level.setdefault(i["level"], []).append(i["ref"])
    if plan < 0.5:
        chosen = list(by_level.get("achieved", []))
    elif plan < 0.8:
        chosen = list(by_level.get("partially-achieved", [])) or rng.sample(refs, 1)
    else:
        chosen = rng.sample(refs, rng.randint(1, len(refs)))
    # High variety: drop or add a statement at random.
    if chosen and rng.random() < 0.4:
        chosen.remove(rng.choice(chosen))
    if rng.random() < 0.3:
        extra = rng.choice(refs)
        if extra not in chosen:
            chosen.append(extra)
    rng.shuffle(chosen)
    lines = []
    if rng.random() < 0.2:
        lines.append("# reviewed at the " + rng.choice(["March", "June", "October"]) + " meeting")
    if len(chosen) > 5 and rng.random() < 0.5:
        lines.append("selected = [\n" + "".join(f'  "{r}",  # statement\n' for r in chosen) + "]")
    else:
        lines.append("selected = [" + ", ".join(basic(r) for r in chosen) + "]")
    if rng.random() < 0.6:
        lines.append("comment = " + comment(rng))
    if rng.random() < 0.3:
        ev = [f'{{ title = "Evidence {k} for {outcome["id"]}", location = "https://intranet.example/ev/{rng.randint(1, 9999)}" }}'
              for k in range(rng.randint(1, 3))]
        lines.append("evidence = [" + ", ".join(ev) + "]")
    if outcome["id"] == "A4.a":
        lines.append("suppliers = [" + ", ".join(basic(s) for s in rng.sample(SUPPLIERS, rng.randint(1, 4))) + "]")
    if rng.random() < 0.05:
        status = rng.choice(["achieved", "partially-achieved", "not-achieved"])
        lines.append(f'override = {{ status = "{status}", justification = "Compensating control: \\"{rng.choice(PHRASES)}\\"" }}')
    return lines


def assessment(rng, fw, index, period):
    org = f"ORG{index:06d}"
    out = [f"# Self-assessment of {org}, kept in git", f'framework = "{fw["id"]}"']
    if rng.random() < 0.8:
        out.append('profile = "' + rng.choice(["baseline", "enhanced"]) + '"')
    out.append(f'period = "{period}"')
    out.append("")
    out.append("[organisation]")
    out.append(f'name = "Organisation {index} \\"{rng.choice(REGIONS)}\\""')
    out.append(f'id = "{org}"')
    out.append(f'sector = "{rng.choice(SECTORS)}"')
    out.append(f'region = "{rng.choice(REGIONS)}"')
    out.append("")
    out.append("[scope]")
    out.append('system = "Corporate network and line-of-business systems"')
    out.append("date = 2026-10-%02d" % rng.randint(1, 28))
    outcomes = list(fw["outcomes"])
    if rng.random() < 0.3:
        rng.shuffle(outcomes)
    plan = rng.random()
    for outcome in outcomes:
        if rng.random() < 0.05:
            continue
        out.append("")
        out.append(f'[outcomes."{outcome["id"]}"]')
        out.extend(answer(rng, outcome, (plan + rng.random()) / 2))
    text = "\n".join(out) + "\n"
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
    return text


def main():
    out_dir = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    frameworks = [framework("caf-3.2.toml"), framework("caf-4.0.toml")]
    os.makedirs(out_dir, exist_ok=True)
    for index in range(count):
        fw = frameworks[0] if rng.random() < 0.7 else frameworks[1]
        period = rng.choice(["2025/26", "2026/27"])
        with open(os.path.join(out_dir, f"a{index:06d}.toml"), "w", newline="") as f:
            f.write(assessment(rng, fw, index, period))


if __name__ == "__main__":
    main()
