/**
 * `npm run bench -- evidence [--users N] [--k K] [--write FILE] [--after JSON]`: how often the STRONGEST evidence path of an
 * explanation goes through a knowledge entity, and which entities explanations use most, before and after entity
 * informativeness and the user's affinity entered the path score (explain/paths: `rareDegree`, `affinityExponent`).
 *
 * Datasets (../shared/data, never committed), graphs built straight from the files (no Neo4j):
 * - ML-100K + DBpedia: every rating (weight = rating) and the DBpedia item→entity edges (scripts/bench/_ml100k.ts).
 * - HetRec 2011 Last.fm: `user_artists.dat` listen counts under the default count transform (`weights.heavyTailTransform`,
 *   core/weight-transform) and the artist→tag pairs of `user_taggedartists.dat`, tag names from `tags.dat` (Latin-1).
 * For the first N users (by id), the top-k `hybrid` recommendations (the served function, without vectors: PPR, the
 * knowledge walk and popularity) are explained with `buildEvidence` twice: `before` = { rareDegree: 1,
 * affinityExponent: 0 } (the earlier score), `after` = the defaults. Reported per dataset and setting: the share of
 * explanations whose first path has an Entity node, the mean degree of those entities, and the 20 entities most used
 * in first paths. Also timed, for the defaults (`after`): the evidence of one user's k items built back to back, as one
 * `explain=paths` request builds them (`timing` line: p50 / p90 / p99 ms per user). With `--write FILE` the tables replace
 * the section between the markers
 * `<!-- evidence-bench:start -->` and `<!-- evidence-bench:end -->` of FILE (appended when absent).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../../src/core/config.ts';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { parseTransform, transformWeights } from '../../src/core/weight-transform.ts';
import { buildEvidence, type EvidenceContext } from '../../src/explain/evidence.ts';
import type { PathOptions } from '../../src/explain/paths.ts';
import { CsrBuilder, INTERACTION_RELATION, KIND_CODES, type Csr } from '../../src/project/csr.ts';
import { createRecommendContext } from '../../src/retrieve/context.ts';
import { recommend } from '../../src/retrieve/recommend.ts';
import { loadMl100kDbpedia } from './_ml100k.ts';

const emit = (o: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};
const round = (v: number): number => Math.round(v * 1e4) / 1e4;

export const SETTINGS: Record<'before' | 'after', Partial<PathOptions>> = { before: { rareDegree: 1, affinityExponent: 0 }, after: {} };

interface Graph {
  name: string;
  csr: Csr;
  users: string[];
  label(key: string): string | undefined;
}

function hetrecGraph(dir: string): Graph {
  const lines = (f: string) => readFileSync(path.join(dir, f), 'latin1').split('\n').slice(1).map((l) => l.replace(/\r$/, '')).filter((l) => l.length > 0);
  const tagName = new Map(lines('tags.dat').map((l) => l.split('\t') as [string, string]));
  const artistName = new Map(lines('artists.dat').map((l) => l.split('\t').slice(0, 2) as [string, string]));
  const rows = lines('user_artists.dat').map((l) => l.split('\t'));
  const w = transformWeights(parseTransform(DEFAULTS.weights.heavyTailTransform), rows.map((r) => Number(r[0])), rows.map((r) => Number(r[2])));
  const b = new CsrBuilder([INTERACTION_RELATION, 'tagged']);
  rows.forEach((r, k) => b.edge(b.node(`User:hetrec:u:${r[0]}`, KIND_CODES.User), b.node(`Item:hetrec:i:${r[1]}`, KIND_CODES.Item), 0, w[k]!));
  const seen = new Set<string>();
  for (const c of lines('user_taggedartists.dat').map((l) => l.split('\t'))) {
    const key = `${c[1]}\t${c[2]}`;
    if (seen.has(key) || !artistName.has(c[1]!)) continue;
    seen.add(key);
    b.edge(b.node(`Item:hetrec:i:${c[1]}`, KIND_CODES.Item), b.node(`Entity:hetrec:tag:${c[2]}`, KIND_CODES.Entity), 1, 1);
  }
  const users = [...new Set(rows.map((r) => Number(r[0])))].sort((a, b) => a - b).map((u) => `hetrec:u:${u}`);
  return {
    name: `HetRec 2011 Last.fm (listen counts, ${DEFAULTS.weights.heavyTailTransform}; tags)`,
    csr: b.build(),
    users,
    label: (key) => {
      const m = /^(Item|Entity):hetrec:(i|tag):(.*)$/.exec(key);
      if (!m) return undefined;
      return m[2] === 'i' ? artistName.get(m[3]!) : `tag "${tagName.get(m[3]!) ?? m[3]}"`;
    },
  };
}

function ml100kGraph(): Graph {
  const csr = loadMl100kDbpedia();
  const users = Array.from({ length: 943 }, (_, u) => `ml100k:u:${u + 1}`);
  return {
    name: 'ML-100K + DBpedia (ratings; director, starring, writer, producer, distributor, cinematography, subject)',
    csr,
    users,
    label: (key) => (key.startsWith('Entity:dbpedia:') ? decodeURIComponent(key.slice('Entity:dbpedia:'.length)).replace(/_/g, ' ') : undefined),
  };
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

interface Measured {
  explanations: number;
  viaEntity: number;
  share: number;
  meanEntityDegree: number;
  top: Array<{ entity: string; uses: number; degree: number }>;
}

export async function main(argv: string[]): Promise<void> {
  const nUsers = Number(flag(argv, 'users') ?? 200);
  const k = Number(flag(argv, 'k') ?? 5);
  const out = flag(argv, 'write');
  // `--after JSON`: path options to compare with `before` instead of the defaults (exploration; not for --write).
  const afterJson = flag(argv, 'after');
  if (afterJson) SETTINGS.after = JSON.parse(afterJson) as Partial<PathOptions>;
  if (afterJson && out) throw new Error('bench evidence: --after is for exploration; --write records the defaults');
  const hetrecDir = path.join(SHARED_DATA_DIR, 'hetrec2011-lastfm-2k');
  if (!existsSync(path.join(hetrecDir, 'user_artists.dat')) || !existsSync(path.join(SHARED_DATA_DIR, 'ml-100k', 'u.data'))) {
    emit({ error: `bench evidence needs ${hetrecDir}, ml-100k and ml-100k-dbpedia under ${SHARED_DATA_DIR} (absent)` });
    process.exitCode = 1;
    return;
  }
  const t0 = performance.now();
  const results: Array<{ graph: string; before: Measured; after: Measured }> = [];
  for (const g of [ml100kGraph(), hetrecGraph(hetrecDir)]) {
    const ctx = createRecommendContext(g.csr);
    const evCtx: EvidenceContext = { csr: g.csr, transition: ctx.transition, labels: g.label };
    const degree = (key: string): number => {
      const v = g.csr.index.get(key)!;
      return g.csr.outStarts[v + 1]! - g.csr.outStarts[v]! + g.csr.inStarts[v + 1]! - g.csr.inStarts[v]!;
    };
    const pairs: Array<[string, string]> = [];
    for (const user of g.users.slice(0, nUsers)) for (const it of recommend(ctx, { user, k, strategy: 'hybrid' }).items) pairs.push([user, it.id]);
    const row: Partial<Record<'before' | 'after', Measured>> = {};
    for (const [name, paths] of Object.entries(SETTINGS) as Array<['before' | 'after', Partial<PathOptions>]>) {
      const uses = new Map<string, { label: string; uses: number }>();
      let via = 0;
      let degSum = 0;
      let degN = 0;
      // Per user: the time of its k evidences, built one after another (pairs are grouped by user).
      const perUser = new Map<string, number>();
      for (const [user, item] of pairs) {
        const started = performance.now();
        const ev = buildEvidence(evCtx, { user, item }, { paths });
        perUser.set(user, (perUser.get(user) ?? 0) + performance.now() - started);
        const first = ev.paths[0];
        const ents = first ? first.nodes.filter((n) => n.kind === 'Entity') : [];
        if (ents.length > 0) via++;
        for (const e of ents) {
          const u = uses.get(e.key) ?? { label: e.label, uses: 0 };
          u.uses++;
          uses.set(e.key, u);
          degSum += degree(e.key);
          degN++;
        }
      }
      const top = [...uses.entries()]
        .sort((a, b) => b[1].uses - a[1].uses || a[0].localeCompare(b[0]))
        .slice(0, 20)
        .map(([key, u]) => ({ entity: u.label, uses: u.uses, degree: degree(key) }));
      row[name] = { explanations: pairs.length, viaEntity: via, share: round(via / Math.max(pairs.length, 1)), meanEntityDegree: round(degSum / Math.max(degN, 1)), top };
      emit({ stage: 'measured', graph: g.name, setting: name, paths, ...row[name] });
      if (name === 'after') {
        const ms = [...perUser.values()].sort((a, b) => a - b);
        const at = (q: number) => round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? NaN);
        emit({ stage: 'timing', graph: g.name, users: ms.length, k, msPerUser: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) } });
      }
    }
    results.push({ graph: g.name, before: row.before!, after: row.after! });
  }
  const date = new Date().toISOString().slice(0, 10);
  if (out) writeSection(out, results, { nUsers, k, date });
  emit({ users: nUsers, k, settings: SETTINGS, results: results.map((r) => ({ graph: r.graph, before: { share: r.before.share, meanEntityDegree: r.before.meanEntityDegree }, after: { share: r.after.share, meanEntityDegree: r.after.meanEntityDegree } })), seconds: round((performance.now() - t0) / 1000) });
}

const START = '<!-- evidence-bench:start -->';
const END = '<!-- evidence-bench:end -->';

function writeSection(file: string, results: Array<{ graph: string; before: Measured; after: Measured }>, run: { nUsers: number; k: number; date: string }): void {
  const md: string[] = [START, '## Entities in the strongest evidence path (`npm run bench -- evidence`)', ''];
  md.push(
    `Written by \`npm run bench -- evidence --users ${run.nUsers} --k ${run.k} --write docs/explanations-sample.md\` on ${run.date}. For the first ${run.nUsers} users of each`,
    `dataset, the top-${run.k} \`hybrid\` recommendations (served function, no vectors) are explained; "via entity" = the first (strongest)`,
    'path passes through a knowledge entity. `before` = the path score without entity informativeness and affinity',
    '(`rareDegree: 1, affinityExponent: 0`); `after` = the defaults (`rareDegree: \'auto\'`, `rareExponent: 1`,',
    '`affinityExponent: 0.5`, see src/explain/paths.ts). Degree = the entity\'s edges in the graph.',
    '',
    '| dataset | setting | explanations | via entity | share | mean degree of the entities used |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const r of results) {
    for (const s of ['before', 'after'] as const) md.push(`| ${r.graph} | ${s} | ${r[s].explanations} | ${r[s].viaEntity} | ${r[s].share} | ${r[s].meanEntityDegree} |`);
  }
  for (const r of results) {
    md.push('', `### ${r.graph}: the 20 most-used entities`, '', '| # | before | uses | degree | after | uses | degree |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (let i = 0; i < 20; i++) {
      const b = r.before.top[i];
      const a = r.after.top[i];
      md.push(`| ${i + 1} | ${b ? b.entity.replace(/\|/g, '\\|') : ''} | ${b?.uses ?? ''} | ${b?.degree ?? ''} | ${a ? a.entity.replace(/\|/g, '\\|') : ''} | ${a?.uses ?? ''} | ${a?.degree ?? ''} |`);
    }
  }
  md.push(END);
  const section = md.join('\n');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Explanation samples\n';
  const s = text.indexOf(START);
  const e = text.indexOf(END);
  const next = s >= 0 && e > s ? text.slice(0, s) + section + text.slice(e + END.length) : text.replace(/\n*$/, '\n\n') + section + '\n';
  writeFileSync(file, next);
}
