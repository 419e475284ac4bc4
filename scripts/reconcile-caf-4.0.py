#!/usr/bin/env python3
"""Compare the three transcriptions of NCSC CAF v4.0, outcome by outcome and level by level.

The sources (none of them is the NCSC publication itself, see frameworks/README.md):
  yaml      WebCAF's machine transcription, cyber-assessment-framework-v4.0.yaml
  markdown  WebCAF's Markdown transcription, cyber-assessment-framework-v4.0.md
  ciso      CISO Assistant's extraction of the NCSC PDF: the question texts
            ("[A1.a.NA.1] ...") of backend/library/libraries/ncsc-caf-4.0-igp.yaml in
            intuitem/ciso-assistant-community, or a TSV of `ref<TAB>statement` lines
            taken from it.

It prints every difference: statements one source has and another lacks, wording that
differs, and order. Typographic quotes and whitespace are normalised first; punctuation is
not, so a missing full stop shows. With --facts FILE it also writes the statement counts per
outcome and level of each source, the hermetic facts the reconciliation test reads
(tests/fixtures/reference/caf-4.0-sources.toml).

Usage:
  scripts/reconcile-caf-4.0.py --webcaf ../shared/reference/webcaf --ciso ncsc-caf-4.0-igp.yaml \
      [--facts tests/fixtures/reference/caf-4.0-sources.toml]

Needs Python 3.9+ and PyYAML.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import re
import sys
from pathlib import Path

import yaml

LEVELS = (("not-achieved", "NA"), ("partially-achieved", "PA"), ("achieved", "A"))
CODES = [code for _, code in LEVELS]
REF = re.compile(r"^\[?([A-D]\d\.[a-z])\.(NA|PA|A)\.(\d+)\]?\s*(.*)$", re.DOTALL)
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    return " ".join(text.translate(QUOTES).split())


def read_yaml(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for objective in doc["objectives"].values():
        for principle in objective["principles"].values():
            for oid, outcome in principle["outcomes"].items():
                for key, code in LEVELS:
                    items = (outcome["indicators"].get(key) or {}).values()
                    out[(oid, code)] = [normalise(i["description"]) for i in items]
    return out


def read_markdown(path: Path) -> dict:
    """The IGP tables: a heading `A1.a Title`, then a table whose columns are the levels."""
    out, outcome, columns = {}, None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^#+\s+([A-D]\d\.[a-z])\.?\s", line)
        if heading:
            outcome, columns = heading.group(1), None
            continue
        if outcome is None:
            continue
        if not line.startswith("|"):
            if columns and line.strip():
                outcome = None  # the table has ended
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if columns is None:
            columns = ["NA", "PA", "A"] if len(cells) == 3 else ["NA", "A"]
            for code in CODES:
                out.setdefault((outcome, code), [])
            continue
        if set("".join(cells)) <= set("-: ") or any(
            re.search(r"statements? (is|are) true", c, re.I) for c in cells
        ):
            continue
        for code, cell in zip(columns, cells):
            if cell:
                out[(outcome, code)].append(normalise(cell))
    return out


def read_ciso(path: Path) -> dict:
    texts = []
    if path.suffix in (".yaml", ".yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for node in doc["objects"]["framework"]["requirement_nodes"]:
            texts += [q["text"] for q in (node.get("questions") or {}).values()]
    else:
        texts = [line.replace("\t", " ", 1) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = {}
    for text in texts:
        match = REF.match(text.strip())
        if not match:
            sys.exit(f"{path}: not a statement: {text[:60]!r}")
        outcome, code, n, statement = match.groups()
        items = out.setdefault((outcome, code), [])
        if int(n) != len(items) + 1:
            sys.exit(f"{path}: {outcome}.{code}.{n} is out of order")
        items.append(normalise(statement))
    return out


def outcomes_in_order(*sources: dict) -> list[str]:
    seen = []
    for source in sources:
        for outcome, _ in source:
            if outcome not in seen:
                seen.append(outcome)
    return sorted(seen, key=lambda o: (o[0], int(o[1]), o[3]))


def compare(names: list[str], sources: list[dict]) -> int:
    """Prints the differences of each source from the first; returns how many."""
    differences = 0
    base_name, base = names[0], sources[0]
    for outcome in outcomes_in_order(*sources):
        for code in CODES:
            ours = base.get((outcome, code), [])
            for name, source in zip(names[1:], sources[1:]):
                theirs = source.get((outcome, code), [])
                if ours == theirs:
                    continue
                where = f"{outcome} {code}"
                if len(ours) != len(theirs):
                    print(f"{where}: {base_name} has {len(ours)}, {name} has {len(theirs)}")
                matcher = difflib.SequenceMatcher(a=ours, b=theirs, autojunk=False)
                for op, a0, a1, b0, b1 in matcher.get_opcodes():
                    if op == "equal":
                        continue
                    differences += 1
                    for i in range(a0, a1):
                        print(f"  {base_name} {outcome}.{code}.{i + 1}: {ours[i]}")
                    for j in range(b0, b1):
                        print(f"  {name:>{len(base_name)}} {outcome}.{code}.{j + 1}: {theirs[j]}")
                # The same statements in another order.
                if sorted(ours) == sorted(theirs) and ours != theirs:
                    print(f"  {where}: same statements, different order")
    return differences


def counts(source: dict, outcome: str) -> str:
    keys = [key for key, _ in LEVELS]
    values = [len(source.get((outcome, code), [])) for code in CODES]
    return "{ " + ", ".join(f"{k} = {v}" for k, v in zip(keys, values)) + " }"


def write_facts(path: Path, names: list[str], sources: list[dict], files: list[Path]) -> None:
    lines = [
        "# Statement counts per outcome and level in the three transcriptions of NCSC CAF v4.0,",
        "# written by scripts/reconcile-caf-4.0.py from these files (SHA-256):",
    ]
    for name, file in zip(names, files):
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        note = "" if file.suffix in (".yaml", ".yml", ".md") else " (ref<TAB>statement lines from ncsc-caf-4.0-igp.yaml)"
        lines.append(f"#   {name}: {file.name}{note} {digest}")
    lines += [
        "# The reconciliation test (tests/integration/reconcile.rs) checks that every count",
        "# that differs from caf-4.0.toml is explained by a decision in frameworks/README.md.",
        "",
    ]
    for outcome in outcomes_in_order(*sources):
        lines.append("[[outcomes]]")
        lines.append(f'id = "{outcome}"')
        for name, source in zip(names, sources):
            lines.append(f"{name} = {counts(source, outcome)}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webcaf", type=Path, default=Path("../shared/reference/webcaf"))
    parser.add_argument("--ciso", type=Path, required=True)
    parser.add_argument("--facts", type=Path)
    args = parser.parse_args()
    files = [
        args.webcaf / "cyber-assessment-framework-v4.0.yaml",
        args.webcaf / "cyber-assessment-framework-v4.0.md",
        args.ciso,
    ]
    names = ["yaml", "markdown", "ciso"]
    sources = [read_yaml(files[0]), read_markdown(files[1]), read_ciso(files[2])]
    for name, source in zip(names, sources):
        per_level = {code: sum(len(v) for (_, c), v in source.items() if c == code) for code in CODES}
        print(f"{name:>8}: {sum(per_level.values())} statements, " + ", ".join(f"{c} {n}" for c, n in per_level.items()))
    print("\nDifferences from the markdown (each source against it):")
    found = compare(["markdown", "yaml", "ciso"], [sources[1], sources[0], sources[2]])
    print(f"\n{found} differing runs of statements")
    if args.facts:
        write_facts(args.facts, names, sources, files)
        print(f"wrote {args.facts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
