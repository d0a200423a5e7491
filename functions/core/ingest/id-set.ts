/**
 * The ids seen so far in one file, to catch a duplicate id. A Map of a million id strings costs
 * about 100 MB and slows every garbage collection; this keeps a 64-bit fingerprint and the line of
 * each id in typed arrays (about 24 bytes an id, outside the garbage collector's work). Two
 * different ids share a fingerprint with odds of about 1 in 10^19 per pair; such a row would be
 * quarantined as a duplicate naming the line it collided with, so it would still be accounted for.
 */
export class IdSet {
  #capacity = 1 << 16;
  #size = 0;
  /** Two 32-bit halves of each fingerprint; 0,0 marks an empty slot (a real 0,0 is stored as 0,1). */
  #keys = new Uint32Array(this.#capacity * 2);
  #lines = new Uint32Array(this.#capacity);

  get size(): number {
    return this.#size;
  }

  /** The line where id was first seen, or undefined when it is new (and is now remembered at line). */
  firstLine(id: string, line: number): number | undefined {
    const [high, low] = fingerprint(id);
    const mask = this.#capacity - 1;
    for (let slot = low & mask; ; slot = (slot + 1) & mask) {
      const h = this.#keys[slot * 2]!;
      const l = this.#keys[slot * 2 + 1]!;
      if (h === 0 && l === 0) break;
      if (h === high && l === low) return this.#lines[slot];
    }
    if ((this.#size + 1) * 2 > this.#capacity) this.#grow();
    this.#insert(high, low, line);
    this.#size++;
    return undefined;
  }

  #insert(high: number, low: number, line: number) {
    const mask = this.#capacity - 1;
    let slot = low & mask;
    while (this.#keys[slot * 2] !== 0 || this.#keys[slot * 2 + 1] !== 0) slot = (slot + 1) & mask;
    this.#keys[slot * 2] = high;
    this.#keys[slot * 2 + 1] = low;
    this.#lines[slot] = line;
  }

  #grow() {
    const keys = this.#keys;
    const lines = this.#lines;
    this.#capacity *= 2;
    this.#keys = new Uint32Array(this.#capacity * 2);
    this.#lines = new Uint32Array(this.#capacity);
    for (let slot = 0; slot < lines.length; slot++) {
      if (keys[slot * 2] !== 0 || keys[slot * 2 + 1] !== 0) this.#insert(keys[slot * 2]!, keys[slot * 2 + 1]!, lines[slot]!);
    }
  }
}

/** A 64-bit fingerprint as two 32-bit halves (cyrb53's two lanes, kept whole), never 0,0. */
function fingerprint(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const high = h1 >>> 0;
  const low = h2 >>> 0;
  return high === 0 && low === 0 ? [0, 1] : [high, low];
}
