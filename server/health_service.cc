#include "server/health_service.h"

namespace strata::server {

using grpc::health::v1::HealthCheckResponse;

HealthService::ServingStatus HealthService::StatusOf(const std::string& service) const {
  if (!service.empty()) return HealthCheckResponse::SERVICE_UNKNOWN;
  return shut_down_ ? HealthCheckResponse::NOT_SERVING : HealthCheckResponse::SERVING;
}

grpc::Status HealthService::Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* req,
                                  HealthCheckResponse* resp) {
  std::lock_guard<std::mutex> lock(mu_);
  ServingStatus status = StatusOf(req->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service \"" + req->service() +
                                                         "\": this server reports on \"\" (the whole server) only");
  }
  resp->set_status(status);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                                  grpc::ServerWriter<HealthCheckResponse>* writer) {
  std::unique_lock<std::mutex> lock(mu_);
  if (open_watches_ >= max_watches_) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "too many open health watches: " + std::to_string(max_watches_) +
                            " at most (--max-health-watches); use Check, or close a Watch");
  }
  ++open_watches_;
  struct Release {
    uint32_t& count;
    ~Release() { --count; }  // runs with mu_ held: every return below holds `lock`, declared before it
  } release{open_watches_};
  bool sent_any = false;
  ServingStatus sent = HealthCheckResponse::UNKNOWN;
  while (true) {
    ServingStatus now = StatusOf(req->service());
    bool ending = shut_down_;
    if (!sent_any || now != sent) {
      HealthCheckResponse update;
      update.set_status(now);
      lock.unlock();  // a slow reader must not hold up Check or Shutdown
      bool written = writer->Write(update);
      lock.lock();
      if (!written) return grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away");
      sent_any = true;
      sent = now;
      continue;  // the status may have changed while writing
    }
    if (ending) return grpc::Status::OK;
    if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "the watcher cancelled");
    changed_.wait_for(lock, kWatchPoll);
  }
}

void HealthService::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shut_down_ = true;
  }
  changed_.notify_all();
}

}  // namespace strata::server
