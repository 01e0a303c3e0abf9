// Splits a combined CLIP ONNX graph (one model computing text_embeds and image_embeds) into a text-only and
// a vision-only model, so each tower loads and runs alone (transformers.js CLIPText/VisionModelWithProjection).
import { dirname, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import {
  DataLocation,
  decodeModel,
  writeModel,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from './onnx-proto.js';

/** Where to write each tower; a tower without a path is checked but not written. */
export interface SplitOutputs {
  textPath?: string;
  visionPath?: string;
}

export interface SplitOptions {
  textOutput?: string;
  visionOutput?: string;
  /** Graph inputs that only the vision tower may use. */
  visionInputs?: string[];
}

/**
 * Writes the text tower (inputs it needs → text_embeds) and the vision tower (pixel_values → image_embeds) of
 * the combined model at `combinedPath`, each atomically. Throws, writing nothing, if a tower needs the other
 * tower's inputs. Peak memory is about the input file plus the larger output.
 */
export async function splitCombinedModel(
  combinedPath: string,
  out: SplitOutputs,
  opts: SplitOptions = {},
): Promise<void> {
  const model = decodeModel(await readFile(combinedPath));
  const towers = splitTowers(model, opts);
  if (usesExternalData(model)) {
    // External data locations are relative to the model file, so they only stay valid next to it.
    const here = dirname(resolve(combinedPath));
    for (const p of [out.textPath, out.visionPath]) {
      if (p && dirname(resolve(p)) !== here) {
        throw new Error(`${combinedPath} keeps weights in external data files; write the split models next to it`);
      }
    }
  }

  if (out.textPath) await writeModel(out.textPath, towers.text);
  if (out.visionPath) await writeModel(out.visionPath, towers.vision);
}

/**
 * The text and vision towers of a combined model, in memory (tensors shared with `model`). Throws if a tower
 * needs the other tower's inputs.
 */
export function splitTowers(model: ModelProto, opts: SplitOptions = {}): { text: ModelProto; vision: ModelProto } {
  const textOutput = opts.textOutput ?? 'text_embeds';
  const visionOutput = opts.visionOutput ?? 'image_embeds';
  const visionInputs = new Set(opts.visionInputs ?? ['pixel_values', 'pixel_mask']);
  const text = extractSubModel(model, [textOutput]);
  const vision = extractSubModel(model, [visionOutput]);
  const textInputs = graphInputNames(text.graph!);
  const visionNeeds = graphInputNames(vision.graph!);
  const stray = textInputs.filter((n) => visionInputs.has(n));
  if (stray.length) throw new Error(`${textOutput} depends on image inputs (${stray.join(', ')}); not a two-tower CLIP`);
  const strayText = visionNeeds.filter((n) => !visionInputs.has(n));
  if (strayText.length) {
    throw new Error(`${visionOutput} depends on non-image inputs (${strayText.join(', ')}); not a two-tower CLIP`);
  }
  return { text, vision };
}

function graphInputNames(g: GraphProto): string[] {
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  return (g.input ?? []).map((i) => i.name ?? '').filter((n) => !inits.has(n));
}

function usesExternalData(model: ModelProto): boolean {
  let found = false;
  visitTensors(model.graph!, (t) => {
    if (t.data_location === DataLocation.EXTERNAL) found = true;
  });
  return found;
}

function visitTensors(g: GraphProto, fn: (t: TensorProto) => void): void {
  for (const t of g.initializer ?? []) fn(t);
  for (const s of g.sparse_initializer ?? []) {
    if (s.values) fn(s.values);
    if (s.indices) fn(s.indices);
  }
  for (const n of g.node ?? []) {
    for (const a of n.attribute ?? []) {
      if (a.t) fn(a.t);
      for (const t of a.tensors ?? []) fn(t);
      for (const sub of subgraphs(a)) visitTensors(sub, fn);
    }
  }
}

function subgraphs(a: AttributeProto): GraphProto[] {
  const out: GraphProto[] = [];
  if (a.g) out.push(a.g);
  for (const g of a.graphs ?? []) out.push(g);
  return out;
}

/**
 * Names a subgraph (If/Loop/Scan body) reads from enclosing scopes: used by its nodes, or by nested
 * subgraphs, but defined neither as its inputs, its initializers nor its node outputs.
 */
export function outerScopeReferences(g: GraphProto): Set<string> {
  const defined = new Set<string>();
  for (const i of g.input ?? []) defined.add(i.name ?? '');
  for (const t of g.initializer ?? []) defined.add(t.name ?? '');
  for (const s of g.sparse_initializer ?? []) defined.add(s.values?.name ?? '');
  for (const n of g.node ?? []) for (const o of n.output ?? []) defined.add(o);
  const refs = new Set<string>();
  const use = (name: string): void => {
    if (name && !defined.has(name)) refs.add(name);
  };
  for (const n of g.node ?? []) {
    for (const i of n.input ?? []) use(i);
    for (const a of n.attribute ?? []) for (const sub of subgraphs(a)) for (const r of outerScopeReferences(sub)) use(r);
  }
  for (const o of g.output ?? []) use(o.name ?? '');
  return refs;
}

/** Everything `node` reads: its inputs plus the outer-scope names of its subgraphs. */
function nodeUses(node: NodeProto): string[] {
  const uses = (node.input ?? []).filter((n) => n !== '');
  for (const a of node.attribute ?? []) for (const sub of subgraphs(a)) uses.push(...outerScopeReferences(sub));
  return uses;
}

const MODEL_FIELDS = [
  'ir_version',
  'opset_import',
  'producer_name',
  'producer_version',
  'domain',
  'model_version',
  'doc_string',
  'metadata_props',
  'functions',
] as const;

/**
 * The part of `model` that computes `outputs`: the nodes they depend on (in original, topological order),
 * only the graph inputs, initializers and value_info those nodes need, and the model's opsets/functions.
 * Tensors are shared with `model`, not copied.
 */
export function extractSubModel(model: ModelProto, outputs: string[]): ModelProto {
  const g = model.graph;
  if (!g) throw new Error('model has no graph');
  const nodes = g.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) if (o) producer.set(o, i);
  });
  const initNames = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  const sparseNames = new Set((g.sparse_initializer ?? []).map((s) => s.values?.name ?? ''));
  const inputNames = new Set((g.input ?? []).map((i) => i.name ?? ''));

  const needed = new Set<string>();
  const keptNodes = new Set<number>();
  const stack = [...outputs];
  while (stack.length) {
    const name = stack.pop()!;
    if (needed.has(name)) continue;
    needed.add(name);
    const idx = producer.get(name);
    if (idx !== undefined) {
      if (!keptNodes.has(idx)) {
        keptNodes.add(idx);
        stack.push(...nodeUses(nodes[idx]));
      }
    } else if (!initNames.has(name) && !sparseNames.has(name) && !inputNames.has(name)) {
      throw new Error(`value ${name} is neither produced by a node nor a graph input or initializer`);
    }
  }

  const graphOutputs = new Map((g.output ?? []).map((o) => [o.name ?? '', o]));
  const outputSet = new Set(outputs);
  const sub: GraphProto = {
    name: g.name,
    node: nodes.filter((_, i) => keptNodes.has(i)),
    initializer: (g.initializer ?? []).filter((t) => needed.has(t.name ?? '')),
    sparse_initializer: (g.sparse_initializer ?? []).filter((s) => needed.has(s.values?.name ?? '')),
    input: (g.input ?? []).filter((i) => needed.has(i.name ?? '')),
    output: outputs.map((name) => graphOutputs.get(name) ?? { name }),
    value_info: (g.value_info ?? []).filter((v) => needed.has(v.name ?? '') && !outputSet.has(v.name ?? '')),
    quantization_annotation: (g.quantization_annotation ?? []).filter((q) => needed.has(q.tensor_name ?? '')),
  };
  if (g.doc_string) sub.doc_string = g.doc_string;
  if (g.metadata_props?.length) sub.metadata_props = g.metadata_props;

  // Decoded messages carry defaults on their prototype: copy only the fields the source really set.
  const result: ModelProto = { graph: sub };
  for (const k of MODEL_FIELDS) {
    if (Object.prototype.hasOwnProperty.call(model, k)) (result as Record<string, unknown>)[k] = model[k];
  }
  return result;
}
