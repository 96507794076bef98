#pragma once
// glibc gives every new thread a malloc arena of its own until there are 8 per core, and each
// arena keeps its freed memory for its next allocations. mosaicd runs a thread per call in flight,
// so the pools' growth in a burst left RSS a step higher for good: in the soak (10% failing and 1%
// hanging calls), RSS grew 9.4% after the warm-up with the default arenas and 4.7% with one
// arena per core, at the same request rate. Small allocations are served from glibc's per-thread
// cache without touching an arena, so fewer arenas cost little contention.
namespace mosaic::support {

// Caps the arenas at one per core (at least 2) before any thread starts. MALLOC_ARENA_MAX in the
// environment, when set, is the operator's choice and is left as it is. Returns the cap applied,
// or 0 when the environment's was kept (or mallopt refused).
int limit_malloc_arenas();

}  // namespace mosaic::support
