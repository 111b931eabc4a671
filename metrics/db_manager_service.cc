#include "metrics/db_manager_service.h"

#include <grpcpp/health_check_service_interface.h>

#include <climits>
#include <optional>
#include <vector>

#include "absl/time/clock.h"
#include "api/client_text.h"
#include "fmt/format.h"
#include "metrics/katib_time.h"

namespace hpsearch::metrics {
namespace {

namespace pb = ::api::v1::beta1;

grpc::Status InvalidArgument(std::string message) {
  return api::ToGrpcStatus(absl::InvalidArgumentError(message));
}

// An optional RFC 3339 bound of GetObservationLog, in microseconds.
grpc::Status ParseBound(const std::string& text, std::string_view field,
                        std::optional<int64_t>* out) {
  if (text.empty()) return grpc::Status::OK;
  const auto time = ParseRfc3339(text);
  if (!time) return InvalidArgument(fmt::format("{}: \"{}\" is not an RFC 3339 time", field, text));
  *out = time->micros();
  return grpc::Status::OK;
}

}  // namespace

grpc::Status DbManagerService::ReportObservationLog(grpc::ServerContext*,
                                                    const pb::ReportObservationLogRequest* request,
                                                    pb::ReportObservationLogReply*) {
  if (request->trial_name().empty()) return InvalidArgument("trial_name is empty");
  std::vector<MetricLog> batch;
  const auto& logs = request->observation_log().metric_logs();
  batch.reserve(logs.size());
  for (int i = 0; i < logs.size(); ++i) {
    const pb::MetricLog& log = logs[i];
    if (log.time_stamp().empty()) continue;  // Katib skips these
    const std::string where = fmt::format("observation_log.metric_logs[{}]", i);
    if (!ParseRfc3339(log.time_stamp())) {
      return InvalidArgument(
          fmt::format("{}.time_stamp: \"{}\" is not an RFC 3339 time", where, log.time_stamp()));
    }
    if (!log.has_metric()) return InvalidArgument(fmt::format("{}.metric is missing", where));
    batch.push_back({log.time_stamp(), log.metric().name(), log.metric().value()});
  }
  return api::ToGrpcStatus(store_.AppendObservations(request->trial_name(), batch));
}

grpc::Status DbManagerService::GetObservationLog(grpc::ServerContext*,
                                                 const pb::GetObservationLogRequest* request,
                                                 pb::GetObservationLogReply* reply) {
  if (request->trial_name().empty()) return InvalidArgument("trial_name is empty");
  ObservationQuery query{request->metric_name(), std::nullopt, std::nullopt};
  if (grpc::Status s = ParseBound(request->start_time(), "start_time", &query.start_us); !s.ok())
    return s;
  if (grpc::Status s = ParseBound(request->end_time(), "end_time", &query.end_us); !s.ok())
    return s;
  const auto observations = store_.GetObservations(request->trial_name(), query);
  if (!observations.ok()) return api::ToGrpcStatus(observations.status());
  pb::ObservationLog* log = reply->mutable_observation_log();
  for (const StoredObservation& observation : *observations) {
    pb::MetricLog* entry = log->add_metric_logs();
    entry->set_time_stamp(FormatRfc3339Nano(KatibTime::FromMicros(observation.time_us)));
    entry->mutable_metric()->set_name(observation.metric);
    entry->mutable_metric()->set_value(observation.value);
  }
  return grpc::Status::OK;
}

grpc::Status DbManagerService::DeleteObservationLog(grpc::ServerContext*,
                                                    const pb::DeleteObservationLogRequest* request,
                                                    pb::DeleteObservationLogReply*) {
  if (request->trial_name().empty()) return InvalidArgument("trial_name is empty");
  return api::ToGrpcStatus(store_.DeleteObservations(request->trial_name()));
}

DbManagerServer::DbManagerServer(std::unique_ptr<DbManagerService> service,
                                 std::unique_ptr<grpc::Server> server, int port)
    : service_(std::move(service)), server_(std::move(server)), port_(port) {}

DbManagerServer::~DbManagerServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<DbManagerServer>> DbManagerServer::Start(const std::string& address,
                                                                        ObjectiveStore& store) {
  auto service = std::make_unique<DbManagerService>(store);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  // Refuse to share a port with another server instead of splitting its calls.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  // Katib's DB manager accepts messages up to 2 GiB; whole logs travel in one.
  builder.SetMaxReceiveMessageSize(INT_MAX);
  builder.SetMaxSendMessageSize(INT_MAX);
  builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    // gRPC says no more than that it failed.
    return absl::UnavailableError(fmt::format(
        "db-manager: cannot listen on {}: the address is invalid or the port is already in use", address));
  }
  server->GetHealthCheckService()->SetServingStatus("grpc.health.v1.Health", true);
  return std::unique_ptr<DbManagerServer>(
      new DbManagerServer(std::move(service), std::move(server), port));
}

void DbManagerServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  server_.reset();
}

}  // namespace hpsearch::metrics
