#include "server/branches_service.h"

#include <algorithm>

#include "server/error_mapping.h"
#include "server/response_budget.h"
#include "server/value_convert.h"

namespace strata::server {
namespace {

// Export messages carry at most this much of the bundle; a BundleChunk's tag
// and length prefix take the rest of kChunkFraming.
constexpr size_t kExportChunkBytes = 1 << 20;
constexpr size_t kChunkFraming = 64;

void InfoToProto(const storage::BranchInfo& in, v1::BranchInfo* out) {
  out->set_name(in.name);
  out->set_parent(in.parent);
  out->set_fork_version(in.fork_version);
  out->set_created_at(in.created_at);
}

}  // namespace

grpc::Status BranchesService::Create(grpc::ServerContext* ctx, const v1::BranchCreateRequest* req,
                                     v1::BranchInfo* resp) {
  auto info = engine_.branches().Create(req->name());
  if (!info.ok()) return ToGrpc(ctx, info.status());
  InfoToProto(*info, resp);
  return grpc::Status::OK;
}

grpc::Status BranchesService::Fork(grpc::ServerContext* ctx, const v1::BranchForkRequest* req,
                                   v1::BranchForkResponse* resp) {
  auto fork = engine_.branches().Fork(req->source(), req->destination());
  if (!fork.ok()) return ToGrpc(ctx, fork.status());
  resp->set_source(fork->source);
  resp->set_destination(fork->destination);
  resp->set_version(fork->version);
  return grpc::Status::OK;
}

grpc::Status BranchesService::Get(grpc::ServerContext* ctx, const v1::BranchGetRequest* req, v1::BranchInfo* resp) {
  auto info = engine_.branches().Get(req->name());
  if (!info.ok()) return ToGrpc(ctx, info.status());
  InfoToProto(*info, resp);
  return grpc::Status::OK;
}

grpc::Status BranchesService::List(grpc::ServerContext* ctx, const v1::BranchListRequest*,
                                   v1::BranchListResponse* resp) {
  auto names = engine_.branches().List();
  if (!names.ok()) return ToGrpc(ctx, names.status());
  for (const auto& name : *names) resp->add_names(name);
  storage::Status fits = FitsOneAnswer(*resp, max_message_bytes_, [&] {
    return "the list of " + std::to_string(names->size()) + " branches";
  });
  if (!fits.ok()) return ToGrpc(ctx, fits);
  return grpc::Status::OK;
}

grpc::Status BranchesService::Delete(grpc::ServerContext* ctx, const v1::BranchDeleteRequest* req,
                                     v1::BranchDeleteResponse* resp) {
  auto version = engine_.branches().Delete(req->name());
  if (!version.ok()) return ToGrpc(ctx, version.status());
  resp->set_version(*version);
  return grpc::Status::OK;
}

grpc::Status BranchesService::Diff(grpc::ServerContext* ctx, const v1::BranchDiffRequest* req,
                                   v1::BranchDiffResponse* resp) {
  auto diff = engine_.branches().Diff(req->branch_a(), req->branch_b());
  if (!diff.ok()) return ToGrpc(ctx, diff.status());
  resp->set_branch_a(diff->branch_a);
  resp->set_branch_b(diff->branch_b);
  resp->set_added(diff->added);
  resp->set_removed(diff->removed);
  resp->set_modified(diff->modified);
  resp->set_unrelated(diff->unrelated);
  size_t left_out = AddSlimmingToFit(
      diff->entries.begin(), diff->entries.end(), max_message_bytes_, resp->mutable_entries(),
      [](const storage::BranchDiffEntry& e, v1::DiffEntry* out) {
        out->set_space(e.space);
        out->set_primitive(e.primitive);
        out->set_key(e.key);
        out->set_change(e.change);
        ToProto(e.value_a, out->mutable_value_a());
        ToProto(e.value_b, out->mutable_value_b());
      },
      [](v1::DiffEntry* out) {
        out->clear_value_a();
        out->clear_value_b();
        out->set_values_omitted(true);
      });
  if (left_out > 0) {
    return ToGrpc(ctx, storage::Status::ResourceExhausted(
                           "the diff of " + diff->branch_a + " and " + diff->branch_b + " lists " +
                           std::to_string(diff->entries.size()) +
                           " entries, too many to name in one answer under this server's --max-message-size of " +
                           std::to_string(max_message_bytes_) + " bytes"));
  }
  return grpc::Status::OK;
}

grpc::Status BranchesService::Merge(grpc::ServerContext* ctx, const v1::BranchMergeRequest* req,
                                    v1::BranchMergeResponse* resp) {
  auto merge = engine_.branches().Merge(req->source(), req->target(), req->strategy());
  if (!merge.ok()) return ToGrpc(ctx, merge.status());
  resp->set_source(merge->source);
  resp->set_target(merge->target);
  resp->set_strategy(merge->strategy);
  resp->set_keys_applied(merge->keys_applied);
  resp->set_version(merge->version);
  resp->set_unrelated(merge->unrelated);
  // Committed already: the answer must go out, so it sheds values, then
  // conflicts, to fit (an error now would read as "nothing was merged").
  resp->set_conflicts_left_out(AddSlimmingToFit(
      merge->conflicts.begin(), merge->conflicts.end(), max_message_bytes_, resp->mutable_conflicts(),
      [](const storage::BranchMergeConflict& c, v1::MergeConflict* out) {
        out->set_space(c.space);
        out->set_primitive(c.primitive);
        out->set_key(c.key);
        ToProto(c.source_value, out->mutable_source_value());
        ToProto(c.target_value, out->mutable_target_value());
        out->set_resolution(c.resolution);
      },
      [](v1::MergeConflict* out) {
        out->clear_source_value();
        out->clear_target_value();
        out->set_values_omitted(true);
      }));
  return grpc::Status::OK;
}

grpc::Status BranchesService::Export(grpc::ServerContext* ctx, const v1::BranchExportRequest* req,
                                     grpc::ServerWriter<v1::BundleChunk>* writer) {
  // The bundle writer hands over ~1 MiB pieces (more for a frame holding a
  // large value); each goes out in messages that fit --max-message-size,
  // less room for the message's own framing.
  const size_t chunk_bytes = std::max<size_t>(1, std::min(kExportChunkBytes, max_message_bytes_ - kChunkFraming));
  auto result = engine_.branches().Export(req->name(), [&](std::string_view piece) -> storage::Status {
    for (size_t at = 0; at < piece.size(); at += chunk_bytes) {
      if (ctx->IsCancelled()) return storage::Status::StateError("export cancelled by the client");
      v1::BundleChunk chunk;
      chunk.set_data(std::string(piece.substr(at, chunk_bytes)));
      if (!writer->Write(chunk)) return storage::Status::StateError("export stream closed by the client");
    }
    return storage::Status::Ok();
  });
  if (!result.ok()) return ToGrpc(ctx, result.status());
  return grpc::Status::OK;
}

grpc::Status BranchesService::Import(grpc::ServerContext* ctx, grpc::ServerReader<v1::BundleChunk>* reader,
                                     v1::BranchImportResponse* resp) {
  // The whole bundle is validated before anything is written, so it is
  // buffered first (each message is bounded by the server's message size).
  std::string bundle;
  std::string name;
  bool first = true;
  v1::BundleChunk chunk;
  while (reader->Read(&chunk)) {
    if (first) name = chunk.branch();
    first = false;
    bundle += chunk.data();
  }
  auto result = engine_.branches().Import(bundle, name);
  if (!result.ok()) return ToGrpc(ctx, result.status());
  resp->set_branch(result->branch);
  resp->set_entry_count(result->entry_count);
  resp->set_keys_written(result->keys_written);
  return grpc::Status::OK;
}

}  // namespace strata::server
