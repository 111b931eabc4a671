// `hpsearch serve`: Katib's Suggestion service (random, grid) and gRPC health
// on one port, logging one line per call to stderr. Runs until SIGTERM or
// SIGINT, then lets calls in flight finish for --shutdown-grace seconds and
// exits 0. Exits 1 when it cannot listen on --address.
#include <iostream>
#include <string>

#include "absl/time/time.h"
#include "cli/commands.h"
#include "cli/validators.h"
#include "cli/stop_signals.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "suggestion/algorithm.h"
#include "suggestion/suggestion_service.h"

namespace hpsearch::cli {
namespace {

struct ServeFlags {
  std::string address = "0.0.0.0:6789";
  std::string log_level = "info";
  double shutdown_grace_s = 5;
  bool list_algorithms = false;
};

void Serve(const ServeFlags& flags) {
  auto logger = spdlog::stderr_color_mt("hpsearch-serve");
  logger->set_level(spdlog::level::from_str(flags.log_level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);

  StopSignals stop;

  absl::StatusOr<std::unique_ptr<suggestion::SuggestionServer>> server =
      suggestion::SuggestionServer::Start({.address = flags.address});
  if (!server.ok()) {
    spdlog::error("{}", std::string(server.status().message()));
    throw CLI::RuntimeError(1);
  }
  spdlog::info("serving api.v1.beta1.Suggestion ({}) and grpc.health.v1.Health on {} (port {})",
               suggestion::AlgorithmNames(), flags.address, (*server)->port());

  stop.Wait(flags.shutdown_grace_s);
  (*server)->Shutdown(absl::Seconds(flags.shutdown_grace_s));
  spdlog::info("stopped");
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Serve Katib's Suggestion gRPC API (algorithms random, grid and bayesianoptimization) with gRPC "
      "health checks, as a drop-in replacement for Katib's suggestion services");
  serve->add_option("--address", flags->address,
                    "HOST:PORT to listen on; port 0 picks a free port")
      ->check(ListenAddress())
      ->capture_default_str();
  serve->add_option("--log-level", flags->log_level,
                    "Log verbosity (one line per call at info)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  serve->add_option("--shutdown-grace", flags->shutdown_grace_s,
                    "Seconds calls in flight may take to finish after SIGTERM/SIGINT")
      ->check(Seconds())
      ->capture_default_str();
  serve->add_flag("--list-algorithms", flags->list_algorithms,
                  "Print the served algorithms and their settings, then exit");
  serve->callback([flags] {
    if (flags->list_algorithms) {
      std::cout << suggestion::AlgorithmSettingsTable();
      return;
    }
    Serve(*flags);
  });
}

}  // namespace hpsearch::cli
