// A Node.js app whose dependencies are vendored (node_modules is in the repository, as npm's registry may be out of
// reach): its `build` script runs the devDependency fixture-builder, which writes public/built.txt. Answers
// "hello from node-build (built by fixture-builder 1.0.0 in production; devDependency present: no)" on $PORT
// when the build ran, NODE_ENV is production and the devDependency was pruned.
const fs = require("fs");
const http = require("http");
const greeting = require("fixture-greeting");

let devDependency = "no";
try {
  require.resolve("fixture-builder/package.json");
  devDependency = "yes";
} catch {}

const server = http.createServer((request, response) => {
  const built = fs.readFileSync(__dirname + "/public/built.txt", "utf8").trim();
  response.writeHead(200, { "Content-Type": "text/plain" });
  response.end(`${greeting} from node-build (${built} in ${process.env.NODE_ENV}; devDependency present: ${devDependency})\n`);
});
server.listen(Number(process.env.PORT), process.env.BIND_ADDRESS || "127.0.0.1");
