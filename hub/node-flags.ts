/**
 * The V8 flags every hub process runs with: `npm start` (package.json passes them to tsx), the
 * gateway or a subgraph run alone, and the benchmarks (tests/bench), which measure the hub as
 * deployed. tests/unit/node-flags.test.ts checks that `npm start` passes every one.
 *
 * --max-semi-space-size=64: a crowd's F2 answer (15,000 rows, parsed, shaped by the gateway and
 * serialised again) and a partner's 5,000-row batch each allocate tens of megabytes that live for
 * one request. With V8's default 16 MB semi-spaces they outlived scavenges, were copied into the
 * old generation and collected there: a fifth of the gateway's and the checkins subgraph's CPU on
 * such requests (profiled). Young-generation memory grows to at most 3 × 64 MB per process.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/**
 * The gateway's own, after NODE_FLAGS (the later flag wins).
 *
 * --max-semi-space-size=16: under a national app's reads (issue 17: 64 callers, 16 in flight) the
 * gateway's young generation grew to its 128 MB maximum and was most of its 270-310 MB resident
 * memory; with 16 MB it is 32 MB. The gateway's own allocations per request are small; a crowd's F2
 * answer outlives more scavenges there (the tracing bench measures it). 8 MB made it worse: the
 * young generation shrank by 16 MB and the old one grew by more (reads bench: 195-241 MB resident).
 *
 * --heap-growing-percent=25: what remained was the old generation, 55-139 MB committed at a round's
 * end for about 50 MB live: V8 lets it grow to up to 4x what the last full collection kept before
 * collecting again. Capping the growth at 1.25x keeps it at 54-57 MB (reads bench, back to back:
 * resident 164-165 MB against 178-225 MB) at no gateway CPU the bench could tell apart
 * (0.52-0.53 ms per person card against 0.57-0.58 ms).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16', '--heap-growing-percent=25'];

/** The V8 flags of one hub process by its service name (gateway, units, …, worker). */
export function nodeFlagsOf(service: string): readonly string[] {
  return service === 'gateway' ? [...NODE_FLAGS, ...GATEWAY_NODE_FLAGS] : NODE_FLAGS;
}
