// Prunes devDependencies from BUILD_DIR/node_modules (npm's and yarn 1's layout), as `npm prune --omit=dev` does,
// without npm and without the network: keeps every package reachable from package.json's dependencies,
// optionalDependencies and peerDependencies through Node's module resolution, and removes the rest, with the
// .bin links that pointed into them.
//
//   node prune.js BUILD_DIR   prints the number of packages removed
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(process.argv[2]);

function manifest(dir) {
    try {
        return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    } catch {
        return null;
    }
}

function wanted(pkg) {
    return Object.keys({ ...pkg.peerDependencies, ...pkg.optionalDependencies, ...pkg.dependencies });
}

// Node's resolution: the nearest node_modules/NAME from `from` up to the app's root.
function resolve(from, name) {
    for (let dir = from; dir.startsWith(root); dir = path.dirname(dir)) {
        if (path.basename(dir) === "node_modules") continue;
        const candidate = path.join(dir, "node_modules", name);
        if (manifest(candidate)) return candidate;
        if (dir === root) break;
    }
    return null;
}

const keep = new Set();
const queue = [[root, manifest(root) || {}]];
while (queue.length > 0) {
    const [dir, pkg] = queue.pop();
    for (const name of wanted(pkg)) {
        const found = resolve(dir, name);
        if (found && !keep.has(found)) {
            keep.add(found);
            queue.push([found, manifest(found)]);
        }
    }
}

let removed = 0;
const bins = [];
function sweep(modules) {
    let entries;
    try {
        entries = fs.readdirSync(modules, { withFileTypes: true });
    } catch {
        return;
    }
    for (const entry of entries) {
        const full = path.join(modules, entry.name);
        if (entry.name === ".bin") {
            bins.push(full);
        } else if (entry.name.startsWith("@") && entry.isDirectory()) {
            for (const scoped of fs.readdirSync(full)) visit(path.join(full, scoped));
        } else if (!entry.name.startsWith(".")) {
            visit(full);
        }
    }
}
function visit(dir) {
    if (keep.has(dir)) {
        sweep(path.join(dir, "node_modules"));
    } else {
        fs.rmSync(dir, { recursive: true, force: true });
        removed++;
    }
}
sweep(path.join(root, "node_modules"));
for (const bin of bins) {
    for (const name of fs.readdirSync(bin)) {
        const link = path.join(bin, name);
        if (!fs.existsSync(link)) fs.rmSync(link, { force: true });
    }
}
// npm's hidden lockfile describes the tree before the prune; npm rebuilds it when it is missing.
fs.rmSync(path.join(root, "node_modules", ".package-lock.json"), { force: true });
console.log(removed);
