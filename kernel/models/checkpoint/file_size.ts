// transformers' convert_file_size_to_int: "5GB" is 5*10^9 bytes, "5GiB" 5*2^30, and a lowercase
// "b" at the end means bits ("5Gb" is 625*10^6 bytes), exactly as Python parses max_shard_size.
const UNITS: [string, number][] = [["GIB", 2 ** 30], ["MIB", 2 ** 20], ["KIB", 2 ** 10], ["GB", 1e9], ["MB", 1e6], ["KB", 1e3]];

export function convert_file_size_to_int(size: number | string): number {
  if (typeof size === "number") {
    if (Number.isSafeInteger(size) && size > 0) return size;
    throw new Error(`max_shard_size: ${size} is not a positive whole number of bytes`);
  }
  for (const [unit, scale] of UNITS) {
    if (!size.toUpperCase().endsWith(unit)) continue;
    const digits = size.slice(0, -unit.length).trim();
    if (!/^\d+$/.test(digits)) break;
    const bytes = Number(digits) * scale;
    return unit.endsWith("IB") || !size.endsWith("b") ? bytes : Math.floor(bytes / 8);
  }
  throw new Error(`max_shard_size: '${size}' is not in a valid format; use an integer followed by a unit, e.g. "5GB" (5*10^9 bytes) or "2GiB" (2*2^30)`);
}
