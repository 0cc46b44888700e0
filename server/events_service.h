// The Events gRPC service: the hash-chained event log.
// Thread safety: handlers run concurrently; the engine is thread-safe.
#pragma once

#include <cstddef>

#include "storage/engine.h"
#include "strata/v1/events.grpc.pb.h"

namespace strata::server {

class EventsService final : public v1::Events::Service {
 public:
  // `max_message_bytes`: the server's --max-message-size, which long
  // answers are paged to fit.
  EventsService(storage::Engine& engine, size_t max_message_bytes) : engine_(engine), max_message_bytes_(max_message_bytes) {}

  grpc::Status Append(grpc::ServerContext* ctx, const v1::EventAppendRequest* req,
                      v1::EventAppendResponse* resp) override;
  grpc::Status Get(grpc::ServerContext* ctx, const v1::EventGetRequest* req, v1::EventGetResponse* resp) override;
  grpc::Status List(grpc::ServerContext* ctx, const v1::EventListRequest* req, v1::EventListResponse* resp) override;
  grpc::Status Len(grpc::ServerContext* ctx, const v1::EventLenRequest* req, v1::EventLenResponse* resp) override;
  grpc::Status Verify(grpc::ServerContext* ctx, const v1::EventVerifyRequest* req,
                      v1::EventVerifyResponse* resp) override;

 private:
  storage::Engine& engine_;
  size_t max_message_bytes_;
};

}  // namespace strata::server
