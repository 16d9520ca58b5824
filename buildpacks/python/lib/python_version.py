"""The Python an app asks for, and whether an interpreter satisfies it: the one place the python buildpack decides.

    python3 python_version.py request BUILD_DIR
        prints REQUEST, SOURCE and KIND separated by the unit separator (\\x1f: a field may be empty), KIND
        being `exact` (3.12.4), `minor` (3.12), `range` (a requires-python specifier) or `default` (nothing
        asked: the host's python3). Exit 2 with one line on
        stderr when a file holds something that is not a version.
    python3 python_version.py satisfies REQUEST KIND VERSION
        exit 0 when the interpreter version VERSION (3.11.2) satisfies the request.

Precedence, as Heroku's Python buildpack: `.python-version` (its first line that is not a comment), then
`runtime.txt` (`python-3.12.4`), then Pipfile.lock's `python_full_version` or `python_version`, then
`requires-python` of `pyproject.toml`'s [project]. Nothing here runs text
from the app: files are parsed, never evaluated.
"""

import json
import re
import sys
import tomllib

VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?$")


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(2)


def classify(text, source):
    match = VERSION.match(text)
    if not match:
        fail(f"{source} asks for Python '{text}', which is not a version: write 3.13 or 3.13.1")
    return "exact" if match.group(3) is not None else "minor"


def request(build_dir):
    try:
        with open(f"{build_dir}/.python-version", encoding="utf-8") as file:
            lines = [line.strip() for line in file]
        wanted = [line for line in lines if line and not line.startswith("#")]
        if not wanted:
            fail(".python-version names no version: write one such as 3.13 on its first line")
        return wanted[0], ".python-version", classify(wanted[0], ".python-version")
    except FileNotFoundError:
        pass
    try:
        with open(f"{build_dir}/runtime.txt", encoding="utf-8") as file:
            text = file.read().strip()
        version = text.removeprefix("python-")
        if version == text:
            fail(f"runtime.txt says '{text}': write python-3.13 (or, better, 3.13 in .python-version)")
        return version, "runtime.txt", classify(version, "runtime.txt")
    except FileNotFoundError:
        pass
    try:
        with open(f"{build_dir}/Pipfile.lock", encoding="utf-8") as file:
            requires = json.load(file).get("_meta", {}).get("requires", {})
        for key in ("python_full_version", "python_version"):
            if isinstance(requires.get(key), str):
                source = f"Pipfile.lock's {key}"
                return requires[key], source, classify(requires[key], source)
    except FileNotFoundError:
        pass
    except (ValueError, AttributeError) as error:
        fail(f"Pipfile.lock cannot be read: {error}")
    try:
        with open(f"{build_dir}/pyproject.toml", "rb") as file:
            project = tomllib.load(file).get("project", {})
    except FileNotFoundError:
        project = {}
    except tomllib.TOMLDecodeError as error:
        fail(f"pyproject.toml cannot be read: {error}")
    specifier = project.get("requires-python") if isinstance(project, dict) else None
    if isinstance(specifier, str) and specifier.strip():
        for clause in clauses(specifier):
            if clause is None:
                fail(f"pyproject.toml's requires-python '{specifier}' is not a version specifier")
        return specifier.strip(), "pyproject.toml's requires-python", "range"
    return "", "", "default"


CLAUSE = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?\s*$")


def clauses(specifier):
    """The (operator, release, wildcard) of each comma-separated clause of a PEP 440 specifier; None for one
    this does not understand (pre-releases and local versions are not Heroku's business either)."""
    result = []
    for part in specifier.split(","):
        match = CLAUSE.match(part)
        if not match:
            result.append(None)
            continue
        result.append((match.group(1), tuple(int(n) for n in match.group(2).split(".")), bool(match.group(3))))
    return result


def padded(release, length):
    return release + (0,) * (length - len(release))


def clause_holds(operator, release, wildcard, version):
    if operator in ("==", "!=", "==="):
        if wildcard:
            equal = version[: len(release)] == release
        else:
            length = max(len(release), len(version))
            equal = padded(version, length) == padded(release, length)
        return equal if operator != "!=" else not equal
    length = max(len(release), len(version))
    left, right = padded(version, length), padded(release, length)
    if operator == ">=":
        return left >= right
    if operator == "<=":
        return left <= right
    if operator == ">":
        return left > right
    if operator == "<":
        return left < right
    if operator == "~=":
        # ~=3.11 means >=3.11, ==3.*; ~=3.11.2 means >=3.11.2, ==3.11.*
        return left >= right and version[: len(release) - 1] == release[:-1]
    return False


def satisfies(wanted, kind, version_text):
    version = tuple(int(n) for n in version_text.split("."))
    if kind == "default":
        return True
    if kind == "exact":
        return version == tuple(int(n) for n in wanted.split("."))
    if kind == "minor":
        return version[:2] == tuple(int(n) for n in wanted.split("."))
    return all(c is not None and clause_holds(*c, version) for c in clauses(wanted))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "request":
        print("\x1f".join(request(sys.argv[2])))
    elif len(sys.argv) == 5 and sys.argv[1] == "satisfies":
        sys.exit(0 if satisfies(sys.argv[2], sys.argv[3], sys.argv[4]) else 1)
    else:
        fail("usage: python_version.py request BUILD_DIR | satisfies REQUEST KIND VERSION")


main()
