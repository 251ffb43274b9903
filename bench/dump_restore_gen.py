#!/usr/bin/env python3
"""Writes a valid webhooks dump (JSON Lines, store/dump_format.h) of N webhooks across M
organizations, for bench/dump_restore.sh. Records are cloned from a real one-webhook dump
(SEED, written by webhookctl dump) so that they match the storage encoding exactly.

usage: dump_restore_gen.py SEED OUT ORGS WEBHOOKS
"""
import hashlib
import json
import sys


def main():
    seed, out, n_orgs, n_webhooks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    lines = open(seed, encoding="utf-8").read().splitlines()
    header = json.loads(lines[0])
    records = [json.loads(l) for l in lines[1:-1]]
    org = next(r for r in records if r["kind"] == "org")
    webhook = next(r for r in records if r["kind"] == "webhook")
    seed_org = org["record"]["internal_id"]
    org_tmpl = json.dumps(org, separators=(",", ":"), ensure_ascii=False)
    key_tmpl = ('{"kind":"api_key","key_hash":"%s","record":{"internal_id":"%s",'
                '"prefix":"sk_live_%s","created_at":"2025-01-01T00:00:00Z"}}')
    wh = json.dumps(webhook, separators=(",", ":"), ensure_ascii=False)
    wh = (wh.replace(webhook["record"]["webhook_id"], "\x00ID\x00")
            .replace(seed_org, "\x00ORG\x00")
            .replace('"seq":%d' % webhook["record"]["seq"], '"seq":\x00SEQ\x00')
            .replace(webhook["record"]["webhook_name"], "Webhook ✓ \x00N\x00"))
    parts = wh.split("\x00")
    sha = hashlib.sha256()
    counts = {"org": 0, "api_key": 0, "webhook": 0, "delivery": 0, "cursor": 0}
    header["created_at"] = "2025-01-01T00:00:00Z"
    with open(out, "w", encoding="utf-8") as f:
        f.write(json.dumps(header, separators=(",", ":"), ensure_ascii=False) + "\n")
        buf = []

        def emit(kind, line):
            line += "\n"
            sha.update(line.encode("utf-8"))
            counts[kind] += 1
            buf.append(line)
            if len(buf) >= 10000:
                f.write("".join(buf))
                buf.clear()

        org_ids = ["int_%024d" % i for i in range(n_orgs)]
        for oid in org_ids:
            emit("org", org_tmpl.replace(seed_org, oid))
        keys = sorted((hashlib.sha256(oid.encode()).hexdigest(), oid) for oid in org_ids)
        for h, oid in keys:
            emit("api_key", key_tmpl % (h, oid, h[:6]))
        # Key order of the webhooks database: <internal_id>/<webhook_id>.
        per_org = n_webhooks // n_orgs
        seq = 0
        for o, oid in enumerate(org_ids):
            for k in range(per_org):
                seq += 1
                values = {"ID": "wh_%010d" % (o * per_org + k), "ORG": oid, "SEQ": str(seq),
                          "N": str(k)}
                emit("webhook", "".join(values.get(p, p) if i % 2 else p
                                        for i, p in enumerate(parts)))
        f.write("".join(buf))
        trailer = {"trailer": True, "records": sum(counts.values()), "counts": counts,
                   "sha256": sha.hexdigest()}
        f.write(json.dumps(trailer, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
