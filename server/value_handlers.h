// Handlers shared by the services over a ValueStore (KV and State): each does
// the shape checks, the storage call and the conversion for one operation.
#pragma once

#include <grpcpp/grpcpp.h>

#include "storage/value_store.h"
#include "strata/v1/kv.pb.h"
#include "strata/v1/value.pb.h"

namespace strata::server {

// Converts a request's value (required: a null Value stores null).
storage::Result<storage::Value> RequiredValue(bool has_value, const v1::Value& value);

grpc::Status HandleSet(grpc::ServerContext* ctx, storage::ValueStore& store, const v1::Context& context,
                       const std::string& name, bool has_value, const v1::Value& value, v1::WriteResponse* resp);

grpc::Status HandleGet(grpc::ServerContext* ctx, storage::ValueStore& store, const v1::Context& context,
                       const std::string& name, std::optional<int64_t> as_of, bool* found, v1::VersionedValue* entry);

grpc::Status HandleDelete(grpc::ServerContext* ctx, storage::ValueStore& store, const v1::Context& context,
                          const std::string& name, bool* existed, uint64_t* version);

grpc::Status HandleList(grpc::ServerContext* ctx, storage::ValueStore& store, const v1::Context& context,
                        const std::string& prefix, uint32_t limit, const std::string& cursor,
                        std::optional<int64_t> as_of, v1::NameList* resp);

// One page of history (FillHistory says which entries).
grpc::Status HandleHistory(grpc::ServerContext* ctx, storage::ValueStore& store, const v1::Context& context,
                           const std::string& name, uint64_t before_version, size_t max_message_bytes,
                           v1::HistoryResponse* resp);

}  // namespace strata::server
