// StopTriggers: the reasons stratad stops on its own, besides SIGINT/SIGTERM.
//   --watch-fd FD      the peer end of an inherited pipe closed: the process
//                      that started stratad (and held the write end) is gone,
//                      however it died, even by SIGKILL. Strata.cache() uses it
//                      so that a private server never outlives its owner.
//   --idle-exit-ms N   no call has been in progress for N ms. Strata.open(dir)
//                      uses it so that a shared local server exits once its
//                      last client is gone.
// Each trigger runs on its own thread and calls `on_stop` once, after logging
// why; main then shuts down exactly as on SIGTERM.
// Thread safety: construct, Watch* and Stop from one thread (main).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "server/activity.h"
#include "storage/status.h"

namespace strata::server {

class StopTriggers {
 public:
  // `on_stop` must be async-safe enough to be called from a trigger thread.
  explicit StopTriggers(std::function<void()> on_stop);
  ~StopTriggers();  // Stop()
  StopTriggers(const StopTriggers&) = delete;
  StopTriggers& operator=(const StopTriggers&) = delete;

  // Fires when `fd` reaches end of file or hangs up. kInvalidArgument if `fd`
  // is not an open descriptor.
  [[nodiscard]] storage::Status WatchFd(int fd);

  // Fires once `activity` has been idle for `idle`; `activity` must outlive
  // Stop().
  void WatchIdle(const ActivityTracker& activity, std::chrono::milliseconds idle);

  // Ends the trigger threads (bounded by their polling tick) and joins them.
  void Stop();

 private:
  void Fire();
  std::function<void()> on_stop_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> fired_{false};
  std::vector<std::thread> threads_;
};

}  // namespace strata::server
