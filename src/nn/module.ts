/**
 * The `Module` base: named parameters, buffers and sub-modules registered under PyTorch's names,
 * so that a PyTorch `state_dict` (`"0.weight"`, `"2.Ws.0.bias"`, `"1.running_var"`) loads
 * directly and ours saves under the same names, in the same order.
 * @module
 */
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { LayerKind } from './layer.js';
import { applyStateDict, type LoadStateDictOptions, type StateDict, type StateDictEntry, type StateSlot } from './state-dict.js';

/** A registered buffer; `fixedDtype` buffers (e.g. `num_batches_tracked`) ignore `to(dtype)`. */
interface BufferSlot {
  tensor: Tensor;
  readonly fixedDtype: boolean;
}

/**
 * Base of every layer. Subclasses register their tensors in the constructor and read them back
 * through getters, so that {@link Module.to} can swap them for converted copies.
 */
export abstract class Module {
  /** Discriminant of the {@link Layer} union. */
  abstract readonly kind: LayerKind;
  /** Training mode (batch statistics in BatchNorm); set by {@link Module.train} / {@link Module.eval}. */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, BufferSlot>();
  private readonly children = new Map<string, Module>();

  /** Applies the layer to a batch `x` (first axis = batch). */
  abstract forward(x: Tensor): Tensor;

  /** Registers a leaf parameter (marked `requiresGrad`) under `name`; returns it. */
  protected registerParameter(name: string, tensor: Tensor): Tensor {
    this.params.set(name, tensor.requireGrad(true));
    return tensor;
  }

  /** Registers a non-trainable tensor saved in the state dict (running statistics). */
  protected registerBuffer(name: string, tensor: Tensor, fixedDtype = false): Tensor {
    this.buffers.set(name, { tensor, fixedDtype });
    return tensor;
  }

  /** Registers a sub-module under `name` (its entries get the prefix `name.`); `null` registers nothing. */
  protected registerModule<M extends Module>(name: string, module: M | null): M | null {
    if (module) this.children.set(name, module);
    return module;
  }

  /** The parameter registered as `name`. */
  protected parameter(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new Error(`${this.kind}: no parameter '${name}'`);
    return t;
  }

  /** The parameter registered as `name`, or null when the layer was built without it. */
  protected optionalParameter(name: string): Tensor | null {
    return this.params.get(name) ?? null;
  }

  /** The buffer registered as `name`. */
  protected buffer(name: string): Tensor {
    const slot = this.buffers.get(name);
    if (!slot) throw new Error(`${this.kind}: no buffer '${name}'`);
    return slot.tensor;
  }

  /**
   * Parameters with their dotted PyTorch names: own first, then each child's, depth first. A
   * tensor shared by several layers is listed once, under its first name (as PyTorch).
   */
  namedParameters(prefix = ''): [string, Tensor][] {
    const seen = new Set<Tensor>();
    return this.allNamedParameters(prefix).filter(([, t]) => !seen.has(t) && seen.add(t));
  }

  private allNamedParameters(prefix: string): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.params].map(([n, t]) => [prefix + n, t]);
    for (const [n, child] of this.children) out.push(...child.allNamedParameters(`${prefix}${n}.`));
    return out;
  }

  /** All parameters, in {@link Module.namedParameters} order (the order optimizers see). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Buffers with their dotted names, in state-dict order. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.buffers].map(([n, b]) => [prefix + n, b.tensor]);
    for (const [n, child] of this.children) out.push(...child.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Copies of every parameter and buffer, keyed and ordered as PyTorch's `state_dict()`. */
  stateDict(): Map<string, StateDictEntry> {
    const out = new Map<string, StateDictEntry>();
    for (const [name, tensor] of this.stateTensors('')) out.set(name, { shape: [...tensor.shape], data: tensor.data.slice() });
    return out;
  }

  /**
   * Copies the values of `source` into this module's parameters and buffers (converted to each
   * tensor's dtype; the tensors themselves are kept, so optimizers holding them stay valid).
   * @throws Error listing every missing or unexpected key (with `strict`, the default) and every
   *   shape mismatch, naming the key and both shapes; nothing is written in that case.
   */
  loadStateDict(source: StateDict, options: LoadStateDictOptions = {}): this {
    const slots = new Map<string, StateSlot>();
    for (const [name, tensor] of this.stateTensors('')) {
      slots.set(name, { shape: tensor.shape, write: (data) => tensor.data.set(data) });
    }
    applyStateDict(slots, source, options);
    return this;
  }

  /** Sets training mode on this module and every sub-module; returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  /** Evaluation mode (BatchNorm uses its running statistics); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's accumulated gradient (PyTorch `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    // straight over the maps: parameters() builds the dotted names and a dedup set every step
    for (const p of this.params.values()) p.grad = null;
    for (const child of this.children.values()) child.zeroGrad();
  }

  /**
   * Converts every parameter and buffer to `dtype` (new tensors, gradients dropped); returns
   * this. Build optimizers after calling it: they hold the parameter tensors themselves.
   */
  to(dtype: DType): this {
    for (const [name, t] of this.params) {
      if (t.dtype !== dtype) this.params.set(name, t.to(dtype).requireGrad(t.requiresGrad));
    }
    for (const slot of this.buffers.values()) {
      if (!slot.fixedDtype && slot.tensor.dtype !== dtype) slot.tensor = slot.tensor.to(dtype);
    }
    for (const child of this.children.values()) child.to(dtype);
    return this;
  }

  /** Element type of the first parameter (float32 for a module without parameters). */
  get dtype(): DType {
    return this.parameters()[0]?.dtype ?? 'float32';
  }

  private stateTensors(prefix: string): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.params].map(([n, t]) => [prefix + n, t]);
    for (const [n, b] of this.buffers) out.push([prefix + n, b.tensor]);
    for (const [n, child] of this.children) out.push(...child.stateTensors(`${prefix}${n}.`));
    return out;
  }
}
