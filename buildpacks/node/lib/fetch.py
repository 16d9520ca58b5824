"""Downloads for the runtime resolvers, with the host's CA certificates (Python's ssl uses the system's store, as
pip does; node's and Go's own clients do not).

    python3 fetch.py probe URL          exit 0 when URL answers at all (any HTTP status), within 5 seconds; else
                                        exit 1 and print why (one line)
    python3 fetch.py get URL OUT        write URL's body to OUT (exit 1 and one line when it cannot)
    python3 fetch.py sha256 FILE        print FILE's SHA-256

buildpacks/{python,node,go}/lib/fetch.py are the same file (each buildpack must stand alone when installed by itself).
"""

import hashlib
import shutil
import sys
import urllib.error
import urllib.request


def why(error):
    reason = getattr(error, "reason", error)
    return str(reason) or type(reason).__name__


def main():
    command, target = sys.argv[1], sys.argv[2]
    if command == "probe":
        try:
            urllib.request.urlopen(urllib.request.Request(target, method="HEAD"), timeout=5)
        except urllib.error.HTTPError:
            pass
        except Exception as error:
            print(why(error))
            sys.exit(1)
    elif command == "get":
        try:
            with urllib.request.urlopen(target, timeout=30) as response, open(sys.argv[3], "wb") as out:
                shutil.copyfileobj(response, out, 1 << 20)
        except Exception as error:
            print(f"{target}: {why(error)}")
            sys.exit(1)
    elif command == "sha256":
        digest = hashlib.sha256()
        with open(target, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        print(digest.hexdigest())


main()
