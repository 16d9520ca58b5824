# node buildpack: which Node.js builds and runs the app. Sourced by bin/compile, which sets build_dir, cache_dir,
# here (the buildpack) and the functions fail and indent.
#
# The rule (buildpacks/README.md, "Runtime versions"): lib/node_version.js reads what the app asks for; the
# host's node is used when it satisfies the request; otherwise an official build kept in the runtimes directory;
# otherwise the highest satisfying official build is downloaded from NODEJS_ORG_MIRROR (default
# https://nodejs.org/dist), checked against the release's SHASUMS256.txt and kept. When the mirror cannot be
# reached, the build stops before anything is installed, with one line.

node_default_mirror=https://nodejs.org/dist

# Where runtimes are kept, per version: DOKUEN_RUNTIMES_DIR (the platform's, shared) when this build's user may
# write it, else this app's own cache; a runtime already in the shared one is used either way.
# Whether URL answers at all, within 7 s whatever the cause (a name server that never answers too: the socket's
# timeout does not cover name resolution). Prints why not.
probe() {
    local why
    why=$(timeout 7 python3 "$here/lib/fetch.py" probe "$1" 2>&1) && return 0
    echo "${why:-no answer within 7 s}"
    return 1
}

runtimes_choose() {
    shared=${DOKUEN_RUNTIMES_DIR:-}
    if [ -n "$shared" ] && [ -d "$shared" ] && [ -w "$shared" ]; then
        runtimes=$shared
    else
        runtimes=$cache_dir/runtimes
    fi
    mkdir -p "$runtimes"
}

# The official builds kept in $1, highest version first, as "VERSION PATH" lines.
managed_nodes() {
    local dir
    for dir in "$1"/*; do
        [ -x "$dir/bin/node" ] || continue
        echo "${dir##*/} $dir"
    done | sort -t . -k 1,1nr -k 2,2nr -k 3,3nr
}

# Sets node_bin (the directory of the node that builds the app), node_version and node_origin (`host` or the
# runtime's directory). Says which file chose which version on the build's first line.
node_resolve() {
    local resolved wanted source host_version=none version dir asked
    command -v node >/dev/null || fail "node is not installed on this host (Debian: apt-get install nodejs)"
    host_version=$(node --version)
    if ! resolved=$(node "$here/lib/node_version.js" request "$build_dir" 2>&1); then fail "$resolved"; fi
    IFS=$'\x1f' read -r wanted source <<<"$resolved"
    if [ -z "$source" ]; then
        asked="(no engines.node, .nvmrc or .node-version asks for one)"
    else
        asked="($source asks for $wanted)"
    fi
    if [ -z "$source" ] || node "$here/lib/node_version.js" satisfies "$wanted" "$host_version"; then
        node_bin=$(dirname "$(command -v node)") node_version=$host_version node_origin=host
        echo "-----> Node.js $host_version $asked: the host's $node_bin/node"
        return 0
    fi
    for dir in "${DOKUEN_RUNTIMES_DIR:-}" "$cache_dir/runtimes"; do
        [ -n "$dir" ] || continue
        while read -r version dir; do
            if node "$here/lib/node_version.js" satisfies "$wanted" "$version"; then
                node_bin=$dir/bin node_version=v$version node_origin=$dir
                echo "-----> Node.js v$version $asked: an official build, from the runtimes cache"
                return 0
            fi
        done < <(managed_nodes "$dir/node")
    done

    # Not here: download one, or fail now, before anything is installed.
    local mirror=${NODEJS_ORG_MIRROR:-$node_default_mirror} why arch
    mirror=${mirror%/}
    local fix="set NODEJS_ORG_MIRROR in the app's config to a reachable mirror of nodejs.org/dist, install a"
    local host_major=${host_version#v}
    fix+=" nodejs that satisfies '$wanted' on the host (NodeSource), or ask for ${host_major%%.*} in $source"
    if ! why=$(probe "$mirror/index.json" 2>&1); then
        fail "Node.js '$wanted', which $source asks for, is not on this host (it has $host_version) and cannot be" \
            "downloaded from $mirror ($why): $fix"
    fi
    case $(uname -m) in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) fail "Node.js '$wanted' ($source): no official build for $(uname -m); install a nodejs that satisfies it" ;;
    esac
    mkdir -p "$runtimes/node"
    local staged
    staged=$(mktemp -d "$runtimes/node/.staged.XXXXXX")
    # A build that fails or is stopped midway leaves no half-made runtime behind.
    trap "rm -rf $(printf %q "$staged")" EXIT
    python3 "$here/lib/fetch.py" get "$mirror/index.json" "$staged/index.json" >"$staged/why" ||
        fail "Node.js '$wanted' ($source): $(cat "$staged/why"): $fix"
    version=$(node "$here/lib/node_version.js" pick "$wanted" "$staged/index.json") ||
        fail "no Node.js release at $mirror satisfies '$wanted', which $source asks for (the host has $host_version)"
    local tarball=node-v$version-linux-$arch.tar.gz
    echo "-----> Downloading Node.js v$version $asked from $mirror"
    python3 "$here/lib/fetch.py" get "$mirror/v$version/$tarball" "$staged/$tarball" >"$staged/why" &&
        python3 "$here/lib/fetch.py" get "$mirror/v$version/SHASUMS256.txt" "$staged/SHASUMS256.txt" >"$staged/why" ||
        fail "Node.js v$version ($source asks for '$wanted') could not be downloaded: $(cat "$staged/why")"
    local expected actual
    expected=$(awk -v name="$tarball" '$2 == name { print $1 }' "$staged/SHASUMS256.txt")
    actual=$(python3 "$here/lib/fetch.py" sha256 "$staged/$tarball")
    [ -n "$expected" ] && [ "$expected" = "$actual" ] ||
        fail "$tarball from $mirror does not match its SHASUMS256.txt (expected '$expected', got $actual)"
    mkdir "$staged/out"
    tar -xzf "$staged/$tarball" -C "$staged/out" --strip-components=1 --no-same-owner
    chmod -R go+rX,go-w "$staged/out"
    if ! mv -T "$staged/out" "$runtimes/node/$version" 2>/dev/null; then :; fi
    rm -rf "$staged"
    [ -x "$runtimes/node/$version/bin/node" ] || fail "could not keep Node.js v$version in $runtimes/node"
    node_bin=$runtimes/node/$version/bin node_version=v$version node_origin=$runtimes/node/$version
    echo "       kept in $runtimes/node for the next build"
}
