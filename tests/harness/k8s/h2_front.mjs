// The fake API server's HTTP/2 front (option `http2`), run by Node.js (`node h2_front.mjs`), not
// by Deno: Deno's own HTTP/2 server can abort its process on a client's GOAWAY or a destroyed
// session (denoland/deno#36788), and a test process must not die of that.
//
// It serves HTTPS with the fake's server certificate, offering HTTP/2 by ALPN and HTTP/1.1 to
// clients that do not take it, as kube-apiserver does, and passes every request to the fake over
// HTTPS (HTTP/1.1, kept-alive connections): the bearer token as sent, a client certificate as the
// fake's own client certificate when the client's was issued by the CA for client authentication
// (so a test of another certificate's identity talks to the fake directly), and
// the version the client spoke in `x-fake-front-http-version`. A request the fake drops is reset
// (its stream under HTTP/2), one the client gives up is dropped towards the fake.
//
//   node h2_front.mjs CERT KEY CA CLIENT_CERT CLIENT_KEY UPSTREAM   (prints the port it listens on)
import fs from "node:fs";
import http2 from "node:http2";
import https from "node:https";

const [certFile, keyFile, caFile, clientCertFile, clientKeyFile, upstream] = process.argv.slice(2);
const ca = fs.readFileSync(caFile);
const plain = new https.Agent({ keepAlive: true, ca });
const withCertificate = new https.Agent({
  keepAlive: true,
  ca,
  cert: fs.readFileSync(clientCertFile),
  key: fs.readFileSync(clientKeyFile),
});
/** Headers that belong to one connection (HTTP/1.1) or that HTTP/2 does not allow. */
const HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
  "http2-settings",
]);

function forwardable(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(":") && !HOP.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

/** Whether the client presented a certificate the CA issued (under HTTP/2, on the session). */
function verified(req) {
  const socket = req.stream ? req.stream.session.socket : req.socket;
  return socket.authorized === true;
}

function drop(req) {
  if (req.stream) req.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  else req.socket.destroy();
}

const server = http2.createSecureServer({
  key: fs.readFileSync(keyFile),
  cert: fs.readFileSync(certFile),
  ca,
  allowHTTP1: true,
  requestCert: true,
  rejectUnauthorized: false,
}, (req, res) => {
  const headers = forwardable(req.headers);
  headers["x-fake-front-http-version"] = req.httpVersion;
  const up = https.request(`${upstream}${req.url}`, {
    method: req.method,
    headers,
    agent: verified(req) ? withCertificate : plain,
  }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
    answer.pipe(res);
    answer.on("error", () => drop(req));
  });
  up.on("error", () => drop(req));
  // The client gave up (its timeout): the fake sees the connection go, as from a real client.
  res.on("close", () => {
    if (!res.writableFinished) up.destroy();
  });
  req.pipe(up);
});
server.on("sessionError", () => {});
server.on("tlsClientError", () => {});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
