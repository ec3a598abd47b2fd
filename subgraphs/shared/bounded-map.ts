/**
 * A Map that keeps at most `maxEntries`: setting a new key past that drops the earliest-set one
 * (a Map iterates in insertion order). A caller that deletes and sets a key again on each use makes
 * the dropped one the least recently used. For the hub's in-process caches: parsed documents,
 * fetch kinds, confirmed people, venues.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly maxEntries: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.maxEntries) this.delete(this.keys().next().value as K);
    return this;
  }
}
