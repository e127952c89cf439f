// graphql-http's server audit (the GraphQL-over-HTTP spec's conformance checks) against
// one URL: prints each result, then a summary line, and exits 1 on any warning or error.
//
//   node audit.mjs URL [-H 'Name: value']...
//
// The hub answers nothing without credentials, so every audit request carries the
// headers given with -H (as curl's -H): auditServer takes a fetch function, and this one
// adds them to each request the audit makes. Exit status: 0 clean, 1 a warning or an
// error, 2 the audit could not run.
import { auditServer } from "graphql-http";

const usage = "usage: node audit.mjs URL [-H 'Name: value']...";

function parseArguments(argv) {
  const headers = [];
  let url;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "-H" || argv[i] === "--header") {
      const header = argv[++i] ?? "";
      const colon = header.indexOf(":");
      if (colon < 1) throw new Error(`a header is 'Name: value', not '${header}'`);
      headers.push([header.slice(0, colon).trim(), header.slice(colon + 1).trim()]);
    } else if (url === undefined) {
      url = argv[i];
    } else {
      throw new Error(`unexpected argument '${argv[i]}'`);
    }
  }
  if (url === undefined) throw new Error("a URL is needed");
  return { url, headers };
}

function withHeaders(extra) {
  return (input, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [name, value] of extra) if (!headers.has(name)) headers.set(name, value);
    return fetch(input, { ...init, headers });
  };
}

async function describe(result) {
  const line = `${result.status.padEnd(6)} ${result.id} ${result.name}`;
  if (result.status === "ok") return line;
  const body = (await result.response.text()).slice(0, 300);
  const type = result.response.headers.get("content-type") ?? "no content-type";
  return `${line}\n       ${result.reason}: ${result.response.status} ${type} ${body}`;
}

async function main() {
  let options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`audit.mjs: ${error.message}\n${usage}`);
    return 2;
  }
  let results;
  try {
    results = await auditServer({ url: options.url, fetchFn: withHeaders(options.headers) });
  } catch (error) {
    // An audit throws only when it could not run at all, e.g. nothing listens at the URL.
    console.error(`audit.mjs: the audit could not run against ${options.url}: ${error.cause ?? error}`);
    return 2;
  }
  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  for (const result of results.sort((a, b) => a.id.localeCompare(b.id))) {
    counts[result.status] += 1;
    console.log(await describe(result));
  }
  console.log(
    `audit: ${counts.ok} ok, ${counts.notice} notices, ${counts.warn} warnings, ${counts.error} errors`,
  );
  return counts.warn + counts.error > 0 ? 1 : 0;
}

process.exitCode = await main();
