import type { SearchSpace } from './search-space.js';
import type { Architecture } from '@asng/core/base';

/*
 * An architecture as a graph of labelled boxes and arrows, for drawings. The
 * space says what is there (the cells' inputs, nodes, operations and output;
 * an encoder and its mirrored decoder); a renderer such as
 * `@asng/report-render` decides where each box goes. Plain JSON: it can be
 * written to a run directory and drawn later, in Node or in a browser.
 */

/**
 * One drawing, or one lane of a drawing: "normal cell", "encoder".
 * Groups that name the same `diagram` are drawn as lanes of one figure, one
 * lane under the other in the order of {@link ArchitectureGraph.groups}
 * (an encoder above the decoder that mirrors it); a group without `diagram`
 * is a figure of its own.
 */
export interface ArchitectureGraphGroup {
  /** Unique among the graph's groups; nodes refer to it. */
  readonly id: string;
  /** Caption shown with the group, for example `'normal cell'`. */
  readonly label: string;
  /**
   * The caption of the figure this group is a lane of, shared by its lanes
   * (each lane then shows its own label). @default a figure of its own, captioned with `label`
   */
  readonly diagram?: string;
  /**
   * `'forward'`: the lane reads left to right. `'backward'`: right to left, so
   * that a decoder drawn under its encoder puts each layer under the one it
   * mirrors. @default 'forward'
   */
  readonly flow?: 'forward' | 'backward';
  /** One line under the figure (the caption of its first group is used), for example what the colours mean. */
  readonly note?: string;
}

/** One box: an input, an intermediate node or layer, an output. */
export interface ArchitectureGraphNode {
  /** Unique in the graph; edges refer to it. */
  readonly id: string;
  /** The {@link ArchitectureGraphGroup.id} the node belongs to. */
  readonly group: string;
  /** First line of the box, for example `'c_{k-1}'`, `'0'` or `'conv 3x3 /2'`. */
  readonly label: string;
  /** Optional second line, for example `'16 ch'`. */
  readonly detail?: string;
  /** What the box is, for its colour: inputs and outputs are drawn apart from the nodes in between. */
  readonly role: 'input' | 'node' | 'output';
  /** Optional style class, for example `'down'` or `'skip'`, that a renderer may give its own colour. */
  readonly kind?: string;
}

/** One arrow, from the box whose output is read to the box that reads it. */
export interface ArchitectureGraphEdge {
  /** Id of the source node. */
  readonly from: string;
  /** Id of the target node. */
  readonly to: string;
  /** Text on the arrow, for example the operation `'sep_conv_3x3'`. */
  readonly label?: string;
  /** `'skip'`: a skip connection, drawn dashed. @default 'data' */
  readonly kind?: 'data' | 'skip';
}

/** An architecture as boxes and arrows, in groups; the edges of a figure form no cycle. */
export interface ArchitectureGraph {
  /** What the graph shows, in one line: `'image-classification: 8 cells of 5 nodes'`. */
  readonly title: string;
  readonly groups: readonly ArchitectureGraphGroup[];
  readonly nodes: readonly ArchitectureGraphNode[];
  readonly edges: readonly ArchitectureGraphEdge[];
}

/**
 * Optional ability: the graph of an architecture, for diagrams (the found
 * cells of a search as DARTS/ENAS genotype plots, an inpainting chain as
 * encoder and decoder blocks).
 *
 * Who calls it, and when: the CLI's `asng report`, after the search, with the
 * run's most likely architecture; it draws the graph with
 * `@asng/report-render`, shows it in the report and writes it as
 * `architecture.svg` in the run directory. A browser page may call it the
 * same way. Check with {@link describesArchitectureGraph}. Without this
 * ability the report shows the diagrams of `describe(architecture)`, if any.
 */
export interface ArchitectureGraphDescriber {
  /** The graph of `architecture`, which must be one of the space's (throws a `TypeError` naming the variable otherwise). */
  architectureGraph(architecture: Architecture): ArchitectureGraph;
}

/** Whether `space` has the {@link ArchitectureGraphDescriber} ability. */
export function describesArchitectureGraph<S extends SearchSpace>(space: S): space is S & ArchitectureGraphDescriber {
  return 'architectureGraph' in space && typeof space.architectureGraph === 'function';
}
