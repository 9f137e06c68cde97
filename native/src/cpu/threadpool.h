// A fixed pool of worker threads, sized to the machine, that runs parallel_for bodies.
// The calling thread takes part, so one thread means no hand-off at all.
#pragma once
#include <cstdint>
#include <functional>

namespace lowbit {

int num_threads();            // threads parallel_for uses now (1..max_threads())
int max_threads();            // threads the machine offers (std::thread::hardware_concurrency)
void set_num_threads(int n);  // torch.set_num_threads

// Splits [0, n) into at most num_threads() contiguous ranges of at least `grain` items and
// runs fn(begin, end) on each, in parallel; returns when all have finished. Nested calls
// from inside a body run serially.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace lowbit
