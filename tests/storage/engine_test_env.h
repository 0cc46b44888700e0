// Shared set-up for storage tests: a real Engine on real LMDB in a temporary
// directory that is removed afterwards. No mocks.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "storage/engine.h"

namespace strata::storage::testing {

// A fresh directory under the system temp dir, removed (recursively) on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = std::filesystem::temp_directory_path().string() + "/strata-storage-test-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << tmpl;
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline EngineOptions OptionsFor(const std::string& dir, Durability durability = Durability::kAlways,
                                uint64_t map_size = 1ull << 30) {
  EngineOptions options;
  options.data_dir = dir;
  options.durability = durability;
  options.map_size = map_size;
  return options;
}

// Opens an engine or fails the test with the reason.
inline std::unique_ptr<Engine> OpenOrFail(const EngineOptions& options) {
  auto engine = Engine::Open(options);
  EXPECT_TRUE(engine.ok()) << "Engine::Open(" << options.data_dir << "): " << engine.status().message();
  if (!engine.ok()) return nullptr;
  return std::move(engine).value();
}

// A test with one open engine on a fresh directory and the default scope.
class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = OpenOrFail(OptionsFor(dir_.path()));
    ASSERT_NE(engine_, nullptr);
  }

  KvStore& kv() { return engine_->kv(); }

  // Puts and returns the version; fails the test on error.
  uint64_t MustPut(std::string_view key, const Value& value, const Scope& scope = {}) {
    auto v = kv().Put(scope, key, value);
    EXPECT_TRUE(v.ok()) << "Put(" << key << "): " << v.status().message();
    return v.ok() ? *v : 0;
  }

  // Deletes and returns whether the key existed; fails the test on error.
  bool MustDelete(std::string_view key, const Scope& scope = {}) {
    auto r = kv().Delete(scope, key);
    EXPECT_TRUE(r.ok()) << "Delete(" << key << "): " << r.status().message();
    return r.ok() && r->existed;
  }

  ScratchDir dir_;
  std::unique_ptr<Engine> engine_;
  Scope scope_;
};

}  // namespace strata::storage::testing
