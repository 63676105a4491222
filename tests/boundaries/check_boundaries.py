#!/usr/bin/env python3
"""Checks every #include in resp/, store/ and src/ against module_boundaries.txt.

Also enforces that a module's detail/ headers are included only from inside that module.
Usage: check_boundaries.py ROOT [TABLE]   (exit 1 and a list of violations if any)
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
# Which dependency an include line names; None = standard library / system header.
def dependency(path):
    top = path.split('/', 1)[0]
    if top in ('resp', 'store', 'src', 'tests', 'bench'):
        return top
    if path == 'uv.h' or path.startswith('uv/'):
        return 'uv'
    if path.startswith('jemalloc/'):
        return 'jemalloc'
    return None


def load_table(path):
    table = {}
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].split()
            if line:
                table[line[0]] = set(line[1:])
    return table


def violations(root, table):
    found = []
    for module, allowed in sorted(table.items()):
        base = os.path.join(root, module)
        for dirpath, _, files in os.walk(base):
            for name in sorted(files):
                if not name.endswith(('.h', '.cc')):
                    continue
                file = os.path.join(dirpath, name)
                rel = os.path.relpath(file, root)
                with open(file, errors='replace') as f:
                    for no, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        dep = dependency(m.group(2))
                        if dep is not None and dep not in allowed:
                            found.append(f'{rel}:{no}: {module}/ may not include {m.group(2)}')
                        if '/detail/' in m.group(2) and dep != module:
                            found.append(f'{rel}:{no}: {m.group(2)} is internal to {dep}/')
    return found


def main():
    root = sys.argv[1]
    table_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'module_boundaries.txt')
    table = load_table(table_path)
    missing = [m for m in table if not os.path.isdir(os.path.join(root, m))]
    if missing:
        print('missing module directories:', ', '.join(missing))
        return 1
    found = violations(root, table)
    for v in found:
        print(v)
    if found:
        return 1
    print('module boundaries hold:', ', '.join(sorted(table)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
