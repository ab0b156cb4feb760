#!/usr/bin/env node
// A grpc-js xDS client (@grpc/grpc-js + @grpc/grpc-js-xds) driven line by line by a JUnit test
// (dev.llmxds.testing.GrpcJsClient).
//
//   node xds-client.js [--bootstrap FILE] [--deadline-ms N] [--trace] xds:///<service>
//
// The bootstrap comes from --bootstrap FILE, else from GRPC_XDS_BOOTSTRAP (a file) or
// GRPC_XDS_BOOTSTRAP_CONFIG (the JSON inline); grpc-js-xds reads it once per process, so one
// process is one xDS client. --trace sets GRPC_TRACE=xds_client,xds_resolver and
// GRPC_VERBOSITY=DEBUG (unless already set): grpc-js then logs to stderr.
//
// Protocol: one command per stdin line, one JSON line on stdout per command.
//   call N [HEADER VALUE]
//            N unary calls of /llmxds.test.Backend/Who, one after the other, each with the
//            deadline (and the request header HEADER: VALUE when given); answers
//            {"ok":{"<backend>":count},"errors":{"<CODE>":count},"lastError":"<CODE>: <details>"|null}
//   state    {"state":"IDLE"|"CONNECTING"|"READY"|"TRANSIENT_FAILURE"|"SHUTDOWN"}
//   quit     closes the channel and exits 0 (so does end of stdin)
// At start it prints {"started":true,"grpcJs":"<version>","grpcJsXds":"<version>"}.
// Anything else answers {"error":"..."}.
'use strict';

const fs = require('fs');
const readline = require('readline');

function usage(message) {
  process.stderr.write(
    `${message}\nusage: xds-client.js [--bootstrap FILE] [--deadline-ms N] [--trace] xds:///<service>\n`
  );
  process.exit(2);
}

let target = null;
let deadlineMs = 2000;
let trace = false;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--bootstrap') {
    const file = args[++i];
    if (!file) usage('--bootstrap needs a file');
    // Read here so a bad path fails at once, not at the first RPC.
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = fs.readFileSync(file, 'utf8');
    delete process.env.GRPC_XDS_BOOTSTRAP;
  } else if (a === '--deadline-ms') {
    deadlineMs = Number(args[++i]);
    if (!Number.isInteger(deadlineMs) || deadlineMs <= 0) usage('--deadline-ms needs a positive integer');
  } else if (a === '--trace') {
    trace = true;
  } else if (target === null && !a.startsWith('--')) {
    target = a;
  } else {
    usage(`unexpected argument ${a}`);
  }
}
if (target === null) usage('no target');
if (trace) {
  // grpc-js reads these when it is loaded, so before the require below.
  process.env.GRPC_TRACE = process.env.GRPC_TRACE || 'xds_client,xds_resolver';
  process.env.GRPC_VERBOSITY = process.env.GRPC_VERBOSITY || 'DEBUG';
}

const grpc = require('@grpc/grpc-js');
const grpcXds = require('@grpc/grpc-js-xds');
grpcXds.register(); // before the channel: it adds the xds: resolver and the xDS LB policies

const METHOD = '/llmxds.test.Backend/Who';
const serialize = (s) => Buffer.from(s, 'utf8');
const deserialize = (b) => b.toString('utf8');
const codeNames = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));
const stateNames = Object.fromEntries(
  Object.entries(grpc.connectivityState).map(([k, v]) => [v, k])
);

const client = new grpc.Client(target, grpc.credentials.createInsecure());

function callOnce(header) {
  const metadata = new grpc.Metadata();
  if (header) {
    metadata.set(header[0], header[1]);
  }
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      METHOD,
      serialize,
      deserialize,
      '',
      metadata,
      { deadline: Date.now() + deadlineMs },
      (err, value) => resolve(err ? { err } : { value })
    );
  });
}

async function calls(n, header) {
  const ok = {};
  const errors = {};
  let lastError = null;
  for (let i = 0; i < n; i++) {
    const r = await callOnce(header);
    if (r.err) {
      const code = codeNames[r.err.code] || String(r.err.code);
      errors[code] = (errors[code] || 0) + 1;
      lastError = `${code}: ${r.err.details}`;
    } else {
      ok[r.value] = (ok[r.value] || 0) + 1;
    }
  }
  return { ok, errors, lastError };
}

function versionOf(pkg) {
  try {
    return require(`${pkg}/package.json`).version;
  } catch (e) {
    return null;
  }
}

function answer(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function quit() {
  client.close();
  process.exit(0);
}

answer({
  started: true,
  grpcJs: versionOf('@grpc/grpc-js'),
  grpcJsXds: versionOf('@grpc/grpc-js-xds'),
});

// Commands run one at a time, in order.
let queue = Promise.resolve();
const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  queue = queue.then(async () => {
    const words = line.trim().split(/\s+/);
    try {
      if (words[0] === 'call') {
        const n = words.length === 2 || words.length === 4 ? Number(words[1]) : NaN;
        if (!Number.isInteger(n) || n < 1 || n > 100000) {
          answer({ error: `call needs a count 1..100000 and optionally a header and value: ${line}` });
        } else {
          answer(await calls(n, words.length === 4 ? [words[2], words[3]] : null));
        }
      } else if (words[0] === 'state') {
        answer({ state: stateNames[client.getChannel().getConnectivityState(false)] });
      } else if (words[0] === 'quit') {
        quit();
      } else {
        answer({ error: `unknown command: ${line}` });
      }
    } catch (e) {
      answer({ error: String(e && e.stack ? e.stack : e) });
    }
  });
});
rl.on('close', () => queue.then(quit));
