/** The online loader's transactions in flight come from one setting: config `ingest.inFlight` (env, CLI flag). */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.ts';
import { LOAD_DEFAULTS } from '../../src/ingest/load.ts';

describe('ingest.inFlight', () => {
  it('defaults to the loader default and reads GRAPHREC_INGEST_IN_FLIGHT', () => {
    expect(loadConfig({ env: {} }).ingest.inFlight).toBe(LOAD_DEFAULTS.inFlight);
    expect(LOAD_DEFAULTS.inFlight).toBe(2);
    expect(loadConfig({ env: { GRAPHREC_INGEST_IN_FLIGHT: '4' } }).ingest.inFlight).toBe(4);
  });

  it('refuses a value outside 1–16 with the setting named', () => {
    for (const bad of ['0', '17', '1.5', 'two']) expect(() => loadConfig({ env: { GRAPHREC_INGEST_IN_FLIGHT: bad } })).toThrow(/inFlight|IN_FLIGHT/);
  });
});
