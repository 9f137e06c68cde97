#include "interrupt.h"

#include <atomic>

namespace lowbit {

namespace {
std::atomic<bool> flag{false};
}

void request_interrupt() { flag.store(true, std::memory_order_relaxed); }
void clear_interrupt() { flag.store(false, std::memory_order_relaxed); }
bool interrupted() { return flag.load(std::memory_order_relaxed); }

}  // namespace lowbit
