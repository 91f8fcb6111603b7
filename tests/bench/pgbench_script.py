#!/usr/bin/python3
"""Expands a pgbench template of tests/bench/pgbench/ (docs/performance.md): each
@name(arg, ...)@ becomes pnetd's statement `name` (the text server/**/*.sql embed into pnetd,
"-- name: NAME" in docs/developing.md) with $n replaced by the nth argument. An argument
NULL::type becomes nullif(:zero, '0')::type, a parameter whose value is NULL, so that plans
are chosen as for pnetd, which sends NULL as a parameter. Usage: pgbench_script.py ROOT TEMPLATE > SCRIPT."""

import glob
import re
import sys


def statements(root):
    found = {}
    for path in sorted(glob.glob(f"{root}/server/*.sql") + glob.glob(f"{root}/server/*/*.sql")):
        name, lines = None, []
        for line in open(path, encoding="utf-8").read().splitlines() + ["-- name: "]:
            m = re.match(r"-- name: (\S*)", line)
            if m:
                if name:
                    found[name] = " ".join(lines).strip().rstrip(";").strip()
                name, lines = m.group(1) or None, []
            elif name and not (not lines and line.startswith("--")):
                text = re.sub(r"\s*--.*$", "", line).strip()
                if text:
                    lines.append(text)
    return found


def split_args(text):
    args, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    args.append(cur.strip())
    return args


def expand(line, stmts):
    m = re.search(r"@(\w+)\((.*)\)@", line)
    if not m:
        return line
    name, args = m.group(1), split_args(m.group(2))
    if name not in stmts:
        sys.exit(f"pgbench_script: statement {name} not found")
    sql = stmts[name]
    wanted = max(int(n) for n in re.findall(r"\$(\d+)", sql))
    if wanted != len(args):
        sys.exit(f"pgbench_script: {name} takes {wanted} parameters, the template gives "
                 f"{len(args)}")
    args = [re.sub(r"^NULL::", "nullif(:zero, '0')::", a, flags=re.I) for a in args]
    if any(a.upper() == "NULL" for a in args):
        sys.exit(f"pgbench_script: {name}: give each NULL its type (NULL::uuid)")
    sql = re.sub(r"\$(\d+)", lambda p: f"({args[int(p.group(1)) - 1]})", sql)
    return line[:m.start()] + sql + line[m.end():]


def main():
    root, template = sys.argv[1], sys.argv[2]
    stmts = statements(root)
    for line in open(template, encoding="utf-8").read().splitlines():
        if line.startswith("--"):
            continue
        print(expand(line, stmts))


main()
