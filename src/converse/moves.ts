/**
 * @module converse/moves
 * What a person can say in one turn of a conversation, as structured moves the engine understands (issue 13). The
 * API's zod schema (`api/schemas.ts` `ConverseMoveSchema`) is checked against these types at compile time.
 *
 * | move | says | effect on the session |
 * | --- | --- | --- |
 * | `seed {node, weight?}` | "like *Alien*", "something with Tom Hanks" | the item/entity becomes a seed (weight added, default 1) |
 * | `more {node}` | "more like *Y*" | Y's seed weight + 1 (a new seed starts at 2: stronger than a plain seed) |
 * | `less {node}` | "less like *X*" | X's seed weight halved (dropped below 0.25); X joins the negative seeds, whose PPR neighbourhood is pushed down the list; an item X is never shown again |
 * | `exclude {entity}` | "no horror", "not this director" | no item linked to the entity (either direction) is shown; it stops being a seed |
 * | `require {entity}` | "only with Tom Hanks" | every item shown links to the entity |
 * | `reject {items}` | "not these" | the items are never shown again |
 * | `property {name, op, value}` | "before 1990", "language: fr" | every item shown has the property and it compares so (`lt le gt ge eq ne`) |
 * | `older`/`newer`/`shorter`/`longer {than?}` | "older", "shorter than *Alien*" | sugar for `property` on `year` / `runtime`, relative to the `than` item or else to the median of the list shown last |
 * | `keywords {text}` | "space opera" | the names it matches (retrieve/keywords, the keyword cold start) become seeds, weighted by match score |
 * | `unseed {node}` | "forget *Alien*" | the node stops being a seed or a negative seed |
 *
 * Node references are `{ kind: 'Item' | 'Entity', id }`; item ids may be bare dataset ids (`1` → `ml100k:i:1`) as
 * elsewhere in the API.
 */
import type { PropValue } from '../core/model.ts';

export interface ConverseNode {
  kind: 'Item' | 'Entity';
  id: string;
}

export const PROPERTY_OPS = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const;
export type PropertyOp = (typeof PROPERTY_OPS)[number];

/** Relative critiques: which property they compare and in which direction. */
export const RELATIVE_MOVES = {
  older: { property: 'year', op: 'lt' },
  newer: { property: 'year', op: 'gt' },
  shorter: { property: 'runtime', op: 'lt' },
  longer: { property: 'runtime', op: 'gt' },
} as const satisfies Record<string, { property: string; op: PropertyOp }>;
export type RelativeMoveType = keyof typeof RELATIVE_MOVES;
export const RELATIVE_MOVE_TYPES = Object.keys(RELATIVE_MOVES) as RelativeMoveType[];

export type Move =
  | { type: 'seed'; node: ConverseNode; weight?: number }
  | { type: 'more'; node: ConverseNode }
  | { type: 'less'; node: ConverseNode }
  | { type: 'unseed'; node: ConverseNode }
  | { type: 'exclude'; entity: string }
  | { type: 'require'; entity: string }
  | { type: 'reject'; items: string[] }
  | { type: 'property'; name: string; op: PropertyOp; value: PropValue }
  | { type: RelativeMoveType; than?: string }
  | { type: 'keywords'; text: string };

export const MOVE_TYPES = ['seed', 'more', 'less', 'unseed', 'exclude', 'require', 'reject', 'property', ...RELATIVE_MOVE_TYPES, 'keywords'] as const;
export type MoveType = Move['type'];
