#include "server/spaces_service.h"

#include "server/error_mapping.h"

namespace strata::server {

// An empty branch means "default" (the store does the same).

grpc::Status SpacesService::Create(grpc::ServerContext* ctx, const v1::SpaceRequest* req,
                                   v1::SpaceCreateResponse* resp) {
  auto version = engine_.spaces().Create(req->branch(), req->name());
  if (!version.ok()) return ToGrpc(ctx, version.status());
  resp->set_version(*version);
  return grpc::Status::OK;
}

grpc::Status SpacesService::List(grpc::ServerContext* ctx, const v1::SpaceListRequest* req,
                                 v1::SpaceListResponse* resp) {
  auto names = engine_.spaces().List(req->branch());
  if (!names.ok()) return ToGrpc(ctx, names.status());
  for (const auto& name : *names) resp->add_names(name);
  return grpc::Status::OK;
}

grpc::Status SpacesService::Exists(grpc::ServerContext* ctx, const v1::SpaceRequest* req,
                                   v1::SpaceExistsResponse* resp) {
  auto exists = engine_.spaces().Exists(req->branch(), req->name());
  if (!exists.ok()) return ToGrpc(ctx, exists.status());
  resp->set_exists(*exists);
  return grpc::Status::OK;
}

grpc::Status SpacesService::Delete(grpc::ServerContext* ctx, const v1::SpaceDeleteRequest* req,
                                   v1::SpaceDeleteResponse* resp) {
  auto version = engine_.spaces().Delete(req->branch(), req->name(), req->force());
  if (!version.ok()) return ToGrpc(ctx, version.status());
  resp->set_version(*version);
  return grpc::Status::OK;
}

}  // namespace strata::server
