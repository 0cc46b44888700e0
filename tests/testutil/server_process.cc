#include "tests/testutil/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace strata::testutil {
namespace {

pid_t Spawn(const std::string& program, const std::vector<std::string>& args, int out_fd) {
  // Everything the child needs is prepared before fork: only async-signal-safe
  // calls run between fork and exec (the parent has gRPC threads).
  std::vector<char*> argv;
  std::string bin = program;
  std::vector<std::string> copy = args;
  argv.push_back(bin.data());
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    // If the test process dies (a crash, a fatal signal), take the child with it
    // rather than leave an orphan holding the test's output pipes open. (The
    // signal follows the forking thread; tests start servers from their main thread.)
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (out_fd >= 0) {
      dup2(out_fd, 1);
      dup2(out_fd, 2);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int WaitBounded(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  return -1;
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = std::filesystem::temp_directory_path().string() + "/strata-test-XXXXXX";
  path_ = mkdtemp(tmpl.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ServerProcess::ServerProcess(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  std::string ready_file = ready_dir_.path() + "/ready";
  args.insert(args.end(), {"--listen", "127.0.0.1:0", "--ready-file", ready_file, "--log-level", "warn"});
  pid_ = Spawn(STRATAD_BIN, args, -1);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(ready_file);
    std::string line;
    if (in && std::getline(in, line) && !line.empty()) {
      address_ = line;
      // The file is renamed into place whole: later lines are there too.
      while (std::getline(in, line)) {
        if (line.rfind("metrics=", 0) == 0) metrics_address_ = line.substr(8);
      }
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      ADD_FAILURE() << "stratad exited before it was ready (status " << status << ")";
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "stratad was not ready within " << timeout.count() << " ms";
}

ServerProcess::~ServerProcess() {
  if (pid_ <= 0) return;
  // A server that does not stop cleanly fails the test that ran it. This is
  // where sanitizer builds speak up about the server's shutdown: LeakSanitizer
  // runs at exit and turns a leak into a non-zero status (its report is in the
  // test's output, the server writes to ours).
  int status = Stop(SIGTERM);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ADD_FAILURE() << "stratad did not exit cleanly on SIGTERM (waitpid status " << status
                  << (status != -1 && WIFEXITED(status) ? ", exit code " + std::to_string(WEXITSTATUS(status)) : "")
                  << (status != -1 && WIFSIGNALED(status) ? ", signal " + std::to_string(WTERMSIG(status)) : "") << ")";
  }
}

int ServerProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = WaitBounded(pid_, timeout);
  pid_ = -1;
  return status;
}

RunResult RunStratad(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  return RunProgram(STRATAD_BIN, args, timeout);
}

RunResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout) {
  TempDir dir;
  std::string out_path = dir.path() + "/out";
  int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  pid_t pid = Spawn(program, args, fd);
  close(fd);
  int status = WaitBounded(pid, timeout);
  RunResult result;
  result.exit_code = (status >= 0 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out_path);
  std::stringstream ss;
  ss << in.rdbuf();
  result.output = ss.str();
  return result;
}

}  // namespace strata::testutil
