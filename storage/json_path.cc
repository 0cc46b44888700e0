#include "storage/json_path.h"

#include <cmath>
#include <limits>

namespace strata::storage {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string TypeName(const Value& v) {
  switch (v.type()) {
    case Value::value_t::object: return "an object";
    case Value::value_t::array: return "an array";
    case Value::value_t::string: return "a string";
    case Value::value_t::boolean: return "a bool";
    case Value::value_t::null: return "null";
    case Value::value_t::binary: return "bytes";
    default: return "a number";
  }
}

// The path text up to (not including) segment `n`, for messages.
std::string PrefixText(const JsonPath& path, size_t n) {
  std::string out = "$";
  for (size_t i = 0; i < n; ++i) {
    const PathSegment& s = path.segments[i];
    out += s.is_index ? "[" + std::to_string(s.index) + "]" : "['" + s.name + "']";
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<JsonPath> Parse() {
    JsonPath path;
    path.text = std::string(text_);
    if (text_.empty()) return Error(0, "the path is empty; the root is \"$\"");
    if (text_[0] != '$') return Error(0, "a path starts with \"$\"");
    pos_ = 1;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '.') {
        ++pos_;
        size_t start = pos_;
        while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
        if (pos_ == start) {
          return Error(pos_, pos_ < text_.size() ? "expected a name (letters, digits, '_', '-') after '.'"
                                                 : "the path ends after '.'");
        }
        path.segments.push_back({false, std::string(text_.substr(start, pos_ - start)), 0});
      } else if (c == '[') {
        ++pos_;
        auto seg = ParseBracket();
        if (!seg.ok()) return seg.status();
        path.segments.push_back(std::move(seg).value());
      } else {
        return Error(pos_, "unexpected '" + CharacterAt(pos_) + "': expected '.' or '['");
      }
    }
    return path;
  }

 private:
  // `pos` is a byte offset; the message counts characters (code points), as
  // a client's string indexes them: "$['ключ'].*" has its '*' at 10, not 14.
  Status Error(size_t pos, const std::string& why) const {
    size_t characters = 0;
    for (size_t i = 0; i < pos && i < text_.size(); ++i) {
      if ((static_cast<uint8_t>(text_[i]) & 0xC0) != 0x80) ++characters;
    }
    return Status::InvalidArgument("invalid json path \"" + std::string(text_) + "\" at position " +
                                   std::to_string(characters) + ": " + why);
  }

  // The whole UTF-8 character starting at byte `pos` (one byte of it would
  // make the message invalid UTF-8).
  std::string CharacterAt(size_t pos) const {
    size_t end = pos + 1;
    while (end < text_.size() && (static_cast<uint8_t>(text_[end]) & 0xC0) == 0x80) ++end;
    return std::string(text_.substr(pos, end - pos));
  }

  Result<PathSegment> ParseBracket() {
    if (pos_ >= text_.size()) return Error(pos_, "the path ends inside '['");
    char c = text_[pos_];
    if (c == '\'' || c == '"') {
      char quote = c;
      ++pos_;
      std::string name;
      while (true) {
        if (pos_ >= text_.size()) return Error(pos_, "unterminated quoted name");
        char d = text_[pos_];
        if (d == quote) break;
        if (d == '\\') {
          if (pos_ + 1 >= text_.size()) return Error(pos_, "unterminated escape");
          char e = text_[pos_ + 1];
          if (e != '\\' && e != '\'' && e != '"') return Error(pos_, "unknown escape; use \\\\, \\' or \\\"");
          name.push_back(e);
          pos_ += 2;
          continue;
        }
        name.push_back(d);
        ++pos_;
      }
      ++pos_;  // closing quote
      if (pos_ >= text_.size() || text_[pos_] != ']') return Error(pos_, "expected ']' after the quoted name");
      ++pos_;
      return PathSegment{false, std::move(name), 0};
    }
    size_t start = pos_;
    bool negative = false;
    if (c == '-') {
      negative = true;
      ++pos_;
    }
    size_t digits = pos_;
    int64_t index = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (index > (std::numeric_limits<int64_t>::max() - 9) / 10) return Error(digits, "index too large");
      index = index * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (pos_ == digits) {
      return Error(pos_, pos_ < text_.size() && text_[pos_] == '*'
                             ? "wildcards are not supported"
                             : (pos_ < text_.size() && text_[pos_] == '?' ? "filters are not supported"
                                                                          : "expected an index or a quoted name"));
    }
    if (negative && index != 1) return Error(start, "the only negative index is -1 (the last element)");
    if (pos_ >= text_.size() || text_[pos_] != ']') return Error(pos_, "expected ']' after the index");
    ++pos_;
    return PathSegment{true, {}, negative ? -1 : index};
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<JsonPath> ParseJsonPath(std::string_view text) { return Parser(text).Parse(); }

Status SetAtPath(Value& doc, const JsonPath& path, Value value) {
  if (path.is_root()) {
    doc = std::move(value);
    return Status::Ok();
  }
  Value* cur = &doc;
  for (size_t i = 0; i < path.segments.size(); ++i) {
    const PathSegment& seg = path.segments[i];
    bool last = i + 1 == path.segments.size();
    if (!seg.is_index) {
      if (!cur->is_object()) {
        return Status::InvalidArgument("type clash at " + PrefixText(path, i) + ": expected an object for ." +
                                       seg.name + ", found " + TypeName(*cur));
      }
      if (last) {
        (*cur)[seg.name] = std::move(value);
        return Status::Ok();
      }
      if (cur->find(seg.name) == cur->end()) {
        (*cur)[seg.name] = path.segments[i + 1].is_index ? Value::array() : Value::object();
      }
      cur = &(*cur)[seg.name];
      continue;
    }
    if (!cur->is_array()) {
      return Status::InvalidArgument("type clash at " + PrefixText(path, i) + ": expected an array for [" +
                                     std::to_string(seg.index) + "], found " + TypeName(*cur));
    }
    auto size = static_cast<int64_t>(cur->size());
    int64_t idx = seg.index == -1 ? size - 1 : seg.index;
    if (seg.index >= 0 && idx == size) {
      // An index equal to the length appends: the value itself, or the missing
      // intermediate container the rest of the path needs.
      if (last) {
        cur->push_back(std::move(value));
        return Status::Ok();
      }
      cur->push_back(path.segments[i + 1].is_index ? Value::array() : Value::object());
      cur = &cur->back();
      continue;
    }
    if (idx < 0 || idx >= size) {
      return Status::InvalidArgument("index " + std::to_string(seg.index) + " is out of range at " +
                                     PrefixText(path, i) + " (array length " + std::to_string(size) + ")");
    }
    if (last) {
      (*cur)[static_cast<size_t>(idx)] = std::move(value);
      return Status::Ok();
    }
    cur = &(*cur)[static_cast<size_t>(idx)];
  }
  return Status::Ok();
}

const Value* FindAtPath(const Value& doc, const JsonPath& path) {
  const Value* cur = &doc;
  for (const PathSegment& seg : path.segments) {
    if (!seg.is_index) {
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(seg.name);
      if (it == cur->end()) return nullptr;
      cur = &*it;
      continue;
    }
    if (!cur->is_array()) return nullptr;
    auto size = static_cast<int64_t>(cur->size());
    int64_t idx = seg.index == -1 ? size - 1 : seg.index;
    if (idx < 0 || idx >= size) return nullptr;
    cur = &(*cur)[static_cast<size_t>(idx)];
  }
  return cur;
}

bool EraseAtPath(Value& doc, const JsonPath& path) {
  if (path.is_root()) return false;
  JsonPath parent_path{path.text, {path.segments.begin(), path.segments.end() - 1}};
  auto* parent = const_cast<Value*>(FindAtPath(doc, parent_path));
  if (parent == nullptr) return false;
  const PathSegment& seg = path.segments.back();
  if (!seg.is_index) return parent->is_object() && parent->erase(seg.name) > 0;
  if (!parent->is_array()) return false;
  auto size = static_cast<int64_t>(parent->size());
  int64_t idx = seg.index == -1 ? size - 1 : seg.index;
  if (idx < 0 || idx >= size) return false;
  parent->erase(static_cast<size_t>(idx));
  return true;
}

Status RequireFiniteNumbers(const Value& value, std::string_view what) {
  if (value.is_number_float() && !std::isfinite(value.get<double>())) {
    return Status::InvalidArgument(std::string(what) + " must not contain NaN or infinity");
  }
  if (value.is_structured()) {
    for (const auto& child : value) STRATA_RETURN_IF_ERROR(RequireFiniteNumbers(child, what));
  }
  return Status::Ok();
}

}  // namespace strata::storage
