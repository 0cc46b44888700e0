// Starts a real stratad child process on 127.0.0.1 with port 0 for e2e tests,
// waits for its --ready-file, and stops it. Bounded waits only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace strata::testutil {

// A temporary directory removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ServerProcess {
 public:
  // Starts stratad with `args` plus --listen 127.0.0.1:0 and --ready-file.
  // Fails the current test (ADD_FAILURE) if it is not ready within `timeout`.
  explicit ServerProcess(std::vector<std::string> args,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~ServerProcess();

  bool ready() const { return !address_.empty(); }
  // "127.0.0.1:PORT".
  const std::string& address() const { return address_; }
  // The metrics endpoint's "127.0.0.1:PORT" (the ready file's "metrics=" line), "" without --metrics-listen.
  const std::string& metrics_address() const { return metrics_address_; }
  pid_t pid() const { return pid_; }
  // The --ready-file this process was started with.
  std::string ready_file() const { return ready_dir_.path() + "/ready"; }
  // Sends `signal` and waits (bounded) for exit; returns the exit status as
  // from waitpid, or -1 on timeout (the process is then killed).
  int Stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  pid_t pid_ = -1;
  std::string address_;
  std::string metrics_address_;
  TempDir ready_dir_;
};

// Runs stratad with `args` to completion (bounded) and returns its exit code and
// its stderr and stdout together.
struct RunResult {
  int exit_code = -1;
  std::string output;
};
RunResult RunStratad(const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Runs any program (by path) the same way: bounded, output captured. A program
// that cannot be executed exits 127.
RunResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace strata::testutil
