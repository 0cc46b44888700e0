// bench/branches: fork, diff and merge time for a child with 10 changes and
// one event over parents of growing size, with an event log a tenth of their
// keys (they should stay flat: they cost what changed, not the data size),
// export/import throughput of one branch in MB/s, and a merge that brings
// 10,000 events appended in writer batches.
//
// Uses the storage engine directly (no gRPC): one engine per parent size, in a
// temporary directory, durability "always". The parent ("default") is loaded
// with `--batch` keys per writer operation (VersionedNames::Put after
// ResolveWrite, as KvStore::Put does for one key), so loading is fast.
//
//   branch_bench [--sizes 1000,100000,1000000] [--repeats 5] [--value-bytes 100]
//                [--batch 10000] [--export-size 100000] [--out-dir bench/results]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "storage/engine.h"
#include "storage/event_log.h"
#include "storage/value.h"
#include "storage/versioned_names.h"

namespace fs = std::filesystem;
using namespace strata::storage;

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n == 0 ? 0 : (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

[[noreturn]] void Die(const std::string& what, const Status& st) {
  std::cerr << "branch_bench: " << what << ": " << st.message() << "\n";
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const std::string& what) {
  if (!r.ok()) Die(what, r.status());
  return std::move(r).value();
}

std::string KeyName(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key-%09llu", static_cast<unsigned long long>(i));
  return buf;
}

std::string Padded(uint64_t i, size_t bytes) {
  std::string s = "v" + std::to_string(i) + "-";
  s.resize(std::max(bytes, s.size()), 'x');
  return s;
}

std::vector<uint64_t> ParseSizes(const std::string& s) {
  std::vector<uint64_t> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) out.push_back(std::stoull(part));
  return out;
}

std::string MemTotal() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemTotal:", 0) == 0) {
      std::stringstream ss(line.substr(9));
      uint64_t kb = 0;
      ss >> kb;
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f GiB", kb / 1048576.0);
      return buf;
    }
  }
  return "unknown";
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto pos = line.find(':');
      if (pos != std::string::npos) return line.substr(pos + 2);
    }
  }
  return "unknown";
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out;
}

struct Row {
  uint64_t parent_keys = 0;
  uint64_t parent_events = 0;
  double load_s = 0;
  double fork_ms = 0;
  double diff_ms = 0;
  double merge_ms = 0;
  uint64_t diff_entries = 0;
  uint64_t merge_applied = 0;
};

constexpr uint64_t kBulkEvents = 10000;

struct BulkMerge {
  uint64_t target_events = 0;
  uint64_t applied = 0;
  double merge_ms = 0;
};

struct Throughput {
  uint64_t branch_keys = 0;
  uint64_t bundle_bytes = 0;
  double export_s = 0;
  double import_s = 0;
};

// Puts `n` keys on default, `batch` per writer operation.
void Load(Engine& engine, uint64_t n, size_t batch, size_t value_bytes) {
  Scope scope{"default", ""};
  for (uint64_t start = 0; start < n; start += batch) {
    uint64_t end = std::min<uint64_t>(n, start + batch);
    std::vector<std::pair<std::string, std::string>> items;
    items.reserve(end - start);
    for (uint64_t i = start; i < end; ++i) items.emplace_back(KeyName(i), EncodeValue(Value(Padded(i, value_bytes))));
    Status st = engine.core().writer().Run([&](WriteContext& ctx) -> Status {
      auto target = engine.core().ResolveWrite(ctx, scope);
      if (!target.ok()) return target.status();
      for (const auto& [key, payload] : items) {
        auto v = VersionedNames::Put(engine.core(), ctx, *target, Primitive::kKv, key, payload);
        if (!v.ok()) return v.status();
      }
      return Status::Ok();
    });
    if (!st.ok()) Die("load", st);
  }
}

// Appends `n` events to `branch`'s log, `batch` per writer operation (each
// batch's events share its time): on default, what a merge into default checks
// the child's events against.
void LoadEvents(Engine& engine, const std::string& branch, uint64_t n, size_t batch) {
  Scope scope{branch, ""};
  for (uint64_t start = 0; start < n; start += batch) {
    uint64_t end = std::min<uint64_t>(n, start + batch);
    Status st = engine.core().writer().Run([&](WriteContext& ctx) -> Status {
      auto target = engine.core().ResolveWrite(ctx, scope);
      if (!target.ok()) return target.status();
      for (uint64_t i = start; i < end; ++i) {
        auto version = ctx.NextVersion();
        if (!version.ok()) return version.status();
        Value payload = {{"step", i}, {"note", "observation " + std::to_string(i)}};
        auto r = EventLog::AppendInWriter(ctx, target->branch_id, target->space_id, "observed", payload, *version);
        if (!r.ok()) return r.status();
      }
      return Status::Ok();
    });
    if (!st.ok()) Die("load events", st);
  }
}

// 10 changes on `child`: 6 modified keys of the parent, 2 deleted, 2 new.
void TenChanges(Engine& engine, const std::string& child, uint64_t parent_keys, int round) {
  Scope scope{child, ""};
  for (int i = 0; i < 6; ++i) {
    uint64_t k = (parent_keys / 7 * (i + 1) + round) % parent_keys;
    Must(engine.kv().Put(scope, KeyName(k), Value("changed-" + std::to_string(round))), "put");
  }
  for (int i = 0; i < 2; ++i) {
    uint64_t k = (parent_keys / 3 * (i + 1) + 17 + round) % parent_keys;
    Must(engine.kv().Delete(scope, KeyName(k)), "delete");
  }
  for (int i = 0; i < 2; ++i) {
    Must(engine.kv().Put(scope, "new-" + std::to_string(round) + "-" + std::to_string(i), Value(i)), "put new");
  }
  // And one event, which the merge looks for among the parent's.
  Must(engine.events().Append(scope, "decided", Value("round " + std::to_string(round))), "append");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<uint64_t> sizes{1000, 100000, 1000000};
  int repeats = 5;
  size_t value_bytes = 100;
  size_t batch = 10000;
  uint64_t export_size = 100000;
  std::string out_dir = "bench/results";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "branch_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--sizes") sizes = ParseSizes(next());
    else if (a == "--repeats") repeats = std::stoi(next());
    else if (a == "--value-bytes") value_bytes = std::stoul(next());
    else if (a == "--batch") batch = std::stoul(next());
    else if (a == "--export-size") export_size = std::stoull(next());
    else if (a == "--out-dir") out_dir = next();
    else {
      std::cerr << "usage: branch_bench [--sizes 1000,100000,1000000] [--repeats N] [--value-bytes N] "
                   "[--batch N] [--export-size N] [--out-dir DIR]\n";
      return 2;
    }
  }

  std::vector<Row> rows;
  Throughput tp;
  BulkMerge bulk;
  for (uint64_t n : sizes) {
    fs::path dir = fs::temp_directory_path() / ("branch_bench-" + std::to_string(::getpid()) + "-" + std::to_string(n));
    fs::remove_all(dir);
    EngineOptions opts;
    opts.data_dir = dir.string();
    opts.durability = Durability::kAlways;
    auto engine = Must(Engine::Open(opts), "open " + dir.string());
    Row row;
    row.parent_keys = n;
    auto t0 = Clock::now();
    Load(*engine, n, batch, value_bytes);
    row.parent_events = n / 10;
    LoadEvents(*engine, "default", row.parent_events, batch);
    row.load_s = Seconds(t0, Clock::now());
    std::cerr << "loaded " << n << " keys and " << row.parent_events << " events in " << row.load_s << " s\n";

    std::vector<double> fork_ms, diff_ms, merge_ms;
    for (int r = 0; r < repeats; ++r) {
      std::string child = "child-" + std::to_string(r);
      auto a = Clock::now();
      Must(engine->branches().Fork("default", child), "fork");
      fork_ms.push_back(Seconds(a, Clock::now()) * 1e3);
      TenChanges(*engine, child, n, r);
      a = Clock::now();
      auto diff = Must(engine->branches().Diff("default", child), "diff");
      diff_ms.push_back(Seconds(a, Clock::now()) * 1e3);
      row.diff_entries = diff.entries.size();
      a = Clock::now();
      auto merged = Must(engine->branches().Merge(child, "default", ""), "merge");
      merge_ms.push_back(Seconds(a, Clock::now()) * 1e3);
      row.merge_applied = merged.keys_applied;
    }
    row.fork_ms = Median(fork_ms);
    row.diff_ms = Median(diff_ms);
    row.merge_ms = Median(merge_ms);
    rows.push_back(row);

    if (n == export_size) {
      // The branch exported: a fork of the parent (everything visible through its layers).
      Must(engine->branches().Fork("default", "to-export"), "fork for export");
      std::vector<double> ex, im;
      for (int r = 0; r < std::max(1, repeats / 2 + 1); ++r) {
        std::string bundle;
        auto a = Clock::now();
        auto res = Must(engine->branches().Export("to-export", [&](std::string_view piece) {
          bundle.append(piece);
          return Status::Ok();
        }), "export");
        ex.push_back(Seconds(a, Clock::now()));
        tp.bundle_bytes = res.bundle_size;
        a = Clock::now();
        Must(engine->branches().Import(bundle, "imported-" + std::to_string(r)), "import");
        im.push_back(Seconds(a, Clock::now()));
      }
      tp.branch_keys = n;
      tp.export_s = Median(ex);
      tp.import_s = Median(im);

      // A merge that brings many events, appended in writer batches that
      // stamp each batch's events with one time.
      Must(engine->branches().Fork("default", "bulk"), "fork for the bulk merge");
      LoadEvents(*engine, "bulk", kBulkEvents, 1000);
      auto started = Clock::now();
      auto merged = Must(engine->branches().Merge("bulk", "default", ""), "bulk merge");
      bulk.merge_ms = Seconds(started, Clock::now()) * 1e3;
      bulk.applied = merged.keys_applied;
      bulk.target_events = row.parent_events;
    }
    engine.reset();
    fs::remove_all(dir);
  }

  double mb = tp.bundle_bytes / 1e6;
  std::printf("\nbranch bench: child with 10 changes (6 modified, 2 deleted, 2 added) and 1 event; median of %d, "
              "durability always\n",
              repeats);
  std::printf("%12s %12s %10s %10s %10s %10s %8s %8s\n", "parent keys", "events", "load s", "fork ms", "diff ms",
              "merge ms", "diff n", "applied");
  for (const Row& r : rows) {
    std::printf("%12llu %12llu %10.2f %10.3f %10.3f %10.3f %8llu %8llu\n",
                static_cast<unsigned long long>(r.parent_keys), static_cast<unsigned long long>(r.parent_events),
                r.load_s, r.fork_ms, r.diff_ms, r.merge_ms, static_cast<unsigned long long>(r.diff_entries),
                static_cast<unsigned long long>(r.merge_applied));
  }
  if (bulk.applied > 0) {
    std::printf("\nmerge of %llu events (writer batches of 1000) into a log of %llu: %.1f ms, %llu applied\n",
                static_cast<unsigned long long>(kBulkEvents), static_cast<unsigned long long>(bulk.target_events),
                bulk.merge_ms, static_cast<unsigned long long>(bulk.applied));
  }
  if (tp.branch_keys > 0) {
    std::printf("\nexport/import of a %llu-key branch: bundle %.1f MB; export %.3f s = %.1f MB/s; import %.3f s = %.1f MB/s\n",
                static_cast<unsigned long long>(tp.branch_keys), mb, tp.export_s, mb / tp.export_s, tp.import_s,
                mb / tp.import_s);
  }

  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&now));
  std::ostringstream j;
  j << "{\n  \"bench\": \"branches\",\n  \"timestamp\": \"" << stamp << "\",\n";
  j << "  \"machine\": {\"nproc\": " << std::thread::hardware_concurrency() << ", \"memory\": \"" << MemTotal()
    << "\", \"cpu\": \"" << JsonEscape(CpuModel()) << "\"},\n";
  j << "  \"parameters\": {\"repeats\": " << repeats << ", \"value_bytes\": " << value_bytes
    << ", \"load_batch\": " << batch << ", \"changes_on_child\": 10, \"events_on_child\": 1, \"durability\": \"always\", "
    << "\"load\": \"VersionedNames::Put, batch keys per writer operation\", \"export_size\": " << export_size << "},\n";
  j << "  \"rows\": [\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    j << "    {\"parent_keys\": " << r.parent_keys << ", \"parent_events\": " << r.parent_events << ", \"load_s\": " << r.load_s << ", \"fork_ms\": " << r.fork_ms
      << ", \"diff_ms\": " << r.diff_ms << ", \"merge_ms\": " << r.merge_ms << ", \"diff_entries\": " << r.diff_entries
      << ", \"merge_applied\": " << r.merge_applied << "}" << (i + 1 < rows.size() ? "," : "") << "\n";
  }
  j << "  ],\n  \"bulk_merge\": {\"events\": " << kBulkEvents << ", \"target_events\": " << bulk.target_events
    << ", \"merge_ms\": " << bulk.merge_ms << ", \"applied\": " << bulk.applied << "},\n";
  j << "  \"export_import\": {\"branch_keys\": " << tp.branch_keys << ", \"bundle_bytes\": " << tp.bundle_bytes
    << ", \"export_s\": " << tp.export_s << ", \"import_s\": " << tp.import_s
    << ", \"export_mb_s\": " << (tp.export_s > 0 ? mb / tp.export_s : 0)
    << ", \"import_mb_s\": " << (tp.import_s > 0 ? mb / tp.import_s : 0) << "}\n}\n";
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  fs::path out = fs::path(out_dir) / ("branches-" + std::string(stamp) + ".json");
  std::ofstream f(out);
  f << j.str();
  if (!f) {
    std::cerr << "branch_bench: cannot write " << out << "\n";
    return 1;
  }
  std::printf("\nwrote %s\n", out.string().c_str());
  return 0;
}
