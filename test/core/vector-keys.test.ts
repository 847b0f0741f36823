/**
 * The node properties graphrec writes for itself (core/model VECTOR_PROPERTY_KEYS) are named twice: in TypeScript,
 * where reads leave them out of a node's props, and in the local Neo4j's serving version
 * (graph/src/main/java/graphrec/ServingVersion.java), which does not move when only they change. If the two lists
 * differed, a change the projection reads could leave the version unmoved (a stale snapshot), or the vector publish
 * would move it again. This reads the Java list and compares.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VECTOR_PROPERTY_KEYS } from '../../src/core/model.ts';
import { GRAPH_DIR } from '../../src/core/paths.ts';

describe('the vector property keys', () => {
  it('are the same in core/model and in the serving version of the local Neo4j', () => {
    const java = readFileSync(path.join(GRAPH_DIR, 'src/main/java/graphrec/ServingVersion.java'), 'utf8');
    const declared = /static final Set<String> VECTOR_KEYS = Set\.of\(([^)]*)\);/.exec(java);
    expect(declared, 'ServingVersion.java declares VECTOR_KEYS with Set.of(…)').not.toBeNull();
    const keys = [...declared![1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(keys.sort()).toEqual([...VECTOR_PROPERTY_KEYS].sort());
  });
});
