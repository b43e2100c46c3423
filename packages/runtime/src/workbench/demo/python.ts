/**
 * The command that runs a Python demo node (demo/python/<name>.py, on node-lib/maelstrom_node.py), for
 * tests and `dslab workbench demo`. The nodes need python3 and its standard library only.
 */
import { fileURLToPath } from 'node:url';

export const pythonDemoNodes = ['echo', 'broadcast', 'lin-kv'] as const;
export type PythonDemoNode = (typeof pythonDemoNodes)[number];

export function pythonDemoCommand(name: PythonDemoNode, python = 'python3'): string {
  const file = name.replace('-', '_'); // Python modules take underscores
  return `${python} -u ${JSON.stringify(fileURLToPath(new URL(`./python/${file}.py`, import.meta.url)))}`;
}
