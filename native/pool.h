// A tiny persistent thread pool for the native kernels: the calling thread plus (threads - 1)
// helpers, which claim task indices from a shared counter (the caller claims too, so a helper
// that the OS has not scheduled yet only delays the tasks it already took). Helpers spin briefly
// after a job, then sleep on a condition variable (the machine is shared: no busy waiting).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace relaxjs {

class Pool {
 public:
  static Pool& instance();
  // Sets the total thread count (1 = the caller only); helpers are started or stopped as needed.
  void resize(int threads);
  int threads() const { return int(helpers_.size()) + 1; }
  // Runs fn(t) for every t in [0, tasks), spread over the threads; returns when all are done.
  void run(int tasks, const std::function<void(int)>& fn);
  ~Pool();

 private:
  void helperLoop(long seen);
  void stopHelpers();
  std::vector<std::thread> helpers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<long> generation_{0};
  std::atomic<int> next_{0}, done_{0}, active_{0};
  int tasks_ = 0;
  bool stop_ = false;
};

// Runs fn(t) for t in [0, tasks): on the pool when parallel is true and tasks > 1, else inline.
template <typename F>
void parallelFor(int tasks, bool parallel, F&& fn) {
  if (!parallel || tasks <= 1 || Pool::instance().threads() == 1) {
    for (int t = 0; t < tasks; t++) fn(t);
    return;
  }
  std::function<void(int)> job = fn;
  Pool::instance().run(tasks, job);
}

// Runs f(from, to) over [0, n) in chunks of `chunk` elements, on the pool when n >= parallelFrom.
template <typename F>
void chunked(int64_t n, int64_t chunk, int64_t parallelFrom, F&& f) {
  const int64_t chunks = (n + chunk - 1) / chunk;
  parallelFor(int(chunks), n >= parallelFrom, [&](int t) { f(t * chunk, std::min(n, (t + 1) * chunk)); });
}

}  // namespace relaxjs
