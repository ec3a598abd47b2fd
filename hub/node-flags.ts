/**
 * The V8 flags every hub process runs with: `npm start` (package.json passes them to tsx), the
 * gateway or a subgraph run alone, and the benchmarks (tests/bench), which measure the hub as
 * deployed. tests/unit/node-flags.test.ts checks that `npm start` passes every one.
 *
 * --max-semi-space-size=64: a crowd's F2 answer (15,000 rows, parsed, shaped by the gateway and
 * serialised again) and a partner's 5,000-row batch each allocate tens of megabytes that live for
 * one request. With V8's default 16 MB semi-spaces they outlived scavenges, were copied into the
 * old generation and collected there: a fifth of the gateway's and the checkins subgraph's CPU on
 * such requests (profiled). Young-generation memory grows to at most 2 × 64 MB per process.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/**
/**
 * The gateway's own, after NODE_FLAGS (the later flag wins).
 *
 * --max-semi-space-size=16: under a national app's reads (issue 17: 64 callers, 16 in flight) the
 * gateway's young generation grew to its 128 MB maximum and was most of its 270-310 MB resident
 * memory; with 16 MB it is 32 MB. The gateway's own allocations per request are small; a crowd's F2
 * answer outlives more scavenges there (the tracing bench measures it). 8 MB made it worse: the
 * young generation shrank by 16 MB and the old one grew by more (reads bench: 195-241 MB resident).
 * The minimum is the maximum for the reason of SIZED_FROM_START: under any steady load it reached
 * 2 × 16 MB within two minutes.
 *
 * --heap-growing-percent=25: what remained was the old generation, 55-139 MB committed at a round's
 * end for about 50 MB live: V8 lets it grow to up to 4x what the last full collection kept before
 * collecting again. Capping the growth at 1.25x keeps it at 54-57 MB (reads bench, back to back:
 * resident 164-165 MB against 178-225 MB) at no gateway CPU the bench could tell apart
 * (0.52-0.53 ms per person card against 0.57-0.58 ms).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--min-semi-space-size=16', '--max-semi-space-size=16', '--heap-growing-percent=25'];

/**
 * The checkins subgraph and the worker carry a crowd's F2 answer and partners' 5,000-row batches:
 * they keep 64 MB semi-spaces, and their young generation starts there instead of growing there.
 * V8 starts it at 1 MB and doubles it each time more than its size has survived scavenges; under
 * the soak's steady load the busy processes' young generations doubled up to 2 × 64 MB over four
 * to eight minutes (resident memory +50-70 % after warm-up, the old generation flat), which an
 * operator cannot tell from a leak. V8 still gives one semi-space back when a process allocates
 * under 1 MB/s or its memory reducer runs, whatever the minimum, so resident memory can dip by up
 * to 64 MB for a scavenge or two; these two allocate more than that under load.
 */
const SIZED_FROM_START: readonly string[] = ['--min-semi-space-size=64'];
/**
 * Tracing, testing and the province shards: 16 MB semi-spaces (V8's own maximum), fixed. With 64 MB
 * (fixed or grown) their resident memory swung by 64 MB whenever V8 gave a semi-space back, their
 * allocation rate under the soak being near V8's 1 MB/s threshold; 16 MB bounds that swing.
 */
const SMALL_FIXED: readonly string[] = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

/** The V8 flags of one hub process by its service name (gateway, units, …, province-79, worker). */
export function nodeFlagsOf(service: string): readonly string[] {
  if (service === 'gateway') return [...NODE_FLAGS, ...GATEWAY_NODE_FLAGS];
  if (service === 'checkins' || service === 'worker') return [...NODE_FLAGS, ...SIZED_FROM_START];
  if (service === 'tracing' || service === 'testing' || service.startsWith('province-')) return [...NODE_FLAGS, ...SMALL_FIXED];
  // units, declarations, vaccination, analytics: under the soak's load V8 kept their young
  // generation at 1-16 MB; a fixed one would only cost memory.
  return NODE_FLAGS;
}
