/** Kept for the engine's tests: the test trees and their description live in src/testing/trees.ts. */
export { variedTree as generateTree, describeTree, diffTrees, type VariedTreeOptions as GenOptions, type TreeEntry as Entry } from '../../testing/trees.js';
