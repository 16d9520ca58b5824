"""Pipfile.lock -> a requirements file of exactly its `default` packages, with their hashes, for `uv pip install
--require-hashes --no-deps`: what `pipenv install --deploy` installs, without pipenv.

    python3 pipfile_lock.py BUILD_DIR OUT

Exit 2 with one line on stderr when the lock is stale (its `_meta.hash` is not the Pipfile's, computed as pipenv
computes it) or holds an entry this cannot install exactly (a path or a VCS checkout without a pinned ref).
"""

import hashlib
import json
import sys
import tomllib


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(2)


def pipfile_hash(pipfile):
    """pipenv's (plette's) Pipfile hash: sha256 of the sorted, compact JSON of its sources, requires and packages."""
    sources = pipfile.get("source") or [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}]
    data = {
        "_meta": {"sources": sources, "requires": pipfile.get("requires", {})},
        "default": pipfile.get("packages", {}),
        "develop": pipfile.get("dev-packages", {}),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def main():
    build_dir, out = sys.argv[1], sys.argv[2]
    with open(f"{build_dir}/Pipfile.lock", encoding="utf-8") as file:
        lock = json.load(file)
    try:
        with open(f"{build_dir}/Pipfile", "rb") as file:
            pipfile = tomllib.load(file)
    except FileNotFoundError:
        pipfile = None
    locked = lock.get("_meta", {}).get("hash", {}).get("sha256")
    if pipfile is not None and locked and locked != pipfile_hash(pipfile):
        fail("Pipfile.lock is out of date: the Pipfile changed after it was locked; run `pipenv lock` and commit it")
    lines, hashed = [], True
    for name, entry in sorted(lock.get("default", {}).items()):
        markers = f" ; {entry['markers']}" if entry.get("markers") else ""
        if "version" in entry:
            line = f"{name}{entry['version']}{markers}"
        elif "git" in entry and entry.get("ref"):
            line = f"{name} @ git+{entry['git']}@{entry['ref']}{markers}"
        else:
            fail(f"Pipfile.lock's {name} is not a pinned version (a path or an unpinned VCS checkout)")
        if entry.get("hashes"):
            line += "".join(f" --hash={h}" for h in entry["hashes"])
        else:
            hashed = False
        lines.append(line)
    with open(out, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    print("hashed" if hashed and lines else "unhashed")


main()
