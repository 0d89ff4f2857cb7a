#include "pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define RELAXJS_PAUSE() _mm_pause()
#else
#define RELAXJS_PAUSE() std::this_thread::yield()
#endif

namespace relaxjs {

// Pause counts before a helper sleeps and before the caller, waiting for a helper's last task,
// yields its core (a helper that the OS descheduled may take a while).
constexpr int kHelperSpins = 300, kCallerSpins = 1000;

Pool& Pool::instance() {
  static Pool pool;
  return pool;
}

Pool::~Pool() { stopHelpers(); }

void Pool::stopHelpers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_++;
  }
  wake_.notify_all();
  for (auto& t : helpers_) t.join();
  helpers_.clear();
  stop_ = false;
}

void Pool::resize(int threads) {
  if (threads < 1) threads = 1;
  if (threads == this->threads()) return;
  stopHelpers();
  const long start = generation_.load();
  for (int i = 1; i < threads; i++) helpers_.emplace_back([this, start] { helperLoop(start); });
}

// `seen` is the generation when the helper was created (not when its thread starts: a stop
// posted in between must still wake it).
void Pool::helperLoop(long seen) {
  for (;;) {
    // Spin a little (a training step issues kernels back to back), then sleep: about 10-40 µs of
    // pauses, so that on a shared machine an idle helper does not take a core from others.
    for (int spin = 0; spin < kHelperSpins && generation_.load(std::memory_order_acquire) == seen; spin++) RELAXJS_PAUSE();
    const std::function<void(int)>* job;
    int tasks;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_.load() != seen; });
      seen = generation_.load();
      if (stop_) return;
      job = job_;
      tasks = tasks_;
      if (!job) continue;
      active_.fetch_add(1);
    }
    for (int t; (t = next_.fetch_add(1)) < tasks;) {
      (*job)(t);
      done_.fetch_add(1, std::memory_order_release);
    }
    active_.fetch_sub(1, std::memory_order_release);
  }
}

void Pool::run(int tasks, const std::function<void(int)>& fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    tasks_ = tasks;
    next_.store(0);
    done_.store(0);
    generation_++;
  }
  wake_.notify_all();
  for (int t; (t = next_.fetch_add(1)) < tasks;) {
    fn(t);
    done_.fetch_add(1, std::memory_order_release);
  }
  for (int spin = 0; done_.load(std::memory_order_acquire) < tasks; spin++) {
    if (spin < kCallerSpins) RELAXJS_PAUSE();
    else std::this_thread::yield();
  }
  {
    // No helper may take this job any more; wait for those that did to leave it (they claim
    // nothing more: every index is taken) before the caller's fn goes out of scope.
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = nullptr;
  }
  while (active_.load(std::memory_order_acquire) > 0) RELAXJS_PAUSE();
}

}  // namespace relaxjs
