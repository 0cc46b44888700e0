#include "server/events_service.h"

#include "server/error_mapping.h"
#include "server/request_context.h"
#include "server/response_budget.h"
#include "server/value_convert.h"
#include "server/value_handlers.h"

namespace strata::server {
namespace {

constexpr uint32_t kDefaultEventLimit = 1000;

void EventToProto(const storage::Event& in, v1::Event* out) {
  out->set_sequence(in.sequence);
  out->set_event_type(in.type);
  ToProto(in.payload, out->mutable_value());
  out->set_timestamp(in.timestamp);
  out->set_hash(in.hash);
  out->set_prev_hash(in.prev_hash);
  out->set_version(in.version);
}

}  // namespace

grpc::Status EventsService::Append(grpc::ServerContext* ctx, const v1::EventAppendRequest* req,
                                   v1::EventAppendResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto payload = RequiredValue(req->has_payload(), req->payload());
  if (!payload.ok()) return ToGrpc(ctx, payload.status());
  auto result = engine_.events().Append(*scope, req->event_type(), *payload);
  if (!result.ok()) return ToGrpc(ctx, result.status());
  resp->set_sequence(result->sequence);
  resp->set_version(result->version);
  return grpc::Status::OK;
}

grpc::Status EventsService::Get(grpc::ServerContext* ctx, const v1::EventGetRequest* req, v1::EventGetResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto event = engine_.events().Get(*scope, req->sequence(), AsOf(req->has_as_of(), req->as_of()));
  if (!event.ok()) return ToGrpc(ctx, event.status());
  resp->set_found(event->has_value());
  if (event->has_value()) EventToProto(**event, resp->mutable_event());
  return grpc::Status::OK;
}

grpc::Status EventsService::List(grpc::ServerContext* ctx, const v1::EventListRequest* req,
                                 v1::EventListResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  std::optional<std::string> type;
  if (req->has_event_type()) type = req->event_type();
  std::optional<uint64_t> after;
  if (req->has_after()) after = req->after();
  uint32_t limit = req->limit() == 0 ? kDefaultEventLimit : req->limit();
  auto events = engine_.events().List(*scope, type, limit, after, AsOf(req->has_as_of(), req->as_of()));
  if (!events.ok()) return ToGrpc(ctx, events.status());
  auto more = AddWithinBudget(
      events->begin(), events->end(), max_message_bytes_, resp->mutable_events(), EventToProto,
      [](const storage::Event& e) { return "event " + std::to_string(e.sequence); });
  if (!more.ok()) return ToGrpc(ctx, more.status());
  resp->set_more(*more);
  return grpc::Status::OK;
}

grpc::Status EventsService::Len(grpc::ServerContext* ctx, const v1::EventLenRequest* req, v1::EventLenResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto length = engine_.events().Len(*scope, AsOf(req->has_as_of(), req->as_of()));
  if (!length.ok()) return ToGrpc(ctx, length.status());
  resp->set_length(*length);
  return grpc::Status::OK;
}

grpc::Status EventsService::Verify(grpc::ServerContext* ctx, const v1::EventVerifyRequest* req,
                                   v1::EventVerifyResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  auto result = engine_.events().Verify(*scope);
  if (!result.ok()) return ToGrpc(ctx, result.status());
  resp->set_valid(result->valid);
  resp->set_length(result->length);
  resp->set_head_hash(result->head_hash);
  if (result->first_broken.has_value()) resp->set_first_broken(*result->first_broken);
  resp->set_reason(result->reason);
  return grpc::Status::OK;
}

}  // namespace strata::server
