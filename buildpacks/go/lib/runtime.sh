# go buildpack: which Go builds the app. Sourced by bin/compile, which sets build_dir, cache_dir, here (the
# buildpack) and the functions fail and indent.
#
# The rule (buildpacks/README.md, "Runtime versions"), Go's own: go.mod's `go` line is the oldest Go that may
# build the module, and its `toolchain` line, when there is one, the toolchain it prefers; a Go at least as new
# as both builds it. The host's go when it is; else an official build kept in the runtimes directory; else,
# when the host's go can switch toolchains itself (1.21 and later), GOTOOLCHAIN switching through GOPROXY; else
# the official build of the toolchain line (or of the go line's release) from GO_DIST_MIRROR (default
# https://dl.google.com/go), checked against its .sha256 and kept. When none can be had, the build stops before
# anything is built, with one line.

go_default_mirror=https://dl.google.com/go

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

# go1.21.3 -> 1.21.3; go1.20 -> 1.20; anything else -> nothing.
go_number() { sed -n 's/^go\([0-9][0-9]*\.[0-9][0-9]*\(\.[0-9][0-9]*\)\{0,1\}\)$/\1/p' <<<"$1"; }

# Exit 0 when version $1 is at least $2 (1.21 = 1.21.0).
go_at_least() {
    local a b
    IFS=. read -r -a a <<<"$1"
    IFS=. read -r -a b <<<"$2"
    local i
    for i in 0 1 2; do
        if [ "${a[i]:-0}" -gt "${b[i]:-0}" ]; then return 0; fi
        if [ "${a[i]:-0}" -lt "${b[i]:-0}" ]; then return 1; fi
    done
    return 0
}

# Sets go_bin (the directory of the go that builds the app), go_version, go_origin (`host`, `switch` or the
# runtime's directory) and go_toolchain (GOTOOLCHAIN). Says which line chose which version first.
go_resolve() {
    local line_go line_toolchain wanted source asked host_version dir
    command -v go >/dev/null || fail "go is not installed on this host (Debian: apt-get install golang-go)"
    # `go 1.22` and `toolchain go1.22.3`, each perhaps followed by a comment; anything else is not a version.
    line_go=$(sed -En 's|^go[[:space:]]+([0-9][0-9.]*)[[:space:]]*(//.*)?$|\1|p' go.mod | head -n 1)
    line_toolchain=$(sed -En 's|^toolchain[[:space:]]+(go[0-9][0-9.]*)[[:space:]]*(//.*)?$|\1|p' go.mod | head -n 1)
    wanted=$line_go source="go.mod's go line"
    if [ -n "$line_toolchain" ] && go_at_least "$(go_number "$line_toolchain")" "${line_go:-0}"; then
        wanted=$(go_number "$line_toolchain") source="go.mod's toolchain line"
    fi
    host_version=$(go_number "$(go env GOVERSION 2>/dev/null || go version | awk '{ print $3 }')")
    go_toolchain=local
    if [ -z "$wanted" ]; then
        asked="(go.mod has no go line)"
    else
        asked="($source asks for $wanted)"
    fi
    if [ -z "$wanted" ] || go_at_least "$host_version" "$wanted"; then
        go_bin=$(dirname "$(command -v go)") go_version=$host_version go_origin=host
        echo "-----> Go $host_version $asked: the host's $go_bin/go"
        return 0
    fi
    for dir in "${DOKUEN_RUNTIMES_DIR:-}" "$cache_dir/runtimes"; do
        if [ -n "$dir" ] && [ -x "$dir/go/$wanted/bin/go" ]; then
            go_bin=$dir/go/$wanted/bin go_version=$wanted go_origin=$dir/go/$wanted
            echo "-----> Go $wanted $asked: an official build, from the runtimes cache"
            return 0
        fi
    done
    # A release name as Go names them: go1.21.0 and later have three numbers, go1.20 and earlier two.
    local release=$wanted
    if [ "$(cut -d. -f1-2 <<<"$wanted" | tr -d .)" -ge 121 ] && [ "$(tr -cd . <<<"$wanted")" = . ]; then
        release=$wanted.0
    fi
    local fix="set GO_DIST_MIRROR (or, with a host go 1.21 or later, GOPROXY) in the app's config to a reachable"
    fix+=" mirror, install golang-go $wanted or later on the host, or lower $source to ${host_version}"
    local why proxy=${GOPROXY:-https://proxy.golang.org}
    if go_at_least "$host_version" 1.21 && [ "$proxy" != off ]; then
        # Go's own switching: the host's go downloads golang.org/toolchain@v0.0.1-go$release from GOPROXY.
        local first=${proxy%%[,|]*}
        if why=$(probe "$first" 2>&1); then
            go_bin=$(dirname "$(command -v go)") go_version=$release go_origin=switch go_toolchain=go$release
            echo "-----> Go $release $asked: the host has $host_version; GOTOOLCHAIN=go$release fetches it from $first"
            return 0
        fi
    fi
    local mirror=${GO_DIST_MIRROR:-$go_default_mirror} arch
    mirror=${mirror%/}
    if ! why=$(probe "$mirror/" 2>&1); then
        fail "Go $wanted, which $source asks for, is not on this host (it has $host_version) and cannot be" \
            "downloaded from $mirror ($why): $fix"
    fi
    case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) fail "Go $wanted ($source): no official build for $(uname -m); install golang-go $wanted or later" ;;
    esac
    local tarball=go$release.linux-$arch.tar.gz staged
    mkdir -p "$runtimes/go"
    staged=$(mktemp -d "$runtimes/go/.staged.XXXXXX")
    # A build that fails or is stopped midway leaves no half-made runtime behind.
    trap "rm -rf $(printf %q "$staged")" EXIT
    echo "-----> Downloading Go $release $asked from $mirror"
    python3 "$here/lib/fetch.py" get "$mirror/$tarball" "$staged/$tarball" >"$staged/why" &&
        python3 "$here/lib/fetch.py" get "$mirror/$tarball.sha256" "$staged/sha256" >"$staged/why" ||
        fail "Go $release ($source asks for $wanted) could not be downloaded: $(cat "$staged/why"): $fix"
    local expected actual
    expected=$(awk '{ print $1; exit }' "$staged/sha256")
    actual=$(python3 "$here/lib/fetch.py" sha256 "$staged/$tarball")
    [ -n "$expected" ] && [ "$expected" = "$actual" ] ||
        fail "$tarball from $mirror does not match its .sha256 (expected '$expected', got $actual)"
    mkdir "$staged/out"
    tar -xzf "$staged/$tarball" -C "$staged/out" --strip-components=1 --no-same-owner
    chmod -R go+rX,go-w "$staged/out"
    if ! mv -T "$staged/out" "$runtimes/go/$wanted" 2>/dev/null; then :; fi
    rm -rf "$staged"
    [ -x "$runtimes/go/$wanted/bin/go" ] || fail "could not keep Go $release in $runtimes/go"
    go_bin=$runtimes/go/$wanted/bin go_version=$release go_origin=$runtimes/go/$wanted
    echo "       kept in $runtimes/go for the next build"
}
