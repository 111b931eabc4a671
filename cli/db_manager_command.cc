// `hpsearch db-manager`: Katib's DBManager gRPC service (observation logs)
// over an hpsearch objective store, with gRPC health, for Katib's metrics
// collectors. Runs until SIGTERM or SIGINT, lets calls in flight finish
// (within --shutdown-grace) and exits 0. Exits 1 when the store cannot be
// opened or the address bound.
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/validators.h"
#include "cli/stop_signals.h"
#include "metrics/db_manager_service.h"
#include "metrics/objective_store.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace hpsearch::cli {
namespace {

struct DbManagerFlags {
  std::string address = metrics::kDefaultDbManagerAddress;
  std::string store;
  double shutdown_grace_s = 5;
};

void RunDbManager(const DbManagerFlags& flags) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("hpsearch-db-manager"));

  StopSignals stop;

  auto store = metrics::ObjectiveStore::Open(flags.store);
  if (!store.ok()) {
    spdlog::error("{}", std::string(store.status().message()));
    throw CLI::RuntimeError(1);
  }
  auto server = metrics::DbManagerServer::Start(flags.address, **store);
  if (!server.ok()) {
    spdlog::error("{}", std::string(server.status().message()));
    throw CLI::RuntimeError(1);
  }
  spdlog::info("serving api.v1.beta1.DBManager and grpc.health.v1.Health on {} (port {}), store {}",
               flags.address, (*server)->port(), flags.store);
  stop.Wait(flags.shutdown_grace_s);
  (*server)->Shutdown(absl::Seconds(flags.shutdown_grace_s));
  spdlog::info("stopped");
}

}  // namespace

void AddDbManagerCommand(CLI::App& app) {
  auto flags = std::make_shared<DbManagerFlags>();
  CLI::App* command = app.add_subcommand(
      "db-manager",
      "Serve Katib's DBManager gRPC API (Report/Get/DeleteObservationLog) over an hpsearch store, "
      "as a drop-in for katib-db-manager");
  command
      ->add_option("--address", flags->address,
                   "HOST:PORT to listen on (Katib's default); port 0 picks a free port")
      ->check(ListenAddress())
      ->capture_default_str();
  command
      ->add_option("--store", flags->store, "The objective store (SQLite file; created if absent)")
      ->required();
  command
      ->add_option("--shutdown-grace", flags->shutdown_grace_s,
                   "Seconds calls in flight may take to finish after SIGTERM/SIGINT")
      ->check(Seconds())
      ->capture_default_str();
  command->callback([flags] { RunDbManager(*flags); });
}

}  // namespace hpsearch::cli
