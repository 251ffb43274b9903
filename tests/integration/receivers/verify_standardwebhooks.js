#!/usr/bin/env node
// Verifies recorded webhook requests with the receivers' own library, the npm package
// `standardwebhooks` (installed here by `npm ci` from package-lock.json).
//
// Usage: node verify_standardwebhooks.js LOG SECRET [PATH]
//   LOG     JSON lines written by http_receiver.py
//   SECRET  the webhook's signing_secret ("whsec_...")
//   PATH    only requests to this path (default: all)
// Prints "verified N" and exits 0 when every request verifies (and there was at least one);
// otherwise prints each failure and exits 1.
'use strict';

const fs = require('fs');
const { Webhook } = require('standardwebhooks');

function main(argv) {
  if (argv.length < 2) {
    console.error('usage: verify_standardwebhooks.js LOG SECRET [PATH]');
    return 2;
  }
  const [logPath, secret, onlyPath] = argv;
  const wh = new Webhook(secret);
  const lines = fs.readFileSync(logPath, 'utf8').split('\n').filter((l) => l.trim() !== '');
  let verified = 0;
  let failed = 0;
  for (const line of lines) {
    const rec = JSON.parse(line);
    if (onlyPath && rec.path !== onlyPath) continue;
    const body = Buffer.from(rec.body_b64, 'base64');
    try {
      const payload = wh.verify(body, rec.headers);
      if (typeof payload !== 'object' || payload === null) throw new Error('payload not an object');
      verified++;
    } catch (e) {
      failed++;
      console.log(`FAIL ${rec.path} webhook-id=${rec.headers['webhook-id']}: ${e.message}`);
    }
  }
  console.log(`verified ${verified}`);
  if (failed > 0 || verified === 0) return 1;
  return 0;
}

process.exitCode = main(process.argv.slice(2));
