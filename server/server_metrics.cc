#include "server/server_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "server/engine_gauges.h"
#include "server/method_label.h"
#include "server/status_code_names.h"

namespace strata::server {
namespace {

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// 100 us to 10 s: a cached read is sub-millisecond, an fsync'd commit a few
// milliseconds, a large export seconds.
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
// Powers of two up to the writer's largest batch (1024).
const prometheus::Histogram::BucketBoundaries kBatchBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

}  // namespace

ServerMetrics::ServerMetrics(storage::Engine& engine)
    : engine_(engine),
      registry_(std::make_shared<prometheus::Registry>()),
      gauges_(std::make_shared<ScrapeGauges>()) {
  rpcs_ = &prometheus::BuildCounter()
               .Name("strata_rpc_requests_total")
               .Help("Finished rpcs by full method name and gRPC status code")
               .Register(*registry_);
  rpc_seconds_ = &prometheus::BuildHistogram()
                      .Name("strata_rpc_duration_seconds")
                      .Help("Time from receiving an rpc to sending its status, by full method name")
                      .Register(*registry_);
  batch_size_ = &prometheus::BuildHistogram()
                     .Name("strata_writer_batch_size")
                     .Help("Write requests per group commit")
                     .Register(*registry_)
                     .Add({}, kBatchBuckets);
  commit_seconds_ = &prometheus::BuildHistogram()
                         .Name("strata_writer_commit_duration_seconds")
                         .Help("Time of one group commit, from opening its transaction to its durable commit")
                         .Register(*registry_)
                         .Add({}, kLatencyBuckets);
  commits_ = &prometheus::BuildCounter()
                  .Name("strata_writer_commits_total")
                  .Help("Group commits by result (ok, failed)")
                  .Register(*registry_);
  AddEngineGauges(*gauges_, engine_);
}

storage::Result<std::unique_ptr<ServerMetrics>> ServerMetrics::Start(const std::string& listen,
                                                                     storage::Engine& engine) {
  std::unique_ptr<ServerMetrics> metrics(new ServerMetrics(engine));
  try {
    metrics->exposer_ = std::make_unique<prometheus::Exposer>(listen, 1);
  } catch (const std::exception& e) {
    return storage::Status::InvalidArgument("cannot serve metrics on --metrics-listen " + listen + ": " + e.what());
  }
  std::vector<int> ports = metrics->exposer_->GetListeningPorts();
  if (ports.empty()) return storage::Status::InvalidArgument("cannot serve metrics on --metrics-listen " + listen);
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  metrics->exposer_->RegisterCollectable(metrics->gauges_);
  metrics->bound_address_ = listen.substr(0, listen.rfind(':')) + ":" + std::to_string(ports.front());
  ServerMetrics* self = metrics.get();
  engine.core().writer().SetCommitObserver([self](const storage::CommitRecord& c) { self->RecordCommit(c); });
  return metrics;
}

ServerMetrics::~ServerMetrics() {
  exposer_.reset();  // no scrape may read the engine from here on
  engine_.core().writer().SetCommitObserver(nullptr);
}

void ServerMetrics::RecordRpc(std::string_view method, grpc::StatusCode code, std::chrono::nanoseconds elapsed) {
  // Never the raw name: server/method_label.h says why.
  std::string name(RpcMethodLabel(method));
  rpcs_->Add({{"method", name}, {"code", std::string(StatusCodeName(code))}}).Increment();
  rpc_seconds_->Add({{"method", name}}, kLatencyBuckets).Observe(Seconds(elapsed));
}

void ServerMetrics::RecordCommit(const storage::CommitRecord& commit) {
  batch_size_->Observe(static_cast<double>(commit.batch_size));
  commit_seconds_->Observe(Seconds(commit.duration));
  commits_->Add({{"result", commit.committed ? "ok" : "failed"}}).Increment();
}

}  // namespace strata::server
