#include "suggestion/suggestion_service.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "api/client_text.h"
#include "grpcpp/health_check_service_interface.h"
#include "spdlog/spdlog.h"
#include "suggestion/suggest.h"

namespace hpsearch::suggestion {
namespace {

namespace pb = ::api::v1::beta1;

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

void LogCall(const char* method, const pb::Experiment& experiment,
             const std::string& counts, double latency_ms,
             const absl::Status& status) {
  const spdlog::level::level_enum level =
      status.ok() ? spdlog::level::info : spdlog::level::warn;
  constexpr size_t kMaxNameBytes = 256;
  constexpr size_t kMaxMessageBytes = 1024;
  spdlog::log(level, "{} experiment={} algorithm={} {} latency_ms={:.3f} status={}{}{}",
              method, api::Printable(experiment.name(), kMaxNameBytes),
              api::Printable(experiment.spec().algorithm().algorithm_name(), kMaxNameBytes), counts, latency_ms,
              absl::StatusCodeToString(status.code()),
              status.ok() ? "" : " message=", api::Printable(status, kMaxMessageBytes));
}

}  // namespace

grpc::Status SuggestionService::GetSuggestions(
    grpc::ServerContext* context, const pb::GetSuggestionsRequest* request,
    pb::GetSuggestionsReply* reply) {
  const auto start = std::chrono::steady_clock::now();
  SuggestOptions options;
  options.cancelled = [context] { return context->IsCancelled(); };
  absl::StatusOr<pb::GetSuggestionsReply> result = Suggest(*request, options);
  if (result.ok()) *reply = *std::move(result);
  LogCall("GetSuggestions", request->experiment(),
          absl::StrCat("current=", request->current_request_number(),
                       " total=", request->total_request_number(),
                       " trials=", request->trials_size(),
                       " returned=", reply->parameter_assignments_size()),
          MillisecondsSince(start), result.status());
  return api::ToGrpcStatus(result.status());
}

grpc::Status SuggestionService::ValidateAlgorithmSettings(
    grpc::ServerContext*, const pb::ValidateAlgorithmSettingsRequest* request,
    pb::ValidateAlgorithmSettingsReply*) {
  const auto start = std::chrono::steady_clock::now();
  const absl::Status status = ValidateSettings(request->experiment());
  LogCall("ValidateAlgorithmSettings", request->experiment(),
          absl::StrCat("parameters=",
                       request->experiment().spec().parameter_specs().parameters_size()),
          MillisecondsSince(start), status);
  return api::ToGrpcStatus(status);
}

absl::StatusOr<std::unique_ptr<SuggestionServer>> SuggestionServer::Start(
    const ServerOptions& options) {
  // Process-wide switch; must precede building the server.
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<SuggestionServer> server(new SuggestionServer());
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default, which would let a second server
  // "bind" a port already in use and silently share its traffic.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.address, grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.RegisterService(&server->service_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.address,
        ": the address is invalid or the port is already in use"));
  }
  grpc::HealthCheckServiceInterface* health =
      server->server_->GetHealthCheckService();
  health->SetServingStatus(kHealthServiceName, true);
  health->SetServingStatus("", true);
  return server;
}

SuggestionServer::~SuggestionServer() {
  if (server_ != nullptr) {
    server_->Shutdown();
    server_->Wait();
  }
}

void SuggestionServer::Shutdown(absl::Duration grace) {
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoNanoseconds(grace));
}

void SuggestionServer::Wait() { server_->Wait(); }

}  // namespace hpsearch::suggestion
