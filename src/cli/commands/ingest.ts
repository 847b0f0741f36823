/**
 * @module cli/commands/ingest
 * `graphrec ingest <dataset>`: loads a dataset into Neo4j (batched, idempotent, resumable) and prints the report.
 */
import { createWriteStream } from 'node:fs';
import { loadConfig } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { createProgress } from '../../core/progress.ts';
import { loadDataset } from '../../ingest/load.ts';
import { resolveDataset } from '../../ingest/resolve.ts';
import { openDatabase } from '../../store/open.ts';
import { deleteAll } from '../../store/schema.ts';
import { numberFlag, parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'load a dataset into Neo4j (idempotent, resumable, per-row error report)',
  help: `usage: graphrec ingest <dataset> [options]

<dataset> is one of (see docs/data-formats.md):
  movielens:<ml-100k dir>                       MovieLens 100K (u.user, u.item, u.data)
  movielens-dbpedia:<ml-100k dir>,<dbpedia dir> MovieLens 100K + its DBpedia knowledge graph
  freebase:<ml-100k dir>,<kg dir>               MovieLens 100K + the Freebase KG (RecBole atomic files)
  kgcn:<dir>                                    KGCN Last.FM
  lightgcn:<dir>                                LightGCN train.txt/test.txt
  generic:<dir or file>                         the documented CSV/TSV/JSONL format
  demo                                          the seeded demo catalogue
  <dir>                                         auto-detected by its files

Options:
  --batch-size N   records per transaction [GRAPHREC_BATCH_SIZE or 5000]
  --no-resume      re-merge every row even where a previous run finished (still idempotent)
  --reset          delete everything in the database first
  --errors FILE    write every rejected row as JSON lines {file, line, reason}
  --format F       json (default) or csv (one line per rejected row)`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { 'batch-size': { type: 'string' }, 'no-resume': { type: 'boolean' }, reset: { type: 'boolean' }, errors: { type: 'string' }, format: { type: 'string' } },
      true,
    );
    const format = parseFormat(values.format);
    const spec = positionals[0];
    if (!spec || positionals.length > 1) throw new AppError('BAD_REQUEST', 'ingest: give exactly one dataset (see --help)');
    const cfg = loadConfig();
    const batchSize = numberFlag('batch-size', values['batch-size'], cfg.ingest.batchSize, { integer: true, min: 1, max: 100_000 });
    const source = resolveDataset(spec);
    const db = await openDatabase(cfg);
    const errorsOut = values.errors ? createWriteStream(values.errors) : undefined;
    try {
      if (values.reset) await deleteAll(db);
      const report = await loadDataset(db, source, {
        batchSize,
        bounds: cfg.bounds,
        resume: !values['no-resume'],
        progress: createProgress(process.stderr, { unit: 'rows' }),
        ...(errorsOut ? { onError: (e) => void errorsOut.write(JSON.stringify(e) + '\n') } : {}),
      });
      printResult(format, report, report.errors.map((e) => ({ file: e.file, line: e.line, reason: e.reason })), ['file', 'line', 'reason']);
    } finally {
      errorsOut?.end();
      await db.close();
    }
  },
};
