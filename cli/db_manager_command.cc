// `hpsearch db-manager`: Katib's DBManager gRPC service (observation logs)
// over an hpsearch objective store, with gRPC health, for Katib's metrics
// collectors. Runs until SIGTERM or SIGINT, lets calls in flight finish and
// exits 0. Exits 1 when the store cannot be opened or the address bound.
#include <signal.h>

#include <cstring>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "metrics/db_manager_service.h"
#include "metrics/objective_store.h"
#include "spdlog/spdlog.h"

namespace hpsearch::cli {
namespace {

struct DbManagerFlags {
  std::string address = metrics::kDefaultDbManagerAddress;
  std::string store;
};

void RunDbManager(const DbManagerFlags& flags) {
  // Blocked before gRPC starts its threads, so they inherit the mask and
  // only sigwait below receives these signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

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
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("received {}; shutting down", strsignal(signal_number));
  (*server)->Shutdown();
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
      ->capture_default_str();
  command
      ->add_option("--store", flags->store, "The objective store (SQLite file; created if absent)")
      ->required();
  command->callback([flags] { RunDbManager(*flags); });
}

}  // namespace hpsearch::cli
