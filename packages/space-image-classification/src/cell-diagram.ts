import { stateLabel, type CellGenotype, type CellType } from './cell-architecture.js';

/** One line per node and one for the output: `node 1 = sep_conv_3x3(cell input 0) + identity(node 0)`. */
export function cellText(type: CellType, genotype: CellGenotype): string {
  const lines = genotype.nodes.map((node, i) => `  node ${i} = ${node.ops[0]}(${stateLabel(node.inputs[0])}) + ${node.ops[1]}(${stateLabel(node.inputs[1])})`);
  const outs = genotype.outputNodes.map((k) => `node ${k}`).join(', ');
  return [`${type} cell:`, ...lines, `  output = ReLU-conv1x1-BN(concat(${outs}))`].join('\n');
}
