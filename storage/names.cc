#include "storage/names.h"

#include <string>

#include "storage/key_codec.h"

namespace strata::storage {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string QuoteName(std::string_view name) {
  constexpr size_t kShown = 64;
  if (name.size() <= kShown) return "\"" + std::string(name) + "\"";
  return "\"" + std::string(name.substr(0, kShown)) + "...\" (" + std::to_string(name.size()) + " bytes)";
}

Status ValidateKey(std::string_view name, std::string_view what) {
  std::string w(what);
  if (name.empty()) return Status::InvalidArgument(w + " must not be empty");
  if (name.size() > kMaxNameBytes) {
    return Status::InvalidArgument(w + " is " + std::to_string(name.size()) + " bytes; the limit is " +
                                   std::to_string(kMaxNameBytes) + " bytes");
  }
  if (name.find('\0') != std::string_view::npos) return Status::InvalidArgument(w + " must not contain a NUL byte");
  if (!IsValidUtf8(name)) return Status::InvalidArgument(w + " is not valid utf-8");
  if (name.substr(0, 8) == "_strata/") {
    return Status::InvalidArgument(w + " " + QuoteName(name) + " is reserved: names starting with \"_strata/\" are reserved");
  }
  return Status::Ok();
}

Status ValidateSpaceName(std::string_view name) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid space name " + QuoteName(name) + ": " + why);
  };
  if (name.empty()) return bad("must not be empty");
  if (name == "_system_") return bad("\"_system_\" is reserved");
  if (name.size() > 64) return bad("at most 64 characters");
  if (name[0] < 'a' || name[0] > 'z') return bad("must start with a lowercase letter");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return bad("only lowercase letters, digits, '_' and '-' are allowed");
  }
  return Status::Ok();
}

Status ValidateBranchName(std::string_view name) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid branch name " + QuoteName(name) + ": " + why);
  };
  if (name.empty()) return bad("must not be empty");
  if (name.size() > 255) return bad("at most 255 bytes");
  if (name.find('\0') != std::string_view::npos) return bad("must not contain a NUL byte");
  if (!IsValidUtf8(name)) return bad("not valid utf-8");
  if (name.front() == '/' || name.back() == '/') return bad("must not start or end with '/'");
  return Status::Ok();
}

}  // namespace strata::storage
