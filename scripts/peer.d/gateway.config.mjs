// Hive Gateway's configuration for the Mesh-composed peer, as scripts/peer runs it. The
// same PEER_SOURCES file as mesh.config.mjs; a source may name an upstream scheme Mesh's
// declarative config cannot hold, done here on every upstream fetch:
//
//   "auth": {"oauth2": {"token_url": "…", "client_id": "…", "client_secret": "…"}}
//       a bearer token from the client-credentials grant, kept until shortly before it
//       expires (what the hub's connector does);
//   "auth": {"hmac": {"key_id": "…", "secret": "…"}}
//       X-Key-Id, X-Timestamp and X-Signature: lowercase hex HMAC-SHA256 of
//       "METHOD\nTARGET\nTIMESTAMP\nSHA256(BODY)", TARGET the raw path and query.
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { defineConfig } from "@graphql-hive/gateway";

const sources = JSON.parse(readFileSync(process.env.PEER_SOURCES, "utf8"));
const EARLY_SECONDS = 30; // a token this close to its expiry is renewed first

/** The fetch's headers with ``values`` set, whether they are a Headers or a plain object. */
function withHeaders(options, values) {
  if (typeof options.headers?.set === "function") {
    for (const [name, value] of Object.entries(values)) options.headers.set(name, value);
  } else {
    options.headers = { ...options.headers, ...values };
  }
}

function bearer({ token_url, client_id, client_secret }) {
  let held = null; // {token, until}
  let pending = null;
  async function issue(fetchFn) {
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id, client_secret });
    const response = await fetchFn(token_url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
    const body = await response.json();
    const until = Date.now() + (body.expires_in - EARLY_SECONDS) * 1000;
    return { token: body.access_token, until };
  }
  return async (fetchFn, _url, options) => {
    if (!held || Date.now() >= held.until) {
      pending ??= issue(fetchFn).finally(() => (pending = null));
      held = await pending;
    }
    withHeaders(options, { authorization: `Bearer ${held.token}` });
  };
}

function signed({ key_id, secret }) {
  return async (_fetchFn, url, options) => {
    const target = new URL(url);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const body = options.body == null ? "" : options.body;
    const digest = createHash("sha256").update(body).digest("hex");
    const method = (options.method || "GET").toUpperCase();
    const text = [method, target.pathname + target.search, timestamp, digest].join("\n");
    const signature = createHmac("sha256", secret).update(text).digest("hex");
    withHeaders(options, { "x-key-id": key_id, "x-timestamp": timestamp, "x-signature": signature });
  };
}

const signers = Object.values(sources)
  .filter((source) => source.auth)
  .map((source) => ({
    prefix: source.endpoint,
    sign: source.auth.oauth2 ? bearer(source.auth.oauth2) : signed(source.auth.hmac),
  }));

function upstreamAuth() {
  return {
    async onFetch({ url, options, fetchFn }) {
      const signer = signers.find((s) => url.startsWith(s.prefix));
      if (signer) await signer.sign(fetchFn, url, options);
    },
  };
}

export const gatewayConfig = defineConfig({
  plugins: () => [upstreamAuth()],
  logging: process.env.GATEWAY_LOG_LEVEL || "warn",
});
