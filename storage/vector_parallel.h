// ParallelFor: the vector code's one way to spread independent items (graph
// inserts, the queries of a batch search) over the cores.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

namespace strata::storage {

// Calls fn(i) for every i in [0, n), on up to one thread per core but no more
// than one per `min_per_thread` items (a thread costs tens of microseconds to
// start); the calling thread takes part. Returns when all calls have returned.
// `fn` must be safe to call concurrently for distinct i.
template <typename Fn>
void ParallelFor(size_t n, size_t min_per_thread, Fn&& fn) {
  // Asked once: glibc answers hardware_concurrency by opening and reading
  // /sys/devices/system/cpu/online, system calls that every single search
  // paid (~50 us of its ~160 us in process on the 2-core VM).
  static const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  size_t threads = std::min(cores, n / std::max<size_t>(1, min_per_thread));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto worker = [&]() {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running finish the work
    }
  }
  worker();
  for (auto& h : helpers) h.join();
}

}  // namespace strata::storage
