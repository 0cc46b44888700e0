// The JSON path grammar of spec/api.md §7 and the edits it drives: parsing
// (with the exact position of the offending character), SetAtPath,
// FindAtPath, EraseAtPath and the finite-number check.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/json_path.h"

namespace strata::storage {
namespace {

JsonPath MustParse(std::string_view text) {
  auto p = ParseJsonPath(text);
  EXPECT_TRUE(p.ok()) << "\"" << text << "\": " << p.status().message();
  return p.ok() ? *p : JsonPath{};
}

PathSegment Name(std::string n) { return PathSegment{false, std::move(n), 0}; }
PathSegment Index(int64_t i) { return PathSegment{true, {}, i}; }

void ExpectSegments(std::string_view text, const std::vector<PathSegment>& expected) {
  auto p = ParseJsonPath(text);
  ASSERT_TRUE(p.ok()) << "\"" << text << "\": " << p.status().message();
  EXPECT_EQ(p->text, text);
  ASSERT_EQ(p->segments.size(), expected.size()) << text;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(p->segments[i].is_index, expected[i].is_index) << text << " segment " << i;
    if (expected[i].is_index) {
      EXPECT_EQ(p->segments[i].index, expected[i].index) << text << " segment " << i;
    } else {
      EXPECT_EQ(p->segments[i].name, expected[i].name) << text << " segment " << i;
    }
  }
}

// ---- valid paths ----

TEST(JsonPathParseTest, DollarIsTheRoot) {
  JsonPath p = MustParse("$");
  EXPECT_TRUE(p.is_root());
  EXPECT_TRUE(p.segments.empty());
}

TEST(JsonPathParseTest, DottedNames) {
  ExpectSegments("$.a", {Name("a")});
  ExpectSegments("$.a.b", {Name("a"), Name("b")});
  ExpectSegments("$.a-b_c", {Name("a-b_c")});
  ExpectSegments("$.A9.z_", {Name("A9"), Name("z_")});
  ExpectSegments("$.0", {Name("0")});  // a dotted digit is a name, not an index
}

TEST(JsonPathParseTest, QuotedNamesWithEscapes) {
  ExpectSegments("$['x y']", {Name("x y")});
  ExpectSegments("$[\"q\\\"uote\"]", {Name("q\"uote")});
  ExpectSegments("$['it\\'s']", {Name("it's")});
  ExpectSegments("$['back\\\\slash']", {Name("back\\slash")});
  ExpectSegments("$['a.b[0]$']", {Name("a.b[0]$")});
  ExpectSegments("$['']", {Name("")});
  ExpectSegments("$[\"caf\xc3\xa9\"]", {Name("caf\xc3\xa9")});
}

TEST(JsonPathParseTest, Indexes) {
  ExpectSegments("$[0]", {Index(0)});
  ExpectSegments("$[-1]", {Index(-1)});
  ExpectSegments("$[12]", {Index(12)});
  ExpectSegments("$.a[3].b['c d'][-1]", {Name("a"), Index(3), Name("b"), Name("c d"), Index(-1)});
}

// ---- invalid paths, with the position of the offending character ----

struct Invalid {
  std::string text;
  size_t position;
};

class JsonPathInvalidTest : public ::testing::TestWithParam<Invalid> {};

TEST_P(JsonPathInvalidTest, IsRejectedAtTheOffendingPosition) {
  const Invalid& c = GetParam();
  auto p = ParseJsonPath(c.text);
  ASSERT_FALSE(p.ok()) << "\"" << c.text << "\" parsed";
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
  const std::string& m = p.status().message();
  EXPECT_NE(m.find("at position " + std::to_string(c.position) + ":"), std::string::npos)
      << "\"" << c.text << "\" -> " << m;
  EXPECT_NE(m.find("\"" + c.text + "\""), std::string::npos) << "the message quotes the path: " << m;
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, JsonPathInvalidTest,
    ::testing::Values(Invalid{"a.b", 0}, Invalid{"$..a", 2}, Invalid{"$.a[", 4}, Invalid{"$[*]", 2},
                      Invalid{"$[?(@.x)]", 2}, Invalid{"$.a[-2]", 4}, Invalid{"$.a b", 3}, Invalid{"", 0},
                      Invalid{"$.", 2}, Invalid{"$x", 1}, Invalid{"$.a.*", 4}, Invalid{"$[0", 3},
                      Invalid{"$['abc", 6}, Invalid{"$['a'", 5}, Invalid{"$['a'x]", 5}, Invalid{"$[1.5]", 3},
                      Invalid{"$[-0]", 2}, Invalid{"$[-]", 3}, Invalid{"$['a\\n']", 4}, Invalid{"$[]", 2},
                      Invalid{" $", 0}, Invalid{"$ ", 1}, Invalid{"$.a.", 4}, Invalid{"$[99999999999999999999]", 2},
                      Invalid{"$.a[0]]", 6},
                      // Positions count characters, not UTF-8 bytes ("ключ" is 8 bytes).
                      Invalid{"$['\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87'].*", 10},
                      Invalid{"$.a\xc3\xa9\xc3\xa9 x", 3}, Invalid{"$['\xc3\xa9']x", 6}),
    [](const ::testing::TestParamInfo<Invalid>& info) { return "case" + std::to_string(info.index); });

TEST(JsonPathParseTest, AnUnexpectedCharacterIsQuotedWhole) {
  // Quoted by its first byte alone, "$é" made the message invalid UTF-8.
  std::string m = ParseJsonPath("$\xc3\xa9").status().message();
  EXPECT_NE(m.find("unexpected '\xc3\xa9'"), std::string::npos) << m;
}

TEST(JsonPathParseTest, MessagesSayWhatIsUnsupported) {
  EXPECT_NE(ParseJsonPath("$[*]").status().message().find("wildcard"), std::string::npos);
  EXPECT_NE(ParseJsonPath("$[?(@.x)]").status().message().find("filter"), std::string::npos);
  EXPECT_NE(ParseJsonPath("$.a[-2]").status().message().find("-1"), std::string::npos);
}

// ---- SetAtPath ----

Value Parse(const char* json) { return Value::parse(json); }

Status Set(Value& doc, std::string_view path, Value v) { return SetAtPath(doc, MustParse(path), std::move(v)); }

TEST(JsonPathSetTest, RootReplacesTheWholeDocument) {
  Value doc = Parse(R"({"a":1})");
  ASSERT_TRUE(Set(doc, "$", Value::array({int64_t{1}})).ok());
  EXPECT_EQ(doc, Value::array({int64_t{1}}));
}

TEST(JsonPathSetTest, BuildsMissingIntermediateObjects) {
  Value doc = Value::object();
  ASSERT_TRUE(Set(doc, "$.a.b.c", Value(int64_t{1})).ok());
  EXPECT_EQ(doc, Parse(R"({"a":{"b":{"c":1}}})"));
  ASSERT_TRUE(Set(doc, "$.a.x['y z']", Value("v")).ok());
  EXPECT_EQ(doc, Parse(R"({"a":{"b":{"c":1},"x":{"y z":"v"}}})"));
}

TEST(JsonPathSetTest, AMissingArrayBeforeAnIndexIsCreatedAndAppendedTo) {
  Value doc = Value::object();
  ASSERT_TRUE(Set(doc, "$.list[0]", Value("first")).ok());
  EXPECT_EQ(doc, Parse(R"({"list":["first"]})"));
}

TEST(JsonPathSetTest, AnIntermediateIndexEqualToTheLengthAppendsTheMissingContainer) {
  Value doc = Value::object();
  ASSERT_TRUE(Set(doc, "$.a[0].b", Value(int64_t{1})).ok());
  EXPECT_EQ(doc, Parse(R"({"a":[{"b":1}]})"));
  ASSERT_TRUE(Set(doc, "$.a[1][0]", Value("x")).ok());
  EXPECT_EQ(doc, Parse(R"({"a":[{"b":1},["x"]]})"));
  ASSERT_TRUE(Set(doc, "$.a[0].c", Value(int64_t{2})).ok());
  EXPECT_EQ(doc, Parse(R"({"a":[{"b":1,"c":2},["x"]]})"));
  Value arr = Value::array();
  ASSERT_TRUE(Set(arr, "$[0][0][0]", Value(true)).ok());
  EXPECT_EQ(arr, Parse("[[[true]]]"));
}

TEST(JsonPathSetTest, ReplacesAnExistingMemberKeepingKeyOrder) {
  Value doc = Parse(R"({"z":1,"a":2})");
  ASSERT_TRUE(Set(doc, "$.z", Value(int64_t{9})).ok());
  ASSERT_TRUE(Set(doc, "$.m", Value(int64_t{3})).ok());
  EXPECT_EQ(doc.dump(), R"({"z":9,"a":2,"m":3})");
}

TEST(JsonPathSetTest, AnIndexEqualToTheLengthAppends) {
  Value doc = Parse(R"({"xs":[10,20]})");
  ASSERT_TRUE(Set(doc, "$.xs[2]", Value(int64_t{30})).ok());
  EXPECT_EQ(doc, Parse(R"({"xs":[10,20,30]})"));
  ASSERT_TRUE(Set(doc, "$.xs[0]", Value(int64_t{11})).ok());
  EXPECT_EQ(doc, Parse(R"({"xs":[11,20,30]})"));
}

TEST(JsonPathSetTest, MinusOneReplacesTheLastElement) {
  Value doc = Parse(R"([1,2,3])");
  ASSERT_TRUE(Set(doc, "$[-1]", Value("last")).ok());
  EXPECT_EQ(doc, Parse(R"([1,2,"last"])"));
}

TEST(JsonPathSetTest, MinusOneOnAnEmptyArrayIsOutOfRange) {
  Value doc = Parse(R"({"xs":[]})");
  Status st = Set(doc, "$.xs[-1]", Value(int64_t{1}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("out of range"), std::string::npos) << st.message();
}

TEST(JsonPathSetTest, AnIndexPastTheLengthIsOutOfRange) {
  Value doc = Parse(R"({"xs":[1,2]})");
  Status st = Set(doc, "$.xs[3]", Value(int64_t{1}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "index 3 is out of range at $['xs'] (array length 2)");
  Status deep = Set(doc, "$.xs[5].a", Value(int64_t{1}));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.message().find("out of range"), std::string::npos) << deep.message();
}

TEST(JsonPathSetTest, ANameIntoANonObjectIsATypeClash) {
  Value doc = Parse(R"({"a":"text"})");
  Status st = Set(doc, "$.a.b", Value(int64_t{1}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "type clash at $['a']: expected an object for .b, found a string");
  EXPECT_EQ(doc, Parse(R"({"a":"text"})"));

  Value arr = Parse(R"([1])");
  Status on_array = Set(arr, "$.k", Value(int64_t{1}));
  ASSERT_FALSE(on_array.ok());
  EXPECT_NE(on_array.message().find("found an array"), std::string::npos) << on_array.message();
}

TEST(JsonPathSetTest, AnIndexIntoANonArrayIsATypeClash) {
  Value doc = Parse(R"({"a":{"k":1}})");
  Status st = Set(doc, "$.a[0]", Value(int64_t{1}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "type clash at $['a']: expected an array for [0], found an object");
  for (const char* scalar : {R"({"a":null})", R"({"a":true})", R"({"a":1.5})"}) {
    Value d = Parse(scalar);
    Status s = Set(d, "$.a[0]", Value(int64_t{1}));
    ASSERT_FALSE(s.ok()) << scalar;
    EXPECT_NE(s.message().find("type clash"), std::string::npos) << s.message();
  }
}

// ---- FindAtPath ----

TEST(JsonPathFindTest, FindsNestedValuesAndReturnsNullWhenMissing) {
  Value doc = Parse(R"({"a":{"b":[10,{"c":"deep"}]},"s":"x"})");
  const Value* root = FindAtPath(doc, MustParse("$"));
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(*root, doc);
  const Value* c = FindAtPath(doc, MustParse("$.a.b[1].c"));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(*c, Value("deep"));
  const Value* last = FindAtPath(doc, MustParse("$.a.b[-1]"));
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(*last, Parse(R"({"c":"deep"})"));
  EXPECT_EQ(FindAtPath(doc, MustParse("$.missing")), nullptr);
  EXPECT_EQ(FindAtPath(doc, MustParse("$.a.b[2]")), nullptr);
  EXPECT_EQ(FindAtPath(doc, MustParse("$.s.x")), nullptr);
  EXPECT_EQ(FindAtPath(doc, MustParse("$.a[0]")), nullptr);
  EXPECT_EQ(FindAtPath(doc, MustParse("$.s[0]")), nullptr);
  Value empty = Value::array();
  EXPECT_EQ(FindAtPath(empty, MustParse("$[-1]")), nullptr);
}

TEST(JsonPathFindTest, FindsAStoredNull) {
  Value doc = Parse(R"({"n":null})");
  const Value* n = FindAtPath(doc, MustParse("$.n"));
  ASSERT_NE(n, nullptr);
  EXPECT_TRUE(n->is_null());
}

// ---- EraseAtPath ----

TEST(JsonPathEraseTest, RemovesAMemberOrAnElement) {
  Value doc = Parse(R"({"a":1,"b":[1,2,3],"c":{"d":4}})");
  EXPECT_TRUE(EraseAtPath(doc, MustParse("$.a")));
  EXPECT_TRUE(EraseAtPath(doc, MustParse("$.b[0]")));
  EXPECT_TRUE(EraseAtPath(doc, MustParse("$.b[-1]")));
  EXPECT_TRUE(EraseAtPath(doc, MustParse("$.c.d")));
  EXPECT_EQ(doc, Parse(R"({"b":[2],"c":{}})"));
}

TEST(JsonPathEraseTest, ReportsFalseWhenNothingIsThere) {
  Value doc = Parse(R"({"a":1,"b":[1],"s":"x"})");
  Value before = doc;
  EXPECT_FALSE(EraseAtPath(doc, MustParse("$.missing")));
  EXPECT_FALSE(EraseAtPath(doc, MustParse("$.b[1]")));
  EXPECT_FALSE(EraseAtPath(doc, MustParse("$.x.y")));
  EXPECT_FALSE(EraseAtPath(doc, MustParse("$.s.x")));
  EXPECT_FALSE(EraseAtPath(doc, MustParse("$.a[0]")));
  EXPECT_FALSE(EraseAtPath(doc, MustParse("$.b.k")));
  EXPECT_FALSE(EraseAtPath(doc, MustParse("$")));
  EXPECT_EQ(doc, before);
  Value empty = Value::array();
  EXPECT_FALSE(EraseAtPath(empty, MustParse("$[-1]")));
}

// ---- finite numbers ----

TEST(JsonPathFiniteTest, NanAndInfinityAreRejectedAnywhere) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  Value nested = Parse(R"({"a":[1,{"b":2.5}]})");
  EXPECT_TRUE(RequireFiniteNumbers(nested, "doc").ok());
  nested["a"][1]["b"] = nan;
  for (const Value& v : {Value(nan), Value(inf), Value(-inf), Value::array({int64_t{1}, inf}), nested}) {
    Status st = RequireFiniteNumbers(v, "a json document");
    ASSERT_FALSE(st.ok()) << v.dump();
    EXPECT_EQ(st.code(), Code::kInvalidArgument);
    EXPECT_EQ(st.message(), "a json document must not contain NaN or infinity");
  }
  EXPECT_TRUE(RequireFiniteNumbers(Value(std::numeric_limits<double>::max()), "x").ok());
  EXPECT_TRUE(RequireFiniteNumbers(Value("NaN"), "x").ok());
}

}  // namespace
}  // namespace strata::storage
