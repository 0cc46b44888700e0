#include "server/search_service.h"

#include <string>
#include <vector>

#include "server/error_mapping.h"
#include "server/request_context.h"

namespace strata::server {

grpc::Status SearchService::Search(grpc::ServerContext* ctx, const v1::SearchRequest* req, v1::SearchResponse* resp) {
  auto scope = ScopeOf(req->context());
  if (!scope.ok()) return ToGrpc(ctx, scope.status());
  std::vector<std::string> primitives(req->primitives().begin(), req->primitives().end());
  auto hits = engine_.search().Search(*scope, req->query(), req->k(), primitives, AsOf(req->has_as_of(), req->as_of()));
  if (!hits.ok()) return ToGrpc(ctx, hits.status());
  for (const auto& h : *hits) {
    v1::SearchHit* out = resp->add_hits();
    out->set_primitive(h.primitive);
    out->set_entity(h.entity);
    out->set_score(h.score);
    out->set_rank(h.rank);
    out->set_snippet(h.snippet);
  }
  return grpc::Status::OK;
}

}  // namespace strata::server
