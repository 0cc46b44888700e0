// stratad's Prometheus endpoint (--metrics-listen): rpc counts and latency,
// the writer's group commits, and gauges read from the engine at scrape time.
// Every metric is described in docs/metrics.md.
//
// Thread safety: the Record* methods may be called from any thread.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "server/scrape_gauges.h"
#include "storage/engine.h"
#include "storage/status.h"

namespace prometheus {
class Exposer;
class Registry;
class Counter;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace strata::server {

class ServerMetrics {
 public:
  // Serves http://<listen>/metrics for `engine`, which must outlive this
  // object; feeds on its writer's commits. kInvalidArgument naming the address
  // when it cannot be bound.
  static storage::Result<std::unique_ptr<ServerMetrics>> Start(const std::string& listen, storage::Engine& engine);
  // Stops the endpoint and detaches from the engine's writer. Destroy only
  // after the gRPC server has stopped (no write may still be committing).
  ~ServerMetrics();

  // "host:port" with the port actually bound.
  const std::string& bound_address() const { return bound_address_; }

  // One finished rpc (or one refused before its handler by the access check),
  // counted under RpcMethodLabel(method): any method the server does not serve
  // is "unknown".
  void RecordRpc(std::string_view method, grpc::StatusCode code, std::chrono::nanoseconds elapsed);
  // For gauges of later features (vector index sizes, open transactions).
  ScrapeGauges& gauges() { return *gauges_; }

 private:
  explicit ServerMetrics(storage::Engine& engine);
  void RecordCommit(const storage::CommitRecord& commit);

  storage::Engine& engine_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ScrapeGauges> gauges_;
  prometheus::Family<prometheus::Counter>* rpcs_ = nullptr;
  prometheus::Family<prometheus::Histogram>* rpc_seconds_ = nullptr;
  prometheus::Histogram* batch_size_ = nullptr;
  prometheus::Histogram* commit_seconds_ = nullptr;
  prometheus::Family<prometheus::Counter>* commits_ = nullptr;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string bound_address_;
};

}  // namespace strata::server
