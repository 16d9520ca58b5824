// A Node.js app without dependencies: answers "hello from node 1.0" on $PORT.
const http = require("http");

const server = http.createServer((request, response) => {
  response.writeHead(200, { "Content-Type": "text/plain" });
  response.end("hello from node 1.0\n");
});
server.listen(Number(process.env.PORT), process.env.BIND_ADDRESS || "127.0.0.1");
