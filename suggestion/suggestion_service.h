// Katib's api.v1.beta1.Suggestion service over gRPC, plus the server that
// hosts it with grpc.health.v1.Health.
//
// SuggestionService is a thin adapter over suggest.h: it converts
// absl::Status to grpc::Status (same code, same message), stops work when
// the caller cancels or its deadline passes, and logs one line per call
// (experiment, algorithm, counts, latency, status) through spdlog. It holds
// no per-experiment state, so any number of experiments and concurrent calls
// share one instance.
//
// Example:
//   absl::StatusOr<std::unique_ptr<SuggestionServer>> server =
//       SuggestionServer::Start({.address = "0.0.0.0:6789"});
//   ...
//   (*server)->Shutdown(absl::Seconds(5));
//   (*server)->Wait();
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "katib/v1beta1/api.grpc.pb.h"

namespace hpsearch::suggestion {

// The name Katib's readiness and liveness probes check.
inline constexpr char kHealthServiceName[] = "manager.v1beta1.Suggestion";

class SuggestionService final : public ::api::v1::beta1::Suggestion::Service {
 public:
  grpc::Status GetSuggestions(grpc::ServerContext* context,
                              const ::api::v1::beta1::GetSuggestionsRequest* request,
                              ::api::v1::beta1::GetSuggestionsReply* reply) override;
  grpc::Status ValidateAlgorithmSettings(
      grpc::ServerContext* context,
      const ::api::v1::beta1::ValidateAlgorithmSettingsRequest* request,
      ::api::v1::beta1::ValidateAlgorithmSettingsReply* reply) override;
};

struct ServerOptions {
  // HOST:PORT; port 0 picks a free port (see SuggestionServer::port()).
  std::string address = "0.0.0.0:6789";
};

class SuggestionServer {
 public:
  // Binds and starts serving; UNAVAILABLE naming the address when it cannot
  // bind (port in use, bad address). Health answers SERVING for "" and for
  // kHealthServiceName from then on.
  static absl::StatusOr<std::unique_ptr<SuggestionServer>> Start(
      const ServerOptions& options);

  ~SuggestionServer();

  int port() const { return port_; }

  // Stops accepting calls and cancels those still running after `grace`.
  // Health answers NOT_SERVING meanwhile. Safe to call from any thread.
  void Shutdown(absl::Duration grace);

  // Blocks until Shutdown() has completed.
  void Wait();

 private:
  SuggestionServer() = default;

  SuggestionService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace hpsearch::suggestion
