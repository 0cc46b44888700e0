// Status and Result<T>: how storage reports errors. Errors are values here;
// the server maps each Code to exactly one wire status (server/error_mapping).
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace strata::storage {

// What went wrong, in terms a client can act on.
enum class Code {
  kOk,
  kNotFound,           // a named thing (branch, collection, ...) is missing
  kInvalidArgument,    // bad name, type, path, filter, limit
  kConflict,           // CAS mismatch, transaction conflict, strict merge
  kAlreadyExists,      // duplicate name
  kConstraint,         // dimension mismatch, non-empty space, ...
  kStateError,         // transaction misuse
  kResourceExhausted,  // map full, disk full
  kInternal,           // LMDB or I/O failure
  kUnimplemented,      // a feature of a later release
  kUnauthenticated,    // the server's access control: no token, or an unknown one
  kPermissionDenied,   // the server's access control: the token's role is too low
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status Constraint(std::string m) { return {Code::kConstraint, std::move(m)}; }
  static Status StateError(std::string m) { return {Code::kStateError, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {Code::kUnimplemented, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace strata::storage

// Returns early with the status of a failed expression.
#define STRATA_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::strata::storage::Status _st = (expr);   \
    if (!_st.ok()) return _st;                \
  } while (0)
