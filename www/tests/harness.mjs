// Shared by the page tests and the throughput bench: a static server for www/ and a
// headless Chromium started with the flags this project's machines need.
import { createServer } from "node:http";
import { readFileSync, existsSync } from "node:fs";
import { join, extname, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

/** The www/ folder and the repository root. */
export const www = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const root = resolve(www, "..");

/** The native CLI: BOA_BIN, else the release build in the (CARGO_TARGET_DIR) target folder. */
export const boaBin = process.env.BOA_BIN
  ?? join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "release", "boa");

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css",
  ".wasm": "application/wasm", ".json": "application/json" };

/** Serves www/ on a free loopback port; resolves to { server, base }. */
export async function serveWww() {
  const server = createServer((req, res) => {
    const path = join(www, decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = path.endsWith("/") ? join(path, "index.html") : path;
    if (!file.startsWith(www) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, base: `http://127.0.0.1:${server.address().port}/` };
}

/** Debian's Chromium (or CHROMIUM), headless, without network chatter or a sandbox. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // --enable-unsafe-webgpu: WebGPU (on SwiftShader, Chromium's software GPU, where
    // there is no GPU), as a secure context (http://127.0.0.1) needs.
    args: ["--no-sandbox", "--no-first-run", "--disable-gpu", "--enable-unsafe-webgpu",
      "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"],
  });
}
