import { Document, isMap, isScalar, parseDocument, type YAMLMap } from "yaml";

export type YamlPath = string[];

function columnOf(source: string, offset: number): number {
  return offset - (source.lastIndexOf("\n", offset - 1) + 1);
}

function endOfLine(source: string, offset: number): number {
  const newline = source.indexOf("\n", offset);
  return newline === -1 ? source.length : newline + 1;
}

/** Gives the new node's maps the flow style (`{ a: 1 }`) wherever the example node uses it. */
function copyFlowStyle(target: unknown, example: unknown): void {
  if (!isMap(target) || !isMap(example)) return;
  target.flow = example.flow ?? false;
  for (const pair of target.items) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    copyFlowStyle(pair.value, example.get(key, true));
  }
}

/** The YAML text of `key: value` as a block entry, each line indented to `column`. */
function entryText(key: string, value: unknown, column: number, styleExample: unknown): string {
  const document = new Document({ [key]: value });
  copyFlowStyle((document.contents as YAMLMap).get(key, true), styleExample);
  const pad = " ".repeat(column);
  return document
    .toString({ lineWidth: 0, indent: 2 })
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => `${pad}${line}\n`)
    .join("");
}

/**
 * Adds `key: value` at the end of the block map at `path`, creating missing parent maps, and leaves every
 * other byte of the file as it was. Re-serialising the parsed document would keep the comments but not the
 * file's own spacing (the yaml package pads every flow collection alike), so the entry text is spliced in.
 */
export function insertMapEntry(source: string, path: YamlPath, key: string, value: unknown, styleExample?: unknown): string {
  const document = parseDocument(source);
  if (document.errors.length > 0) throw new Error(`does not parse as YAML: ${document.errors[0].message}`);
  const map = document.getIn(path, true);
  if (map === undefined || map === null || (isScalar(map) && map.value === null)) {
    if (path.length === 0) throw new Error("the file is empty");
    return insertMapEntry(source, path.slice(0, -1), path[path.length - 1], { [key]: value }, undefined);
  }
  if (!isMap(map) || map.flow || map.items.length === 0) {
    throw new Error(`'${path.join(".")}' is not a block map with entries; add the entry by hand`);
  }
  if (map.has(key)) throw new Error(`'${[...path, key].join(".")}' already exists`);
  const firstKey = map.items[0].key as { range?: [number, number, number] };
  const lastValue = map.items[map.items.length - 1].value as { range?: [number, number, number] } | null;
  if (!firstKey.range || !lastValue?.range) throw new Error(`cannot locate '${path.join(".")}' in the file`);
  const at = endOfLine(source, lastValue.range[1] - 1);
  const prefix = at === source.length && !source.endsWith("\n") ? `${source}\n` : source.slice(0, at);
  const updated = prefix + entryText(key, value, columnOf(source, firstKey.range[0]), styleExample) + source.slice(at);

  // The splice is checked, not trusted: the file must now hold exactly the value at exactly the path.
  if (JSON.stringify(readPath(updated, [...path, key])) !== JSON.stringify(value)) {
    throw new Error(`internal error: inserting '${key}' would not round-trip; the file was left unchanged`);
  }
  return updated;
}

/** The plain value at `path`, or undefined. */
export function readPath(source: string, path: YamlPath): unknown {
  return path.reduce<unknown>(
    (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
    parseDocument(source).toJS(),
  );
}

/** The YAML node at `path` (used as a style example), or undefined. */
export function nodeAt(source: string, path: YamlPath): unknown {
  return parseDocument(source).getIn(path, true);
}
