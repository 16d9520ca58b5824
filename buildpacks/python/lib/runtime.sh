# python buildpack: which Python builds the app, and uv, the tool that fetches Pythons and installs packages.
# Sourced by bin/compile, which sets build_dir, cache_dir, here (the buildpack) and the functions fail and indent.
#
# The rule (buildpacks/README.md, "Runtime versions"): lib/python_version.py reads what the app asks for; the
# host's python3 (or python3.X) is used when it satisfies the request; otherwise a managed CPython that uv
# installed before, from the shared runtimes directory or this app's cache; otherwise uv downloads one from
# UV_PYTHON_INSTALL_MIRROR (default: python-build-standalone's releases on GitHub). When that cannot be reached,
# the build stops before anything is installed, with one line.

# uv's version is pinned: a build must not change because PyPI has a newer uv. DOKUEN_UV_VERSION in the app's
# config overrides it.
uv_version=0.9.30
uv_default_mirror=https://github.com/astral-sh/python-build-standalone/releases/download

# Where runtimes and tools are kept, per version. DOKUEN_RUNTIMES_DIR is the platform's shared directory: when
# this build's user may write it, what it fetches goes there for every app; when it may only read it (apps with
# users of their own), a runtime found there is used and a new one goes to this app's own cache.
runtimes_choose() {
    shared=${DOKUEN_RUNTIMES_DIR:-}
    if [ -n "$shared" ] && [ -d "$shared" ] && [ -w "$shared" ]; then
        runtimes=$shared
    else
        runtimes=$cache_dir/runtimes
    fi
    mkdir -p "$runtimes"
}

# Renames the staged directory $1 (made beside it, under a temporary name) to its final name $2: a reader never
# sees half a runtime, and of two builds installing the same version at once, the second one's rename fails and
# its copy is dropped. Exit 0 when $2 is there, either way.
publish_dir() {
    local staged=$1 final=$2
    if ! mv -T "$staged" "$final" 2>/dev/null; then rm -rf "$staged"; fi
    [ -d "$final" ]
}

# Sets uv to the path of the pinned uv, fetching it from PyPI (PIP_INDEX_URL) into the runtimes directory the
# first time, with the host's python3 and pip in a throwaway venv.
uv_ensure() {
    local version=$uv_version where
    for where in "${DOKUEN_RUNTIMES_DIR:-}" "$cache_dir/runtimes"; do
        if [ -n "$where" ] && [ -x "$where/uv/$version/uv" ]; then
            uv=$where/uv/$version/uv
            return 0
        fi
    done
    echo "-----> Installing uv $version from PyPI (once; kept in the runtimes cache)"
    mkdir -p "$runtimes/uv"
    local staged
    staged=$(mktemp -d "$runtimes/uv/.staged.XXXXXX")
    # A build that fails or is stopped midway leaves no half-made runtime behind.
    trap "rm -rf $(printf %q "$staged")" EXIT
    if ! { python3 -m venv "$staged/venv" && "$staged/venv/bin/pip" install --progress-bar off --quiet \
        "uv==$version"; } >"$staged/log" 2>&1; then
        indent <"$staged/log"
        rm -rf "$staged"
        fail "uv $version could not be installed from PyPI (output above); set PIP_INDEX_URL in the app's config" \
            "to a reachable index"
    fi
    mkdir "$staged/out"
    cp "$staged/venv/bin/uv" "$staged/out/uv"
    chmod 0755 "$staged/out" "$staged/out/uv"
    publish_dir "$staged/out" "$runtimes/uv/$version" || fail "could not keep uv in $runtimes/uv"
    rm -rf "$staged"
    uv=$runtimes/uv/$version/uv
}

# The managed CPythons in $1 (uv's layout: cpython-3.13.1-linux-x86_64-gnu), highest version first, as
# "VERSION PATH" lines.
managed_pythons() {
    local dir name version
    for dir in "$1"/cpython-*; do
        # uv also makes cpython-3.13-… links to the newest patch release it has: only real directories count.
        [ ! -L "$dir" ] && [ -x "$dir/bin/python3" ] || continue
        name=${dir##*/cpython-}
        version=${name%%-*}
        echo "$version $dir"
    done | sort -t . -k 1,1nr -k 2,2nr -k 3,3nr
}

# Whether URL answers at all (any HTTP status counts: a mirror's root may well be a 404), within 7 s whatever the
# cause (a name server that never answers too: the socket's timeout does not cover name resolution). Prints why not.
probe() {
    local why
    why=$(timeout 7 python3 "$here/lib/fetch.py" probe "$1" 2>&1) && return 0
    echo "${why:-no answer within 7 s}"
    return 1
}

# Sets python (the interpreter that builds the app), python_version and python_origin. Says which file chose
# which version on the build's first line.
python_resolve() {
    local resolved wanted source kind host_version candidate version dir
    if ! resolved=$(python3 "$here/lib/python_version.py" request "$build_dir" 2>&1); then
        fail "$resolved"
    fi
    IFS=$'\x1f' read -r wanted source kind <<<"$resolved"
    local asked="(no .python-version, runtime.txt or requires-python asks for one)"
    [ "$kind" = default ] || asked="($source asks for $wanted)"

    host_version=$(python3 -c 'import platform; print(platform.python_version())')
    # The host's python3, then the host's python3.X of the minor version asked for (Debian may have several).
    local candidates=(python3) package="a python3.X that satisfies $wanted"
    case $kind in
    minor | exact)
        local minor=${wanted#*.}
        minor=3.${minor%%.*}
        candidates+=("python$minor") package=python$minor
        ;;
    esac
    for candidate in "${candidates[@]}"; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        version=$("$candidate" -c 'import platform; print(platform.python_version())' 2>/dev/null) || continue
        if python3 "$here/lib/python_version.py" satisfies "$wanted" "$kind" "$version"; then
            python=$(command -v "$candidate") python_version=$version python_origin=host
            echo "-----> Python $version $asked: the host's $python"
            return 0
        fi
    done

    for dir in "${DOKUEN_RUNTIMES_DIR:-}" "$cache_dir/runtimes"; do
        [ -n "$dir" ] || continue
        while read -r version candidate; do
            if python3 "$here/lib/python_version.py" satisfies "$wanted" "$kind" "$version"; then
                python=$candidate/bin/python3 python_version=$version python_origin=$candidate
                echo "-----> Python $version $asked: managed, from the runtimes cache"
                return 0
            fi
        done < <(managed_pythons "$dir/python")
    done

    # Not here: download one, or fail now, before anything is installed.
    local mirror=${UV_PYTHON_INSTALL_MIRROR:-$uv_default_mirror} why
    local fix="set UV_PYTHON_INSTALL_MIRROR in the app's config to a reachable python-build-standalone mirror,"
    fix+=" install $package on the host, or ask for ${host_version%.*} in $source"
    if ! why=$(probe "$mirror"); then
        fail "Python $wanted, which $source asks for, is not on this host (it has Python $host_version)" \
            "and cannot be downloaded from $mirror ($why): $fix"
    fi
    uv_ensure
    echo "-----> Downloading Python $wanted $asked with uv python install"
    local staged
    mkdir -p "$runtimes/python"
    staged=$(mktemp -d "$runtimes/python/.staged.XXXXXX")
    # A build that fails or is stopped midway leaves no half-made runtime behind.
    trap "rm -rf $(printf %q "$staged")" EXIT
    if ! UV_PYTHON_INSTALL_DIR=$staged UV_PYTHON_INSTALL_MIRROR=$mirror UV_PYTHON_DOWNLOADS=automatic \
        UV_PYTHON_PREFERENCE=managed "$uv" python install --no-bin "$wanted" 2>&1 | indent; then
        rm -rf "$staged"
        fail "Python $wanted, which $source asks for, is not on this host (it has Python $host_version)" \
            "and uv could not install it from $mirror (output above): $fix"
    fi
    while read -r version candidate; do
        chmod -R go+rX,go-w "$candidate"
        publish_dir "$candidate" "$runtimes/python/${candidate##*/}" || true
    done < <(managed_pythons "$staged")
    rm -rf "$staged"
    while read -r version candidate; do
        if python3 "$here/lib/python_version.py" satisfies "$wanted" "$kind" "$version"; then
            python=$candidate/bin/python3 python_version=$version python_origin=$candidate
            echo "       Python $version, kept in $runtimes/python for the next build"
            return 0
        fi
    done < <(managed_pythons "$runtimes/python")
    fail "uv installed a Python, but none satisfying $wanted ($source) is in $runtimes/python"
}
