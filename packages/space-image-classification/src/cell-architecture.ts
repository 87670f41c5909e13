import { categorical, type Architecture, type CategoricalVariable } from '@asng/core';

/** The operations of the ENAS micro search space, in the authors' order. */
export const CELL_OPERATIONS = ['identity', 'avg_pool_3x3', 'max_pool_3x3', 'sep_conv_3x3', 'sep_conv_5x5'] as const;

/** One operation a node may apply to one of its inputs. */
export type CellOperation = (typeof CELL_OPERATIONS)[number];

/** The two kinds of cell; each has its own architecture. */
export const CELL_TYPES = ['normal', 'reduction'] as const;

/** A kind of cell: `'normal'` keeps the resolution, `'reduction'` halves it and doubles the channels. */
export type CellType = (typeof CELL_TYPES)[number];

/** One node of a decoded cell: `output = ops[0](state[inputs[0]]) + ops[1](state[inputs[1]])`. */
export interface CellNode {
  /** Indices into the cell's states: 0 and 1 are the cell inputs, `2 + k` is node `k`. */
  readonly inputs: readonly [number, number];
  /** The operation applied to each input. */
  readonly ops: readonly [CellOperation, CellOperation];
}

/** A cell of one type decoded from an architecture. */
export interface CellGenotype {
  /** The nodes, in order. */
  readonly nodes: readonly CellNode[];
  /** The nodes no other node consumes, in order: their outputs are concatenated into the cell output. */
  readonly outputNodes: readonly number[];
}

/** The label of state `index` of a cell: `'cell input 0'`, `'cell input 1'`, `'node 0'`, ... */
export function stateLabel(index: number): string {
  return index < 2 ? `cell input ${index}` : `node ${index - 2}`;
}

/**
 * The categorical variables of one cell type: per node, `input1`, `input2`
 * (among the two cell inputs and the earlier nodes) and `op1`, `op2`.
 */
export function cellVariables(type: CellType, nodes: number, operations: readonly CellOperation[]): CategoricalVariable[] {
  const out: CategoricalVariable[] = [];
  for (let i = 0; i < nodes; i++) {
    const inputs = Array.from({ length: i + 2 }, (_, k) => stateLabel(k));
    const where = `${type} cell, node ${i}`;
    out.push(
      categorical(`${type}.node${i}.input1`, inputs, `${where}: first input ('cell input 0' is the output of the cell before the previous one)`),
      categorical(`${type}.node${i}.input2`, inputs, `${where}: second input`),
      categorical(`${type}.node${i}.op1`, [...operations], `${where}: operation on the first input`),
      categorical(`${type}.node${i}.op2`, [...operations], `${where}: operation on the second input`),
    );
  }
  return out;
}

/** Decodes the cell of `type` from a (validated) architecture. */
export function decodeCell(architecture: Architecture, type: CellType, nodes: number): CellGenotype {
  const decoded: CellNode[] = [];
  const consumed = new Array<boolean>(nodes + 2).fill(false);
  for (let i = 0; i < nodes; i++) {
    const input = (k: 1 | 2): number => {
      const label = String(architecture[`${type}.node${i}.input${k}`]);
      const index = label.startsWith('cell input ') ? Number(label.slice(11)) : 2 + Number(label.slice(5));
      if (!(Number.isInteger(index) && index >= 0 && index < i + 2)) {
        throw new TypeError(
          `architecture.${type}.node${i}.input${k}: expected one of 'cell input 0', 'cell input 1' or an earlier node, got ${JSON.stringify(label)}`,
        );
      }
      return index;
    };
    const inputs = [input(1), input(2)] as const;
    consumed[inputs[0]] = consumed[inputs[1]] = true;
    decoded.push({ inputs, ops: [architecture[`${type}.node${i}.op1`] as CellOperation, architecture[`${type}.node${i}.op2`] as CellOperation] });
  }
  const outputNodes = Array.from({ length: nodes }, (_, k) => k).filter((k) => !consumed[k + 2]);
  return { nodes: decoded, outputNodes };
}
