// Writes seed inputs for the fuzz targets (valid encodings the fuzzer then
// mutates): make_seeds <dir> creates <dir>/<target>/seed-N for each target.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storage/bundle.h"
#include "storage/key_codec.h"
#include "storage/value.h"

using namespace strata::storage;
namespace fs = std::filesystem;

static void Write(const fs::path& dir, const std::string& target, const std::vector<std::string>& seeds) {
  fs::create_directories(dir / target);
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream out(dir / target / ("seed-" + std::to_string(i)), std::ios::binary);
    out << seeds[i];
  }
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
    return 2;
  }
  fs::path dir(argv[1]);
  std::vector<Value> values = {
      Value(), Value(true), Value(-7), Value(1.5), Value("text"), Value::binary({1, 2, 3}),
      Value::parse(R"({"a": [1, 2.5, "x", null, {"b": false}], "c": {"d": []}})"),
      Value::array({Value::array({Value::array({1})})}),
  };
  std::vector<std::string> encoded;
  for (const Value& v : values) encoded.push_back(EncodeValue(v));
  Write(dir, "fuzz_value_decoder", encoded);

  std::vector<std::string> keys;
  for (const std::string& name : {std::string("user:1"), std::string(500, 'k'), std::string("\xc3\xa9t\xc3\xa9")}) {
    std::string k(17, '\0');
    k[3] = 1;
    k[7] = 2;
    k[15] = 9;
    keys.push_back(k + name);
  }
  Write(dir, "fuzz_key_codec", keys);

  Write(dir, "fuzz_json_path",
        {"$", "$.a", "$.a[0]", "$.a[-1]", "$['we ird'].x", "$[\"q\\\"\"]", "$.a[1].b", "$.d.e.f[0]"});

  std::vector<std::string> filters;
  auto filter = [&](const std::string& field, const std::string& op, const Value& v) {
    filters.push_back(field + std::string(1, '\0') + op + std::string(1, '\0') + EncodeValue(v));
  };
  filter("n", "eq", Value(1));
  filter("tags", "contains", Value("intro"));
  filter("a.b.c", "in", Value::array({1, "x", 2.5}));
  filter("score", "gte", Value(0.5));
  filter("title", "lt", Value("m"));
  Write(dir, "fuzz_vector_filter", filters);

  std::string bundle;
  BundleWriter writer("seed", [&](std::string_view piece) {
    bundle.append(piece);
    return Status::Ok();
  });
  BundleEntry space;
  space.kind = 'S';
  space.space = "default";
  (void)writer.Add(space);
  BundleEntry record;
  record.kind = 'R';
  record.space = "default";
  record.name = "k";
  record.version = 3;
  record.timestamp = 1700000000000000;
  record.payload = EncodeValue(Value("v"));
  (void)writer.Add(record);
  BundleEntry event;
  event.kind = 'E';
  event.space = "default";
  event.name = "type";
  event.sequence = 0;
  event.version = 4;
  event.payload = EncodeValue(Value::object({{"x", 1}}));
  event.hash = std::string(32, 'h');
  (void)writer.Add(event);
  (void)writer.Finish();
  // Odd first byte: taken as is; even: the rest is wrapped as one data frame
  // (fuzz_bundle_reader.cc), so also seed the bare frame payload.
  size_t header = kBundleMagic.size() + 4 + 2 + 4;
  size_t frame_len = ReadU32(std::string_view(bundle).substr(header + 1));
  std::string frame_payload = bundle.substr(header + 9, frame_len);
  Write(dir, "fuzz_bundle_reader", {std::string(1, '\x01') + bundle, std::string(1, '\x00') + frame_payload});
  return 0;
}
