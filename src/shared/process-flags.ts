// V8 settings for Soutu's long-running Node processes (the desktop library process, `soutu serve`, the CLI): Node 24
// sizes the young generation for throughput (semi-spaces of tens of MB), which kept ~100 MB more resident while
// idle; 4 MB semi-spaces cost nothing measurable in query or indexing time (bench/PERFORMANCE.md).
export const V8_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * Environment for the same processes, set before they start (glibc reads it once). MALLOC_ARENA_MAX=2: glibc gives
 * each thread that allocates (ONNX Runtime's, LanceDB's, libvips') an arena of its own, and what they free stays
 * resident in them; two arenas kept 51 MB less resident idle with a 100k library (633 -> 582 MB) at the same
 * indexing speed (12.9 photos/s both ways). Other C libraries ignore it.
 */
export const PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
