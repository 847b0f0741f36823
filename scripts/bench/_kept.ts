/**
 * What the benches share: reading their `--flag value` options, and the graph folders `npm run bench -- scale --
 * --keep DIR` leaves (its Neo4j data and snapshots), which `bench scale --reuse` and `bench engines` open again.
 */
import path from 'node:path';
import { loadConfig, type Config } from '../../src/core/config.ts';
import { KIND_CODES, type Csr } from '../../src/project/csr.ts';
import { parseNodeKey } from '../../src/project/load.ts';
import { benchConfig } from './_neo4j.ts';

/** `flag('--name')`: the value after `--name` in `argv`, or undefined. */
export function flagsOf(argv: string[]): (name: string) => string | undefined {
  return (name) => {
    const k = argv.indexOf(name);
    return k >= 0 ? argv[k + 1] : undefined;
  };
}

/** The config of the local Neo4j whose data folder is `dir/neo4j`: the bench port, a page cache that holds a 10M graph's store. */
export function keptConfig(dir: string): Config {
  const base = benchConfig();
  return loadConfig({
    overrides: {
      neo4j: { localPort: base.neo4j.localPort, localDataDir: path.join(dir, 'neo4j'), localPageCacheMb: Number(process.env.GRAPHREC_NEO4J_PAGECACHE_MB ?? 2048), startTimeoutS: Math.max(base.neo4j.startTimeoutS, 900) },
    },
  });
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Up to `max` distinct user ids of the graph, in a fixed scattered order (the same users on every run). */
export function scatteredUsers(csr: Csr, max: number): string[] {
  const users: string[] = [];
  for (let v = 0; v < csr.nodeCount; v++) if (csr.kinds[v] === KIND_CODES.User) users.push(parseNodeKey(csr.ids.at(v)!).id);
  const n = Math.min(max, users.length);
  // A stride coprime with the count visits distinct users in a scattered order.
  let stride = 7919 % users.length || 1;
  while (gcd(stride, users.length) !== 1) stride++;
  return Array.from({ length: n }, (_, k) => users[(k * stride) % users.length]!);
}
