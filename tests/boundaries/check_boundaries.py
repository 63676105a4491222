#!/usr/bin/env python3
"""Checks every #include in the modules of module_boundaries.txt against that table.

A module is a folder; a folder inside another module's folder (store/types inside store) is
a module of its own when the table names it, and its files follow its own row. An include
belongs to the most specific module whose folder it names. Also enforces that a module's
detail/ headers are included only from inside that module.
Usage: check_boundaries.py ROOT [TABLE]   (exit 1 and a list of violations if any)
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
# The most specific module whose folder holds path, or None.
def module_of(path, modules):
    best = None
    for m in modules:
        if path.startswith(m + '/') and (best is None or len(m) > len(best)):
            best = m
    return best


# Which dependency an include line names; None = standard library / system header.
def dependency(path, modules):
    module = module_of(path, modules)
    if module is not None:
        return module
    top = path.split('/', 1)[0]
    if top in ('resp', 'store', 'src', 'tests', 'bench'):
        return top
    if path == 'uv.h' or path.startswith('uv/'):
        return 'uv'
    if path.startswith('jemalloc/'):
        return 'jemalloc'
    if path in ('lua.h', 'lauxlib.h', 'lualib.h', 'luaconf.h'):
        return 'lua'
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
                if module_of(rel, table) != module:
                    continue  # a nested module's file: checked under its own row
                with open(file, errors='replace') as f:
                    for no, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        dep = dependency(m.group(2), table)
                        if dep is not None and dep not in allowed:
                            found.append(f'{rel}:{no}: {module}/ may not include {m.group(2)}')
                        if '/detail/' in m.group(2) and dep != module and not (
                                m.group(2).startswith(os.path.dirname(rel) + '/')):
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
