// The Node.js an app asks for, and which versions satisfy it: the one place the node buildpack decides.
//
//   node node_version.js request BUILD_DIR   prints RANGE and SOURCE separated by the unit separator (\x1f);
//                                            both empty when nothing asks. Exit 2 and one line on stderr when a
//                                            file holds no usable range.
//   node node_version.js satisfies RANGE VERSION   exit 0 when VERSION (v20.1.0 or 20.1.0) satisfies RANGE
//   node node_version.js pick RANGE INDEX_JSON     prints the highest version of nodejs.org/dist/index.json (a
//                                                  file) that satisfies RANGE; exit 1 when none does
//
// Precedence: `engines.node` of package.json (what Heroku reads), then `.nvmrc`, then `.node-version`. Ranges
// are npm's semver ranges (`>=20`, `20.x`, `^22.1.0`, `18 || 20`, `1.2 - 2.3`); `node` and `latest` mean any
// version, `lts/*` any LTS (an even major). Pre-releases are never chosen. Nothing from the app is evaluated.
"use strict";
const fs = require("fs");

function fail(message) {
    process.stderr.write(message + "\n");
    process.exit(2);
}

function parse(text) {
    const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(text);
    if (!m) return null;
    const part = (s) => (s === undefined || /^[xX*]$/.test(s) ? null : Number(s));
    return [part(m[1]), part(m[2]), part(m[3])];
}

// One comparator (`^1.2`, `>=20`, `18.x`) as primitives [op, [major, minor, patch]].
function comparator(text) {
    const m = /^(<=|>=|<|>|=|~>|~|\^)?\s*(.*)$/.exec(text);
    const op = m[1] || "=";
    const v = parse(m[2]);
    if (!v) return null;
    const [a, b, c] = v;
    if (a === null) return op === "<" || op === ">" ? [["<", [0, 0, 0]]] : [];
    const lo = [a, b ?? 0, c ?? 0];
    const nextMajor = [a + 1, 0, 0];
    const nextMinor = b === null ? nextMajor : [a, b + 1, 0];
    switch (op) {
        case "=":
            if (b === null) return [[">=", lo], ["<", nextMajor]];
            if (c === null) return [[">=", lo], ["<", nextMinor]];
            return [["=", lo]];
        case "~":
        case "~>":
            return [[">=", lo], ["<", nextMinor]];
        case "^":
            if (a > 0 || b === null) return [[">=", lo], ["<", nextMajor]];
            if (b > 0 || c === null) return [[">=", lo], ["<", [0, b + 1, 0]]];
            return [[">=", lo], ["<", [0, 0, c + 1]]];
        case ">":
            if (b === null) return [[">=", nextMajor]];
            if (c === null) return [[">=", nextMinor]];
            return [[">", lo]];
        case ">=":
            return [[">=", lo]];
        case "<":
            return [["<", lo]];
        case "<=":
            if (b === null) return [["<", nextMajor]];
            if (c === null) return [["<", nextMinor]];
            return [["<=", lo]];
    }
    return null;
}

// A range: sets separated by `||`, each a hyphen range or comparators separated by spaces.
function range(text) {
    const words = text.trim();
    if (words === "node" || words === "latest" || words === "") return [[]];
    if (words === "lts/*") return [[["lts", null]]];
    const sets = [];
    for (const set of words.split("||")) {
        const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(set);
        // `>= 20` is `>=20`: an operator binds to the version after it.
        const comparators = set.trim().replace(/([<>=~^]+)\s+/g, "$1").split(/\s+/);
        const parts = hyphen ? [">=" + hyphen[1], "<=" + hyphen[2]] : comparators;
        const primitives = [];
        for (const part of parts) {
            if (part === "") continue;
            const p = comparator(part);
            if (p === null) return null;
            primitives.push(...p);
        }
        sets.push(primitives);
    }
    return sets;
}

function compare(x, y) {
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

function holds([op, bound], version) {
    if (op === "lts") return version[0] % 2 === 0;
    const c = compare(version, bound);
    return { "=": c === 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0 }[op];
}

function satisfies(text, versionText) {
    const sets = range(text);
    const version = parse(versionText.trim());
    if (!sets || !version || version.includes(null)) return false;
    return sets.some((set) => set.every((p) => holds(p, version)));
}

function request(dir) {
    let pkg = {};
    try {
        pkg = JSON.parse(fs.readFileSync(dir + "/package.json", "utf8"));
    } catch (error) {
        if (error.code !== "ENOENT") fail("package.json cannot be read: " + error.message);
    }
    const candidates = [];
    if (pkg && pkg.engines && pkg.engines.node !== undefined) {
        if (typeof pkg.engines.node !== "string") fail("package.json's engines.node is not a string");
        candidates.push([pkg.engines.node.trim(), "package.json's engines.node"]);
    }
    for (const file of [".nvmrc", ".node-version"]) {
        try {
            const line = fs.readFileSync(dir + "/" + file, "utf8").split("\n").map((l) => l.replace(/#.*/, "").trim());
            candidates.push([line.find((l) => l !== "") || "", file]);
        } catch (error) {
            if (error.code !== "ENOENT") fail(file + " cannot be read: " + error.message);
        }
    }
    if (candidates.length === 0) return ["", ""];
    const [wanted, source] = candidates[0];
    if (wanted === "" || range(wanted) === null) {
        fail(`${source} asks for Node.js '${wanted}', which is not a version range: write 22, 22.x or >=20`);
    }
    return [wanted, source];
}

const [command, a, b] = process.argv.slice(2);
if (command === "request") {
    console.log(request(a).join("\x1f"));
} else if (command === "satisfies") {
    process.exit(satisfies(a, b) ? 0 : 1);
} else if (command === "pick") {
    const index = JSON.parse(fs.readFileSync(b, "utf8"));
    const best = index
        .map((entry) => entry.version)
        .filter((v) => satisfies(a, v))
        .sort((x, y) => compare(parse(y), parse(x)))[0];
    if (!best) process.exit(1);
    console.log(best.replace(/^v/, ""));
} else {
    fail("usage: node_version.js request BUILD_DIR | satisfies RANGE VERSION | pick RANGE INDEX_JSON");
}
