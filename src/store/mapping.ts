/**
 * @module store/mapping
 * The graph mapping ("bring your own graph", docs/graph-mapping.md): which labels of an existing Neo4j schema are
 * users, items and knowledge entities, which relationship types are interactions and knowledge relations, and which
 * properties hold ids, titles, names, weights, ratings and timestamps. A JSON file (`GRAPHREC_GRAPH_MAPPING` /
 * `--mapping FILE`), validated here with zod; errors name the path of the bad field.
 *
 * Without a mapping file graphrec reads its own model (User/Item/Entity, INTERACTED/RELATED) through its own
 * statements, exactly as before; {@link DEFAULT_MAPPING} writes that model down in this format (docs, tests).
 *
 * Quoting rule (the only way a name from the mapping reaches Cypher text): labels, relationship types and property
 * keys cannot be Cypher parameters in MATCH on Neo4j 5.26 (dynamic `$(…)` labels in MATCH came with Cypher 25, Neo4j
 * 2025.06). So the statements under `cypher/mapped/` hold placeholders that {@link renderMapped} fills only with names
 * that (a) come from the validated mapping file, never from a request, (b) exist in the database
 * (`db.labels()`, `db.relationshipTypes()`, `db.propertyKeys()`, checked by {@link checkMappingAgainstDatabase}), and
 * (c) are backtick-quoted by {@link quoteName}; a name holding a backtick (or a control character) is refused when the
 * file is read. Ids and every other value are parameters.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';

const NAME = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((s) => !s.includes('`'), 'must not contain a backtick (names are backtick-quoted in Cypher)')
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

const ID_TYPE = z.enum(['string', 'integer']).default('string');
/** Prepended to the stored id to make graphrec's id (so two labels of one kind never collide); '' = the id as stored. */
const PREFIX = z.string().max(100).default('');

const NodeBase = {
  label: NAME,
  /** Property holding the node's id (unique within the label). */
  id: NAME,
  idType: ID_TYPE,
  prefix: PREFIX,
};

const UserMapping = z.strictObject({ ...NodeBase });
const ItemMapping = z.strictObject({ ...NodeBase, /** Property holding the title; defaults to the id property. */ title: NAME.optional() });
const EntityMapping = z.strictObject({
  ...NodeBase,
  /** Display-name property (may be the id property itself, e.g. a Category keyed by its name). */
  name: NAME.optional(),
  /** What the entity is (genre, person, category, brand, …). */
  kind: z.string().min(1).max(100),
});
const InteractionMapping = z.strictObject({
  type: NAME,
  /** `out`: stored (user)-[:TYPE]->(item); `in`: stored (item)-[:TYPE]->(user). */
  direction: z.enum(['out', 'in']).default('out'),
  /** graphrec's interaction kind: rating, purchase, click, listen, … */
  kind: z.string().min(1).max(100),
  /** Property with the explicit rating (also the weight when `weight` is not set). */
  rating: NAME.optional(),
  /** Property with the strength (quantity, play count); absent: the rating, else 1. */
  weight: NAME.optional(),
  /** Property with the time: integer Unix seconds or a Neo4j date/time value. */
  timestamp: NAME.optional(),
});
const RelationMapping = z.strictObject({
  type: NAME,
  /**
   * `out`: the stored direction is graphrec's head → tail (item → entity, e.g. (:Movie)-[:IN_GENRE]->(:Genre));
   * `in`: stored tail → head (e.g. (:Actor)-[:ACTED_IN]->(:Movie), whose head is the movie).
   */
  direction: z.enum(['out', 'in']).default('out'),
  /**
   * The relation name graphrec uses in the projection, the evidence and the text (default: the type). The text
   * picks its phrase from it (explain/text: "starring" → "both star …", "genre", "director", "category", …).
   */
  relation: z.string().min(1).max(200).optional(),
});

export const GraphMappingSchema = z.strictObject({
  users: z.array(UserMapping).min(1, 'needs at least one user label'),
  items: z.array(ItemMapping).min(1, 'needs at least one item label'),
  interactions: z.array(InteractionMapping).min(1, 'needs at least one interaction type'),
  entities: z.array(EntityMapping).default([]),
  relations: z.array(RelationMapping).default([]),
});

export type GraphMapping = z.infer<typeof GraphMappingSchema>;
export type UserLabelMapping = z.infer<typeof UserMapping>;
export type ItemLabelMapping = z.infer<typeof ItemMapping>;
export type EntityLabelMapping = z.infer<typeof EntityMapping>;
export type InteractionTypeMapping = z.infer<typeof InteractionMapping>;
export type RelationTypeMapping = z.infer<typeof RelationMapping>;

/** graphrec's own model written as a mapping (what a start without a mapping file reads, through its own statements). */
export const DEFAULT_MAPPING_JSON = {
  users: [{ label: 'User', id: 'id' }],
  items: [{ label: 'Item', id: 'id', title: 'title' }],
  interactions: [{ type: 'INTERACTED', kind: '(the edge property kind)', rating: 'rating', weight: 'weight', timestamp: 'ts' }],
  entities: [{ label: 'Entity', id: 'id', name: 'name', kind: '(the node property kind)' }],
  relations: [{ type: 'RELATED', relation: '(the edge property relation)' }],
} as const;

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)';
}

/** Validates a parsed mapping; throws CONFIG naming the path of the first bad field (e.g. `items[0].label`). */
export function parseGraphMapping(raw: unknown, source = 'mapping'): GraphMapping {
  const parsed = GraphMappingSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${issuePath(i.path)}: ${i.message}`);
    throw new AppError('CONFIG', `graph mapping ${source}: ${issues[0]}`, { issues });
  }
  const m = parsed.data;
  const kindOf = new Map<string, string>();
  const labelled: Array<[string, string, string]> = [
    ...m.users.map((u, i) => ['user', u.label, `users[${i}].label`] as [string, string, string]),
    ...m.items.map((u, i) => ['item', u.label, `items[${i}].label`] as [string, string, string]),
    ...m.entities.map((u, i) => ['entity', u.label, `entities[${i}].label`] as [string, string, string]),
  ];
  for (const [kind, label, at] of labelled) {
    if (kindOf.has(label)) throw new AppError('CONFIG', `graph mapping ${source}: ${at}: label ${JSON.stringify(label)} is mapped twice (as ${kindOf.get(label)} and ${kind})`);
    kindOf.set(label, kind);
  }
  const types = new Set<string>();
  for (const [at, t] of [...m.interactions.map((x, i) => [`interactions[${i}].type`, x.type] as const), ...m.relations.map((x, i) => [`relations[${i}].type`, x.type] as const)]) {
    if (types.has(t)) throw new AppError('CONFIG', `graph mapping ${source}: ${at}: relationship type ${JSON.stringify(t)} is mapped twice`);
    types.add(t);
  }
  return m;
}

/** Reads and validates a mapping file. */
export function loadGraphMapping(file: string): GraphMapping {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AppError('CONFIG', `graph mapping ${file}: cannot read it as JSON: ${(error as Error).message}`);
  }
  return parseGraphMapping(raw, file);
}

/** `` `name` `` with backticks doubled (they are refused earlier; this is the second line of defence). */
export function quoteName(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** Every label, relationship type and property key the mapping names, with the field naming it. */
export function mappingNames(m: GraphMapping): { labels: Array<[string, string]>; types: Array<[string, string]>; props: Array<[string, string]> } {
  const labels: Array<[string, string]> = [];
  const types: Array<[string, string]> = [];
  const props: Array<[string, string]> = [];
  m.users.forEach((u, i) => (labels.push([u.label, `users[${i}].label`]), props.push([u.id, `users[${i}].id`])));
  m.items.forEach((u, i) => {
    labels.push([u.label, `items[${i}].label`]);
    props.push([u.id, `items[${i}].id`]);
    if (u.title) props.push([u.title, `items[${i}].title`]);
  });
  m.entities.forEach((u, i) => {
    labels.push([u.label, `entities[${i}].label`]);
    props.push([u.id, `entities[${i}].id`]);
    if (u.name) props.push([u.name, `entities[${i}].name`]);
  });
  m.interactions.forEach((x, i) => {
    types.push([x.type, `interactions[${i}].type`]);
    for (const key of ['rating', 'weight', 'timestamp'] as const) if (x[key]) props.push([x[key], `interactions[${i}].${key}`]);
  });
  m.relations.forEach((x, i) => types.push([x.type, `relations[${i}].type`]));
  return { labels, types, props };
}

/**
 * Checks every name of the mapping against the database's own lists (`CALL db.labels()`, `db.relationshipTypes()`,
 * `db.propertyKeys()`); throws CONFIG naming the field of the first name the database does not know.
 */
export function checkMappingAgainstDatabase(m: GraphMapping, known: { labels: ReadonlySet<string>; types: ReadonlySet<string>; props: ReadonlySet<string> }): void {
  const names = mappingNames(m);
  const missing: string[] = [];
  for (const [name, at] of names.labels) if (!known.labels.has(name)) missing.push(`${at}: label ${JSON.stringify(name)} is not among the database's labels (procedure db.labels)`);
  for (const [name, at] of names.types) if (!known.types.has(name)) missing.push(`${at}: relationship type ${JSON.stringify(name)} is not among the database's relationship types (procedure db.relationshipTypes)`);
  for (const [name, at] of names.props) if (!known.props.has(name)) missing.push(`${at}: property ${JSON.stringify(name)} is not among the database's property keys (procedure db.propertyKeys)`);
  if (missing.length > 0) throw new AppError('CONFIG', `graph mapping: ${missing[0]}`, { missing });
}

/** What a node label is in graphrec's model, as the mapped statements read it from `$nodes[label]`. */
export interface NodeDescriptor {
  kind: 'User' | 'Item' | 'Entity';
  id: string;
  prefix: string;
  /** Display property (users: the id property). */
  label: string;
  entityKind: string | null;
}

/** What a relationship type is, as the mapped statements read it from `$rels[type]`. */
export interface RelDescriptor {
  type: 'INTERACTED' | 'RELATED';
  /** Interaction kind or relation name. */
  relation: string;
  weight: string | null;
  /** Stored against graphrec's direction (user→item, head→tail). */
  reversed: boolean;
}

/** A validated mapping, checked against a database, with the lookups the mapped store needs. */
export class ResolvedMapping {
  readonly nodes: Record<string, NodeDescriptor> = {};
  readonly rels: Record<string, RelDescriptor> = {};

  constructor(readonly mapping: GraphMapping) {
    for (const u of mapping.users) this.nodes[u.label] = { kind: 'User', id: u.id, prefix: u.prefix, label: u.id, entityKind: null };
    for (const u of mapping.items) this.nodes[u.label] = { kind: 'Item', id: u.id, prefix: u.prefix, label: u.title ?? u.id, entityKind: null };
    for (const u of mapping.entities) this.nodes[u.label] = { kind: 'Entity', id: u.id, prefix: u.prefix, label: u.name ?? u.id, entityKind: u.kind };
    for (const x of mapping.interactions) this.rels[x.type] = { type: 'INTERACTED', relation: x.kind, weight: x.weight ?? x.rating ?? null, reversed: x.direction === 'in' };
    for (const x of mapping.relations) this.rels[x.type] = { type: 'RELATED', relation: x.relation ?? x.type, weight: null, reversed: x.direction === 'in' };
  }

  /** The mapped labels of one kind. */
  labelsOf(kind: 'User' | 'Item' | 'Entity'): Array<UserLabelMapping | ItemLabelMapping | EntityLabelMapping> {
    return kind === 'User' ? this.mapping.users : kind === 'Item' ? this.mapping.items : this.mapping.entities;
  }

  /**
   * The labels of `kind` whose prefix `id` carries, each with the stored id value to match (integer ids parsed;
   * an id that cannot be one is left out).
   */
  candidates(kind: 'User' | 'Item' | 'Entity', id: string): Array<{ label: string; idProp: string; value: string | number }> {
    const out: Array<{ label: string; idProp: string; value: string | number }> = [];
    for (const m of this.labelsOf(kind)) {
      if (!id.startsWith(m.prefix)) continue;
      const raw = id.slice(m.prefix.length);
      if (m.idType === 'integer') {
        if (!/^-?\d{1,15}$/.test(raw)) continue;
        out.push({ label: m.label, idProp: m.id, value: Number(raw) });
      } else out.push({ label: m.label, idProp: m.id, value: raw });
    }
    return out;
  }

  /** Parameters every mapped statement receives. */
  params(): { nodes: Record<string, NodeDescriptor>; rels: Record<string, RelDescriptor>; nodeLabels: string[]; relTypes: string[] } {
    return { nodes: this.nodes, rels: this.rels, nodeLabels: Object.keys(this.nodes), relTypes: Object.keys(this.rels) };
  }

  /** Every mapped relationship type, quoted and joined for a `[:A|B]` pattern. */
  allTypes(): string {
    return Object.keys(this.rels).map(quoteName).join('|');
  }
}

/** Placeholders of `cypher/mapped/*.cypher`: each filled only with a quoted name of the resolved mapping. */
export interface MappedPlaceholders {
  label?: string;
  idProp?: string;
  fromLabel?: string;
  fromId?: string;
  toLabel?: string;
  toId?: string;
  type?: string;
  /** Every mapped relationship type (`A|B|C`, each quoted). */
  types?: true;
  hops?: number;
  /** Name of an index graphrec creates (store/mapped-schema: `graphrec_map_` + letters, digits, `_`). */
  indexName?: string;
}

/**
 * Fills the placeholders of a mapped statement. Every label, type and property must be one the resolved mapping
 * names (so one the file named and the database has); it is quoted. Anything else throws INTERNAL.
 */
export function renderMapped(text: string, mapping: ResolvedMapping, values: MappedPlaceholders): string {
  const names = mappingNames(mapping.mapping);
  const labels = new Set(names.labels.map(([n]) => n));
  const types = new Set(names.types.map(([n]) => n));
  const props = new Set(names.props.map(([n]) => n));
  const allowed: Record<string, ReadonlySet<string>> = { label: labels, fromLabel: labels, toLabel: labels, type: types, idProp: props, fromId: props, toId: props };
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = (values as Record<string, unknown>)[key];
    if (key === 'types' && value === true) return mapping.allTypes();
    if (key === 'indexName') {
      if (typeof value !== 'string' || !/^graphrec_map_[A-Za-z0-9_]{1,100}$/.test(value)) throw new AppError('INTERNAL', 'cypher: {{indexName}} must be a graphrec_map_ index name');
      return quoteName(value);
    }
    if (key === 'hops') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 10) throw new AppError('BAD_REQUEST', 'cypher: hops must be an integer in 1..10');
      return String(value);
    }
    const set = allowed[key];
    if (!set || typeof value !== 'string' || !set.has(value)) throw new AppError('INTERNAL', `cypher: placeholder {{${key}}} needs a name of the graph mapping`);
    return quoteName(value);
  });
}
