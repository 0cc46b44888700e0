// stratad as a process: readiness, signals, restarts, and refusing to start
// with a bad flag, an unusable directory, a taken port or a locked directory.
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "strata/v1/admin.grpc.pb.h"
#include "strata/v1/branches.grpc.pb.h"
#include "strata/v1/kv.grpc.pb.h"
#include "tests/testutil/grpc_client.h"
#include "tests/testutil/server_process.h"

namespace strata {
namespace {

using testutil::CallContext;
using testutil::RunStratad;
using testutil::ServerProcess;
using testutil::TempDir;

bool ExitedWith(int status, int code) { return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == code; }

uint64_t Put(const std::string& address, const std::string& key, const std::string& value) {
  auto kv = v1::KV::NewStub(testutil::Connect(address));
  v1::KvPutRequest req;
  req.set_key(key);
  *req.mutable_value() = testutil::StringValue(value);
  v1::WriteResponse resp;
  CallContext ctx;
  grpc::Status st = kv->Put(ctx.get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp.version();
}

std::optional<std::string> Get(const std::string& address, const std::string& key) {
  auto kv = v1::KV::NewStub(testutil::Connect(address));
  v1::KvGetRequest req;
  req.set_key(key);
  v1::KvGetResponse resp;
  CallContext ctx;
  grpc::Status st = kv->Get(ctx.get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  if (!resp.found()) return std::nullopt;
  return resp.entry().value().string_value();
}

TEST(ServerLifecycleTest, ReadyFileHoldsTheBoundLoopbackAddress) {
  TempDir dir;
  ServerProcess server({"--data-dir", dir.path() + "/db"});
  ASSERT_TRUE(server.ready());
  std::ifstream in(server.ready_file());
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::smatch m;
  ASSERT_TRUE(std::regex_match(content, m, std::regex(R"(127\.0\.0\.1:(\d+)\n)"))) << "ready file: " << content;
  int port = std::stoi(m[1]);
  EXPECT_GT(port, 0);
  EXPECT_LT(port, 65536);
  EXPECT_EQ(server.address(), "127.0.0.1:" + std::to_string(port));
  auto admin = v1::Admin::NewStub(testutil::Connect(server.address()));
  v1::PingResponse pong;
  CallContext ctx;
  EXPECT_TRUE(admin->Ping(ctx.get(), v1::PingRequest(), &pong).ok());
}

TEST(ServerLifecycleTest, SigtermExitsZero) {
  TempDir dir;
  ServerProcess server({"--data-dir", dir.path() + "/db"});
  ASSERT_TRUE(server.ready());
  Put(server.address(), "k", "v");
  int status = server.Stop(SIGTERM);
  EXPECT_TRUE(ExitedWith(status, 0)) << "wait status " << status;
}

// Clients keep their connections open between calls (every pooled client
// does). An open connection with no call in progress must not hold a stopping
// server for its whole grace. Before the fix stratad waited 5 s for a C++
// client's idle connection and 20 s for a Python one's, or the whole grace if
// shorter; a stop takes well under a second otherwise, hence the 3 s bound.
TEST(ServerLifecycleTest, SigtermWithAnIdleClientConnectedExitsWithoutWaitingOutTheGrace) {
  TempDir dir;
  ServerProcess server({"--data-dir", dir.path() + "/db", "--shutdown-grace-ms", "600000"});
  ASSERT_TRUE(server.ready());
  auto channel = testutil::Connect(server.address());
  auto admin = v1::Admin::NewStub(channel);
  v1::PingResponse pong;
  CallContext ctx;
  ASSERT_TRUE(admin->Ping(ctx.get(), v1::PingRequest(), &pong).ok());
  int status = server.Stop(SIGTERM, std::chrono::seconds(3));
  EXPECT_TRUE(ExitedWith(status, 0)) << "stratad did not exit promptly while a client kept an idle connection (wait status "
                                     << status << ")";
}

// A call in progress when SIGTERM arrives still finishes within the grace:
// an export whose reader pauses across the signal gets every chunk and an OK
// status, and the server exits after it (its connection still open).
TEST(ServerLifecycleTest, SigtermLetsAStreamInProgressFinishThenExits) {
  TempDir dir;
  ServerProcess server({"--data-dir", dir.path() + "/db", "--shutdown-grace-ms", "600000"});
  ASSERT_TRUE(server.ready());
  // ~12 MiB: more than the connection's buffers, so the export's writer is
  // still waiting on the paused reader when the signal comes.
  std::string big(512 * 1024, 'x');
  for (int i = 0; i < 24; ++i) Put(server.address(), "big" + std::to_string(i), big);
  auto channel = testutil::Connect(server.address());
  auto branches = v1::Branches::NewStub(channel);
  CallContext ctx(std::chrono::seconds(60));
  v1::BranchExportRequest req;
  req.set_name("default");
  auto reader = branches->Export(ctx.get(), req);
  v1::BundleChunk chunk;
  ASSERT_TRUE(reader->Read(&chunk));
  size_t bytes = chunk.data().size();
  int status = -2;
  std::thread stopper([&] { status = server.Stop(SIGTERM, std::chrono::seconds(30)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  while (reader->Read(&chunk)) bytes += chunk.data().size();
  grpc::Status st = reader->Finish();
  stopper.join();
  EXPECT_TRUE(st.ok()) << "the export was cut short by the shutdown: " << st.error_message();
  EXPECT_GT(bytes, 24u * big.size());
  EXPECT_TRUE(ExitedWith(status, 0)) << "wait status " << status;
}

TEST(ServerLifecycleTest, SigintExitsZero) {
  TempDir dir;
  ServerProcess server({"--data-dir", dir.path() + "/db"});
  ASSERT_TRUE(server.ready());
  Put(server.address(), "k", "v");
  int status = server.Stop(SIGINT);
  EXPECT_TRUE(ExitedWith(status, 0)) << "wait status " << status;
}

TEST(ServerLifecycleTest, DataSurvivesASigtermRestartOnTheSameDataDir) {
  TempDir dir;
  std::string data = dir.path() + "/db";
  uint64_t last = 0;
  {
    ServerProcess server({"--data-dir", data});
    ASSERT_TRUE(server.ready());
    for (int i = 0; i < 20; ++i) last = Put(server.address(), "key" + std::to_string(i), "value" + std::to_string(i));
    Put(server.address(), "key0", "rewritten");
    ASSERT_TRUE(ExitedWith(server.Stop(SIGTERM), 0));
  }
  ServerProcess server({"--data-dir", data});
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(Get(server.address(), "key0"), "rewritten");
  for (int i = 1; i < 20; ++i) {
    EXPECT_EQ(Get(server.address(), "key" + std::to_string(i)), "value" + std::to_string(i));
  }
  auto admin = v1::Admin::NewStub(testutil::Connect(server.address()));
  v1::InfoResponse info;
  CallContext ctx;
  ASSERT_TRUE(admin->Info(ctx.get(), v1::InfoRequest(), &info).ok());
  EXPECT_EQ(info.total_keys(), 20u);
  EXPECT_EQ(info.current_version(), last + 1);
  // Versions continue after the restart.
  EXPECT_EQ(Put(server.address(), "new", "x"), last + 2);
}

TEST(ServerLifecycleTest, EphemeralDataIsGoneAfterARestart) {
  ServerProcess first({"--ephemeral"});
  ASSERT_TRUE(first.ready());
  Put(first.address(), "k", "v");
  EXPECT_EQ(Get(first.address(), "k"), "v");
  ASSERT_TRUE(ExitedWith(first.Stop(SIGTERM), 0));
  ServerProcess second({"--ephemeral"});
  ASSERT_TRUE(second.ready());
  EXPECT_EQ(Get(second.address(), "k"), std::nullopt);
}

TEST(ServerLifecycleTest, UnknownFlagExitsNonZeroWithAMessage) {
  auto result = RunStratad({"--no-such-flag"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.exit_code, -1) << "stratad did not exit by itself";
  EXPECT_NE(result.output.find("no-such-flag"), std::string::npos) << result.output;
}

TEST(ServerLifecycleTest, BadFlagValueExitsNonZeroWithAMessage) {
  auto result = RunStratad({"--durability", "sometimes"});
  EXPECT_GT(result.exit_code, 0);
  EXPECT_NE(result.output.find("durability"), std::string::npos) << result.output;
  auto tiny = RunStratad({"--map-size", "1KiB"});
  EXPECT_GT(tiny.exit_code, 0);
  EXPECT_NE(tiny.output.find("map-size"), std::string::npos) << tiny.output;
}

// gRPC took 127.0.0.1:99999 as port 34463, a missing port as 443 and "unix:"
// as a nameless abstract socket: stratad served where nobody asked.
TEST(ServerLifecycleTest, MalformedListenAddressesExitNonZeroNamingTheAddress) {
  TempDir dir;
  for (const std::string& bad : {"127.0.0.1:99999", "127.0.0.1", "unix:", "127.0.0.1:50051x", "::1:5"}) {
    auto result = RunStratad({"--listen", bad, "--data-dir", dir.path() + "/db"});
    EXPECT_EQ(result.exit_code, 2) << bad << ": " << result.output;
    EXPECT_NE(result.output.find("--listen \"" + bad + "\" is not"), std::string::npos) << result.output;
  }
  // --metrics-listen the same way (it failed with a web-server library's message
  // after the database was created).
  auto metrics = RunStratad({"--metrics-listen", "garbage", "--data-dir", dir.path() + "/db"});
  EXPECT_EQ(metrics.exit_code, 2) << metrics.output;
  EXPECT_NE(metrics.output.find("--metrics-listen \"garbage\" is not host:port"), std::string::npos)
      << metrics.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/db")) << "a refused start writes nothing";
}

// A misspelled key in the config file (durabilty = ...), a key under a
// [section], or a line that is not key = value was ignored: the server started
// with the defaults.
TEST(ServerLifecycleTest, ConfigFileKeysStratadDoesNotKnowExitNonZeroNamingThem) {
  TempDir dir;
  for (const std::string& text : {"durabilty = \"relaxed\"\n", "[server]\nmap-size = \"64MiB\"\n",
                                   "this is not toml [[[\n"}) {
    std::string path = dir.path() + "/stratad.toml";
    std::ofstream(path) << text;
    auto result = RunStratad({"--config", path, "--data-dir", dir.path() + "/db"});
    EXPECT_EQ(result.exit_code, 2) << text << result.output;
    EXPECT_NE(result.output.find("--config: "), std::string::npos) << result.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/db"));
}

// --ephemeral with --durability always started ephemeral and deleted the data
// at exit, without a word.
TEST(ServerLifecycleTest, EphemeralWithAnotherDurabilityExitsNonZero) {
  auto result = RunStratad({"--ephemeral", "--durability", "always"});
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("--ephemeral contradicts --durability always"), std::string::npos) << result.output;
}

// docs/operations.md: a flag on the command line wins over the file. With
// durability = "always" in the file (as deploy/systemd/stratad.toml has),
// --ephemeral on the command line was refused as contradicting a
// "--durability always" the command line never gave.
TEST(ServerLifecycleTest, DurabilityOnTheCommandLineWinsOverTheConfigFile) {
  TempDir dir;
  std::string always = dir.path() + "/always.toml";
  std::ofstream(always) << "durability = \"always\"\n";
  std::string ephemeral = dir.path() + "/ephemeral.toml";
  std::ofstream(ephemeral) << "ephemeral = true\n";
  struct Case {
    std::vector<std::string> args;
    std::string durability;
  };
  int n = 0;
  for (Case c : {Case{{"--config", always, "--ephemeral"}, "ephemeral"},
                 Case{{"--config", ephemeral, "--durability", "relaxed"}, "relaxed"},
                 Case{{"--config", ephemeral}, "ephemeral"}, Case{{"--config", always}, "always"}}) {
    c.args.push_back("--data-dir");
    c.args.push_back(dir.path() + "/db" + std::to_string(++n));
    ServerProcess server(c.args);
    ASSERT_TRUE(server.ready()) << c.args[1] << " " << c.args.back();
    auto admin = v1::Admin::NewStub(testutil::Connect(server.address()));
    v1::InfoResponse info;
    CallContext ctx;
    ASSERT_TRUE(admin->Info(ctx.get(), v1::InfoRequest(), &info).ok());
    EXPECT_EQ(info.durability(), c.durability) << c.args[1] << " " << c.args[2];
  }
}

// Given in the same place, the two spellings must still agree.
TEST(ServerLifecycleTest, EphemeralContradictingDurabilityInOnePlaceExitsNonZero) {
  TempDir dir;
  std::string relaxed = dir.path() + "/relaxed.toml";
  std::ofstream(relaxed) << "durability = \"relaxed\"\n";
  auto both_flags = RunStratad({"--config", relaxed, "--ephemeral", "--durability", "always"});
  EXPECT_EQ(both_flags.exit_code, 2) << both_flags.output;
  EXPECT_NE(both_flags.output.find("--ephemeral contradicts --durability always"), std::string::npos)
      << both_flags.output;

  std::string both_keys = dir.path() + "/both.toml";
  std::ofstream(both_keys) << "ephemeral = true\ndurability = \"always\"\n";
  auto in_file = RunStratad({"--config", both_keys, "--data-dir", dir.path() + "/db"});
  EXPECT_EQ(in_file.exit_code, 2) << in_file.output;
  EXPECT_NE(in_file.output.find("--config: ephemeral = true contradicts durability = \"always\""),
            std::string::npos)
      << in_file.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/db"));
}

// A [section] header was reported as the unknown key "server.++", CLI11's
// internal marker, which names nothing the user wrote.
TEST(ServerLifecycleTest, ConfigFileSectionIsNamedAsWritten) {
  TempDir dir;
  struct Case {
    std::string text;
    std::string named;
  };
  for (const Case& c : {Case{"[server]\nlisten = \"127.0.0.1:0\"\n", "sections are not supported: [server]"},
                        Case{"map-size = \"64MiB\"\n[stratad.server]\nlisten = \"127.0.0.1:0\"\n",
                             "sections are not supported: [stratad.server]"},
                        Case{"server.listen = \"127.0.0.1:0\"\n", "server.listen"}}) {
    std::string path = dir.path() + "/stratad.toml";
    std::ofstream(path) << c.text;
    auto result = RunStratad({"--config", path, "--data-dir", dir.path() + "/db"});
    EXPECT_EQ(result.exit_code, 2) << c.text << result.output;
    EXPECT_NE(result.output.find("--config: "), std::string::npos) << result.output;
    EXPECT_NE(result.output.find(c.named), std::string::npos) << c.text << result.output;
    EXPECT_EQ(result.output.find("++"), std::string::npos) << result.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/db"));
}

TEST(ServerLifecycleTest, VersionFlagPrintsTheVersionAndExitsZero) {
  auto result = RunStratad({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.output.find("stratad"), std::string::npos) << result.output;
}

TEST(ServerLifecycleTest, DataDirUnderARegularFileExitsNonZeroNamingThePath) {
  TempDir dir;
  std::string file = dir.path() + "/regular-file";
  std::ofstream(file) << "x";
  std::string bad = file + "/db";
  auto result = RunStratad({"--data-dir", bad, "--listen", "127.0.0.1:0"});
  EXPECT_GT(result.exit_code, 0);
  EXPECT_NE(result.output.find(bad), std::string::npos) << result.output;
}

TEST(ServerLifecycleTest, PortAlreadyInUseExitsNonZero) {
  TempDir dir;
  ServerProcess first({"--data-dir", dir.path() + "/one"});
  ASSERT_TRUE(first.ready());
  auto result = RunStratad({"--data-dir", dir.path() + "/two", "--listen", first.address()});
  EXPECT_GT(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find(first.address()), std::string::npos) << result.output;
  // Refused before the database opened: before, its files were created.
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/two/data.mdb")) << result.output;
  auto metrics = RunStratad({"--data-dir", dir.path() + "/three", "--metrics-listen", first.address()});
  EXPECT_GT(metrics.exit_code, 0) << metrics.output;
  EXPECT_NE(metrics.output.find("--metrics-listen " + first.address()), std::string::npos) << metrics.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/three/data.mdb")) << metrics.output;
  // The first server is unaffected.
  Put(first.address(), "k", "v");
  EXPECT_EQ(Get(first.address(), "k"), "v");
}

TEST(ServerLifecycleTest, SecondServerOnTheSameDataDirExitsNonZero) {
  TempDir dir;
  std::string data = dir.path() + "/db";
  ServerProcess first({"--data-dir", data});
  ASSERT_TRUE(first.ready());
  auto result = RunStratad({"--data-dir", data, "--listen", "127.0.0.1:0"});
  EXPECT_GT(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("in use"), std::string::npos) << result.output;
  Put(first.address(), "k", "v");
  EXPECT_EQ(Get(first.address(), "k"), "v");
}

}  // namespace
}  // namespace strata
