/**
 * @module cli/commands/ingest
 * `graphrec ingest <dataset>`: loads a dataset into Neo4j (batched, idempotent, resumable) and prints the report.
 */
import { createWriteStream } from 'node:fs';
import { loadConfig } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { createProgress } from '../../core/progress.ts';
import { INGEST_MODES, ingestDataset, type IngestMode } from '../../ingest/ingest.ts';
import { parseEncoding } from '../../ingest/formats/generic.ts';
import { resolveDataset } from '../../ingest/resolve.ts';
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
  --mode M         auto (default): Neo4j's offline bulk importer when the target is the local Neo4j, it is not
                   running elsewhere and its database is empty; online otherwise. bulk: the importer or an error.
                   online: the batched loader (any Neo4j, empty or not). Both give the same graph.
  --batch-size N   records per transaction [GRAPHREC_BATCH_SIZE or 5000]
  --in-flight N    online loader: transactions of one file in flight at once, 1–16 [GRAPHREC_INGEST_IN_FLIGHT or 2]
  --no-resume      re-merge every row even where a previous run finished (still idempotent)
  --reset          delete everything in the database first (with bulk: the importer replaces the store)
  --errors FILE    write every rejected row as JSON lines {file, line, reason}
  --encoding E     byte decoding of generic files: utf-8 (default) or latin1 (ISO-8859-1, e.g. HetRec's tags.dat)
  --format F       json (default) or csv (one line per rejected row)`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { mode: { type: 'string' }, 'batch-size': { type: 'string' }, 'in-flight': { type: 'string' }, 'no-resume': { type: 'boolean' }, reset: { type: 'boolean' }, errors: { type: 'string' }, format: { type: 'string' }, encoding: { type: 'string' } },
      true,
    );
    const format = parseFormat(values.format);
    const spec = positionals[0];
    if (!spec || positionals.length > 1) throw new AppError('BAD_REQUEST', 'ingest: give exactly one dataset (see --help)');
    const cfg = loadConfig();
    const batchSize = numberFlag('batch-size', values['batch-size'], cfg.ingest.batchSize, { integer: true, min: 1, max: 100_000 });
    const inFlight = numberFlag('in-flight', values['in-flight'], cfg.ingest.inFlight, { integer: true, min: 1, max: 16 });
    const mode = (values.mode ?? 'auto') as IngestMode;
    if (!INGEST_MODES.includes(mode)) throw new AppError('BAD_REQUEST', `--mode must be ${INGEST_MODES.join(', ')} (got ${JSON.stringify(values.mode)})`);
    const source = resolveDataset(spec, values.encoding !== undefined ? { encoding: parseEncoding(values.encoding) } : {});
    const errorsOut = values.errors ? createWriteStream(values.errors) : undefined;
    try {
      const report = await ingestDataset(cfg, source, {
        mode,
        reset: values.reset === true,
        batchSize,
        inFlight,
        bounds: cfg.bounds,
        resume: !values['no-resume'],
        weights: cfg.weights,
        progress: createProgress(process.stderr, { unit: 'rows' }),
        ...(errorsOut ? { onError: (e) => void errorsOut.write(JSON.stringify(e) + '\n') } : {}),
      });
      printResult(format, report, report.errors.map((e) => ({ file: e.file, line: e.line, reason: e.reason })), ['file', 'line', 'reason']);
    } finally {
      errorsOut?.end();
    }
  },
};
