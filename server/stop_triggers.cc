#include "server/stop_triggers.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace strata::server {
namespace {

// How often a trigger thread checks whether stratad is already stopping: the
// bound on how long Stop() waits for it.
constexpr int kTickMs = 100;

}  // namespace

StopTriggers::StopTriggers(std::function<void()> on_stop) : on_stop_(std::move(on_stop)) {}

StopTriggers::~StopTriggers() { Stop(); }

void StopTriggers::Fire() {
  if (!fired_.exchange(true)) on_stop_();
}

storage::Status StopTriggers::WatchFd(int fd) {
  if (fd < 0 || fcntl(fd, F_GETFD) == -1) {
    return storage::Status::InvalidArgument("--watch-fd " + std::to_string(fd) +
                                            " is not an open file descriptor of this process");
  }
  threads_.emplace_back([this, fd] {
    char buffer[256];
    while (!stopping_.load()) {
      pollfd p = {fd, POLLIN, 0};
      int n = poll(&p, 1, kTickMs);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) continue;
      // Anything the peer writes is ignored; only its going away matters.
      ssize_t got = (n > 0 && (p.revents & POLLIN)) ? read(fd, buffer, sizeof buffer) : 0;
      if (got > 0 || (got < 0 && (errno == EINTR || errno == EAGAIN))) continue;
      spdlog::info("the peer of --watch-fd {} closed it (the process that started stratad is gone), shutting down", fd);
      Fire();
      return;
    }
  });
  return storage::Status::Ok();
}

void StopTriggers::WatchIdle(const ActivityTracker& activity, std::chrono::milliseconds idle) {
  threads_.emplace_back([this, &activity, idle] {
    while (!stopping_.load()) {
      auto idle_for = activity.IdleFor();
      if (idle_for >= idle) {
        spdlog::info("no call for {} ms (--idle-exit-ms {}), shutting down", idle_for.count(), idle.count());
        Fire();
        return;
      }
      // Sleep until the idle period could end, but keep noticing Stop().
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(idle - idle_for).count();
      std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp<int64_t>(left, 1, kTickMs)));
    }
  });
}

void StopTriggers::Stop() {
  stopping_.store(true);
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace strata::server
