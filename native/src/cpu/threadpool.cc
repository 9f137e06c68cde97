#include "threadpool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace lowbit {
namespace {

thread_local bool in_parallel_region = false;

// Waiting threads spin this long before they sleep. Waking a sleeping thread costs 25 us on this
// kind of VM when its core is awake and several hundred when the core has halted, while a model
// runs its parallel regions back to back; a worker that starts that late finds its share already
// taken by the others, and two threads run no faster than one.
constexpr auto kSpin = std::chrono::microseconds(200);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until done() or kSpin has passed; true if done().
template <typename F>
bool spin_until(F&& done) {
  const auto end = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; i++) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() > end) return false;
  }
}

class Pool {
 public:
  Pool() : max_(std::max(1u, std::thread::hardware_concurrency())), active_(max_) {}
  int max() const { return max_; }
  int active() const { return active_.load(); }
  void set_active(int n) { active_.store(std::clamp(n, 1, max_)); }

  void run(int parts, const std::function<void(int)>& body) {
    ensure_started();
    std::unique_lock<std::mutex> run_lock(run_mu_);  // one parallel region at a time
    uint64_t gen;
    {
      std::lock_guard<std::mutex> lock(mu_);
      gen = ++generation_;
      body_ = &body;
      parts_ = parts;
      pending_.store(parts);
      next_.store(gen << 32);
    }
    cv_.notify_all();
    in_parallel_region = true;
    work(gen, parts, body);
    in_parallel_region = false;
    if (spin_until([&] { return pending_.load() == 0; })) return;
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return pending_.load() == 0; });
  }

 private:
  // Parts are claimed from a counter tagged with the run's generation, so a worker that wakes
  // late can neither run a finished region's body nor claim a part of the next region twice.
  void work(uint64_t gen, int parts, const std::function<void(int)>& body) {
    for (;;) {
      uint64_t v = next_.load();
      if ((v >> 32) != gen || static_cast<int>(v & 0xffffffffu) >= parts) return;
      if (!next_.compare_exchange_weak(v, v + 1)) continue;
      body(static_cast<int>(v & 0xffffffffu));
      if (pending_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lock(mu_);
        done_cv_.notify_one();
      }
    }
  }

  void ensure_started() {
    std::call_once(started_, [&] {
      for (int i = 1; i < max_; i++) workers_.emplace_back([this] { loop(); });
    });
  }

  void loop() {
    in_parallel_region = true;
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int)>* body;
      int parts;
      spin_until([&] { return generation_.load() != seen; });
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        body = body_;
        parts = parts_;
      }
      work(seen, parts, *body);
    }
  }

  const int max_;
  std::atomic<int> active_;
  std::once_flag started_;
  std::vector<std::thread> workers_;
  std::mutex run_mu_, mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* body_ = nullptr;
  int parts_ = 0;
  std::atomic<uint64_t> next_{0};
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> generation_{0};  // changed under mu_, read without it while spinning
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers may outlive static destruction order
  return *p;
}

}  // namespace

int num_threads() { return pool().active(); }
int max_threads() { return pool().max(); }
void set_num_threads(int n) { pool().set_active(n); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t parts = std::min<int64_t>(num_threads(), (n + grain - 1) / grain);
  if (parts <= 1 || in_parallel_region) {
    fn(0, n);
    return;
  }
  int64_t chunk = (n + parts - 1) / parts;
  pool().run(static_cast<int>(parts), [&](int p) {
    int64_t b = p * chunk, e = std::min(n, b + chunk);
    if (b < e) fn(b, e);
  });
}

}  // namespace lowbit
